//! `remote_volume_remove`: unregister a remote archive volume. Refused while it holds
//! backups unless `force: true`; the data on the volume itself is never deleted.

use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, NoOutput, VOLUME_GROUPS};
use crate::params::{FromParams, Param, ParamReader, ParamSpec};

use super::remote_volume_info::{REMOTE_VOLUME, RemoteRef};
use super::volume_view::refuse_if_in_use;

/// The `remote_volume_remove` job.
pub struct RemoteVolumeRemove;

/// Parameters of `remote_volume_remove`.
pub struct Params {
    volume: RemoteRef,
    force: bool,
}

/// `force`.
pub const FORCE: Param<bool> = Param::optional("force", "Remove even though backups exist on it.");

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] =
        &[REMOTE_VOLUME.name.spec, REMOTE_VOLUME.id.spec, FORCE.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            volume: RemoteRef::from_params(p)?,
            force: p.or(&FORCE, false)?,
        })
    }
}

impl Job for RemoteVolumeRemove {
    const NAME: &'static str = "remote_volume_remove";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Remove a remote archive volume from the configuration. Refused while it holds backups unless force is true; data on the volume is kept.",
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
