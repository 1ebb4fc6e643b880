//! `remote_volume_state`: connection state per node (one node here): `['Online']` when a
//! `file` volume's directory exists and is writable, or an `s3` volume's bucket answers a
//! listing of its prefix with the stored credentials; else `Connection problem: <reason>`.

use confd_storage::records::VolumeLocation;

use super::remote_volume_info::RemoteRef;
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_READ_GROUPS};

/// The `remote_volume_state` job.
pub struct RemoteVolumeState;

impl Job for RemoteVolumeState {
    const NAME: &'static str = "remote_volume_state";
    type Params = RemoteRef;
    type Output = Vec<String>;

    const SPEC: JobSpec = JobSpec {
        description: "Show the connection state of a remote archive volume: 'Online' or 'Connection problem: <reason>'.",
        allowed_groups: VOLUME_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: RemoteRef) -> Result<Vec<String>, JobError> {
        let v = p.resolve(ctx.services)?;
        let VolumeLocation::Remote { vol_type, .. } = &v.location else {
            return Err(JobError::NotFound(format!(
                "Volume '{}' is not remote",
                v.name
            )));
        };
        if vol_type != "file" && vol_type != "s3" {
            return Err(JobError::Unsupported(format!(
                "Checking the state of '{vol_type}' volumes is not supported by this server (volume '{}')",
                v.name
            )));
        }
        let checked = confd_storage::volume::probe(&v).await;
        Ok(vec![match checked {
            Ok(()) => "Online".to_owned(),
            Err(reason) => format!("Connection problem: {reason}"),
        }])
    }
}
