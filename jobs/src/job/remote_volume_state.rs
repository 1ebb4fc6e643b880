//! `remote_volume_state`: connection state per node (one node here): `['Online']` when
//! the volume's directory exists and is writable, else `Connection problem: <reason>`.

use std::path::Path;

use confd_storage::records::VolumeLocation;

use super::remote_volume_info::{REMOTE_REF_PARAMS, RemoteRef};
use super::volume_view::file_url_path;
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_GROUPS};

/// The `remote_volume_state` job.
pub struct RemoteVolumeState;

impl Job for RemoteVolumeState {
    const NAME: &'static str = "remote_volume_state";
    type Params = RemoteRef;
    type Output = Vec<String>;

    const SPEC: JobSpec = JobSpec {
        description: "Show the connection state of a remote archive volume: 'Online' or 'Connection problem: <reason>'.",
        params: &REMOTE_REF_PARAMS,
        allowed_groups: VOLUME_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: RemoteRef) -> Result<Vec<String>, JobError> {
        let v = p.resolve(ctx.services)?;
        let VolumeLocation::Remote { vol_type, url, .. } = &v.location else {
            return Err(JobError::NotFound(format!(
                "Volume '{}' is not remote",
                v.name
            )));
        };
        if vol_type != "file" {
            return Err(JobError::Unsupported(format!(
                "Checking the state of '{vol_type}' volumes is not supported by this server yet (volume '{}')",
                v.name
            )));
        }
        let state = match file_url_path(url) {
            Err(e) => format!("Connection problem: {e}"),
            Ok(dir) => match probe_directory(&dir) {
                Ok(()) => "Online".to_owned(),
                Err(reason) => format!("Connection problem: {reason}"),
            },
        };
        Ok(vec![state])
    }
}

/// Checks that `dir` is a directory we can create and delete a file in.
fn probe_directory(dir: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    let probe = dir.join(format!(".confd-probe-{}", std::process::id()));
    std::fs::write(&probe, b"probe")
        .map_err(|e| format!("{} is not writable: {e}", dir.display()))?;
    std::fs::remove_file(&probe)
        .map_err(|e| format!("{}: cannot delete a probe file: {e}", dir.display()))
}
