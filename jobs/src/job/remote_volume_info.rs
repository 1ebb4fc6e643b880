//! `remote_volume_info`: one remote archive volume. `vid` is a string as in real output
//! (spec 3.3); the password is shown as `******` (design 2, deliberate difference).

use super::volume_view::{RemoteVolumeView, remote_view};
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_READ_GROUPS};
use crate::params::{FromParams, Param, ParamReader, ParamSpec, Text, VolumeParam, VolumeRef};
use crate::services::Services;

/// The `remote_volume_info` job.
pub struct RemoteVolumeInfo;

/// A remote volume given by `remote_volume_id` or `remote_volume_name`.
pub struct RemoteRef(pub VolumeRef);

/// `remote_volume_name` / `remote_volume_id`, shared by the jobs that address one
/// remote volume.
pub const REMOTE_VOLUME: VolumeParam<Text> = VolumeParam::by_name(
    Param::required("remote_volume_name", "Name of the remote volume."),
    Param::optional(
        "remote_volume_id",
        "ID of the remote volume (substitute for the name).",
    ),
);

impl FromParams for RemoteRef {
    const PARAMS: &'static [ParamSpec] = &[REMOTE_VOLUME.name.spec, REMOTE_VOLUME.id.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(RemoteRef(REMOTE_VOLUME.read(p)?))
    }
}

impl RemoteRef {
    /// The remote volume, or `NOT_FOUND` naming it (local volumes do not count).
    pub fn resolve(
        &self,
        services: &Services,
    ) -> Result<confd_storage::records::VolumeRecord, JobError> {
        let v = services.volume(&self.0)?;
        if !v.is_remote() {
            return Err(JobError::NotFound(format!(
                "Volume {} is a local archive volume, not a remote one",
                self.0
            )));
        }
        Ok(v)
    }
}

impl Job for RemoteVolumeInfo {
    const NAME: &'static str = "remote_volume_info";
    type Params = RemoteRef;
    type Output = RemoteVolumeView;

    const SPEC: JobSpec = JobSpec {
        description: "Show a remote archive volume: name, vid, type, url, username, owner, options.",
        allowed_groups: VOLUME_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: RemoteRef) -> Result<RemoteVolumeView, JobError> {
        let v = p.resolve(ctx.services)?;
        remote_view(&v).ok_or_else(|| {
            JobError::NotFound(format!("Volume '{}' is not a remote volume", v.name))
        })
    }
}
