//! `remote_volume_info`: one remote archive volume. `vid` is a string as in real output
//! (spec 3.3); the password is shown as `******` (design 2, deliberate difference).

use serde_json::Value;

use super::volume_view::remote_view;
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_GROUPS};
use crate::params::{FromParams, ParamReader, ParamSpec, ParamType, VolumeRef};
use crate::services::Services;

/// The `remote_volume_info` job.
pub struct RemoteVolumeInfo;

/// A remote volume given by `remote_volume_id` or `remote_volume_name`.
pub struct RemoteRef(pub VolumeRef);

impl FromParams for RemoteRef {
    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(RemoteRef(VolumeRef::read(
            p,
            "remote_volume_id",
            "remote_volume_name",
        )?))
    }
}

/// Parameters shared by the jobs that address one remote volume.
pub const REMOTE_REF_PARAMS: [ParamSpec; 2] = [
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
];

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
    type Output = Value;

    const SPEC: JobSpec = JobSpec {
        description: "Show a remote archive volume: name, vid, type, url, username, owner, options.",
        params: &REMOTE_REF_PARAMS,
        allowed_groups: VOLUME_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: RemoteRef) -> Result<Value, JobError> {
        Ok(remote_view(&p.resolve(ctx.services)?))
    }
}
