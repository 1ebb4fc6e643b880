//! `st_volume_info`: one local archive volume by `vid` (or `vname`); `vid: all_volumes`
//! returns all of them (spec 3.2).

use serde::Serialize;

use super::volume_view::{LocalVolumeView, local_view_human};
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_READ_GROUPS};
use crate::params::{
    FromParams, Param, ParamReader, ParamSpec, Text, VolumeParam, VolumeRef, text_volume_id,
};

/// The `st_volume_info` job.
pub struct StVolumeInfo;

/// Which volume(s) to show.
pub enum Params {
    /// `vid: all_volumes`.
    All,
    /// One volume.
    One(VolumeRef),
}

/// `vid` / `vname`.
pub const VOLUME: VolumeParam<Text> = VolumeParam::new(
    Param::required("vid", "ID of the volume, or 'all_volumes'."),
    Param::optional("vname", "Name of the volume (substitute for vid)."),
);

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[VOLUME.id.spec, VOLUME.name.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        match p.opt(&VOLUME.id)? {
            Some(Text(all)) if all == "all_volumes" => Ok(Params::All),
            Some(id) => Ok(Params::One(text_volume_id(VOLUME.id.name(), &id)?)),
            None => Ok(Params::One(VOLUME.read_name(p)?)),
        }
    }
}

/// One volume, or all of them for `vid: all_volumes`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Output {
    /// The volume asked for.
    One(Box<LocalVolumeView<String>>),
    /// Every local archive volume.
    All(Vec<LocalVolumeView<String>>),
}

impl Job for StVolumeInfo {
    const NAME: &'static str = "st_volume_info";
    type Params = Params;
    type Output = Output;

    const SPEC: JobSpec = JobSpec {
        description: "Show a local archive volume; sizes are rendered with units. vid 'all_volumes' shows all.",
        allowed_groups: VOLUME_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<Output, JobError> {
        match p {
            Params::All => Ok(Output::All(
                ctx.services
                    .catalog
                    .volumes()?
                    .iter()
                    .filter(|v| !v.is_remote())
                    .map(local_view_human)
                    .collect(),
            )),
            Params::One(r) => {
                let v = ctx.services.volume(&r)?;
                if v.is_remote() {
                    return Err(JobError::NotFound(format!(
                        "Volume {r} is a remote archive volume; use remote_volume_info"
                    )));
                }
                Ok(Output::One(Box::new(local_view_human(&v))))
            }
        }
    }
}
