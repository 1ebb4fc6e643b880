//! `remote_volume_state`: connection state per node (one node here): `['Online']` when a
//! `file` volume's directory exists and is writable, or an `s3` volume's bucket answers a
//! listing of its prefix with the stored credentials; else `Connection problem: <reason>`.

use std::path::Path;

use confd_storage::records::VolumeLocation;
use confd_storage::volume::S3Volume;

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
        let VolumeLocation::Remote {
            vol_type,
            url,
            username,
            password,
        } = &v.location
        else {
            return Err(JobError::NotFound(format!(
                "Volume '{}' is not remote",
                v.name
            )));
        };
        let checked = match vol_type.as_str() {
            "file" => file_url_path(url).and_then(|dir| probe_directory(&dir)),
            "s3" => {
                // One listing with short timeouts and a single retry: a few seconds at most.
                match S3Volume::open_probe(
                    url,
                    username.as_deref(),
                    password.as_deref(),
                    &v.options,
                ) {
                    Ok(volume) => volume.check_online().await,
                    Err(e) => Err(e.to_string()),
                }
            }
            _ => {
                return Err(JobError::Unsupported(format!(
                    "Checking the state of '{vol_type}' volumes is not supported by this server (volume '{}')",
                    v.name
                )));
            }
        };
        Ok(vec![match checked {
            Ok(()) => "Online".to_owned(),
            Err(reason) => format!("Connection problem: {reason}"),
        }])
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
