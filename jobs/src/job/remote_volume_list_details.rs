//! `remote_volume_list_details`: every remote archive volume with its properties (the
//! `remote_volume_info` view of each; passwords masked).

use super::volume_view::{RemoteVolumeView, remote_view};
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_READ_GROUPS};
use crate::params::NoParams;

/// The `remote_volume_list_details` job.
pub struct RemoteVolumeListDetails;

impl Job for RemoteVolumeListDetails {
    const NAME: &'static str = "remote_volume_list_details";
    type Params = NoParams;
    type Output = Vec<RemoteVolumeView>;

    const SPEC: JobSpec = JobSpec {
        description: "List all remote archive volumes with their properties.",
        allowed_groups: VOLUME_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, _: NoParams) -> Result<Vec<RemoteVolumeView>, JobError> {
        Ok(ctx
            .services
            .catalog
            .volumes()?
            .iter()
            .filter_map(remote_view)
            .collect())
    }
}
