//! A remote archive volume `/cluster1/r<id - 10000>` (reference: Service `RemoteVolume`).

use confd_jobs::job::remote_volume_info::{REMOTE_VOLUME, RemoteVolumeInfo};
use confd_jobs::job::remote_volume_state::RemoteVolumeState;
use confd_jobs::params::CallParams;
use dxr::{Fault, Value};
use serde_json::json;

use super::storage_volume::this_volume;
use super::{Args, Ctx};
use crate::xmlrpc::from_json;

/// `getProperties`: the reference's keys (`url`, `user`, `password` masked, `options`
/// comma-separated, `labels`, `vid`), from `remote_volume_info`.
pub async fn properties(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let v = this_volume(cx)?;
    let info = cx
        .run(CallParams::<RemoteVolumeInfo>::new().set(&REMOTE_VOLUME.name, v.name.clone()))
        .await?;
    Ok(from_json(&json!({
        "allowed_users": [],
        "labels": info.labels,
        "options": info.options.join(","),
        "password": info.password,
        "readonly_users": [],
        "url": info.url,
        "user": info.username,
        "vid": info.volume_id,
    })))
}

/// `getVolumeId`: the "virtual" volume ID (10001 for `r0001`), the first token of the
/// IDs of its backups.
pub async fn volume_id(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let v = this_volume(cx)?;
    Ok(Value::Integer(i32::try_from(v.id).unwrap_or(i32::MAX)))
}

/// `state`: `Online`, or `Connection problem: <reason>`.
pub async fn state(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let v = this_volume(cx)?;
    let states = cx
        .run(CallParams::<RemoteVolumeState>::new().set(&REMOTE_VOLUME.name, v.name.clone()))
        .await?;
    Ok(Value::String(states.into_iter().next().unwrap_or_default()))
}
