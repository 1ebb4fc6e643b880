//! `st_volume_delete`: delete an empty local archive volume.

use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, NoOutput, VOLUME_GROUPS};
use crate::params::{FromParams, Param, ParamReader, ParamSpec, VolumeParam, VolumeRef};

use super::volume_view::{refuse_if_in_use, volume_dir};

/// The `st_volume_delete` job.
pub struct StVolumeDelete;

/// Parameters of `st_volume_delete`.
pub struct Params {
    volume: VolumeRef,
}

/// `vid` / `vname`.
pub const VOLUME: VolumeParam<i64> = VolumeParam::new(
    Param::required("vid", "ID of the volume."),
    Param::optional("vname", "Name of the volume (substitute for vid)."),
);

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[VOLUME.id.spec, VOLUME.name.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            volume: VOLUME.read(p)?,
        })
    }
}

impl Job for StVolumeDelete {
    const NAME: &'static str = "st_volume_delete";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Delete a local archive volume. Refused while it holds backups.",
        allowed_groups: VOLUME_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let v = ctx.services.volume(&p.volume)?;
        if v.is_remote() {
            return Err(JobError::NotFound(format!(
                "Volume {} is a remote archive volume; use remote_volume_remove",
                p.volume
            )));
        }
        refuse_if_in_use(&ctx.services.catalog, &v, false)?;
        ctx.services.catalog.remove_volume(v.id)?;
        ctx.services.catalog.flush().await?;
        if let Some(dir) = volume_dir(&v) {
            // Only an empty directory: never delete data we did not check.
            let _ = std::fs::remove_dir(dir);
        }
        Ok(NoOutput)
    }
}
