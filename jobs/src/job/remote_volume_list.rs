//! `remote_volume_list`: names of all remote archive volumes.

use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_READ_GROUPS};
use crate::params::NoParams;

/// The `remote_volume_list` job.
pub struct RemoteVolumeList;

impl Job for RemoteVolumeList {
    const NAME: &'static str = "remote_volume_list";
    type Params = NoParams;
    type Output = Vec<String>;

    const SPEC: JobSpec = JobSpec {
        description: "List the names of all remote archive volumes.",
        allowed_groups: VOLUME_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, _: NoParams) -> Result<Vec<String>, JobError> {
        Ok(ctx
            .services
            .catalog
            .volumes()?
            .into_iter()
            .filter(|v| v.is_remote())
            .map(|v| v.name)
            .collect())
    }
}
