//! `st_volume_list`: all local archive volumes.

use super::volume_view::{LocalVolumeView, local_view_bytes};
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_READ_GROUPS};
use crate::params::NoParams;

/// The `st_volume_list` job.
pub struct StVolumeList;

impl Job for StVolumeList {
    const NAME: &'static str = "st_volume_list";
    type Params = NoParams;
    type Output = Vec<LocalVolumeView<u64>>;

    const SPEC: JobSpec = JobSpec {
        description: "List the local archive volumes with their properties.",
        allowed_groups: VOLUME_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, _: NoParams) -> Result<Vec<LocalVolumeView<u64>>, JobError> {
        Ok(ctx
            .services
            .catalog
            .volumes()?
            .iter()
            .filter(|v| !v.is_remote())
            .map(local_view_bytes)
            .collect())
    }
}
