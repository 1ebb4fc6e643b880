//! `remote_volume_remove`: unregister a remote archive volume. Refused while it holds
//! backups unless `force: true`; the data on the volume itself is never deleted.

use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, NoOutput, VOLUME_GROUPS};
use crate::params::{FromParams, ParamReader, ParamSpec, ParamType};

use super::remote_volume_info::RemoteRef;
use super::volume_view::refuse_if_in_use;

/// The `remote_volume_remove` job.
pub struct RemoteVolumeRemove;

/// Parameters of `remote_volume_remove`.
pub struct Params {
    volume: RemoteRef,
    force: bool,
}

impl FromParams for Params {
    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            volume: RemoteRef::from_params(p)?,
            force: p.bool_or("force", false),
        })
    }
}

impl Job for RemoteVolumeRemove {
    const NAME: &'static str = "remote_volume_remove";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Remove a remote archive volume from the configuration. Refused while it holds backups unless force is true; data on the volume is kept.",
        params: &[
            ParamSpec::required(
                "remote_volume_name",
                ParamType::Str,
                "Name of the remote volume.",
            )
            .or("remote_volume_id"),
            ParamSpec::optional(
                "remote_volume_id",
                ParamType::StrOrInt,
                "ID of the remote volume (substitute for the name).",
            ),
            ParamSpec::optional(
                "force",
                ParamType::Bool,
                "Remove even though backups exist on it.",
            ),
        ],
        allowed_groups: VOLUME_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let v = p.volume.resolve(ctx.services)?;
        refuse_if_in_use(&ctx.services.catalog, &v, p.force)?;
        ctx.services.catalog.remove_volume(v.id)?;
        Ok(NoOutput)
    }
}
