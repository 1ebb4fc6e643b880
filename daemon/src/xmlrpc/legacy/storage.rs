//! The storage object `/cluster1/storage` (reference: Service `Storage`): the archive
//! volumes. This server has no EXAStorage data volumes, so only archive volumes appear.

use std::collections::BTreeMap;

use confd_jobs::job::remote_volume_info::{REMOTE_VOLUME, RemoteVolumeInfo};
use confd_jobs::job::st_volume_info::{self, StVolumeInfo};
use confd_jobs::job::st_volume_list::StVolumeList;
use confd_jobs::params::CallParams;
use dxr::{Fault, Value};

use super::database::to_value;
use super::{Args, Ctx, strings, volumes};

/// `getArchiveFilesystems`: object name -> `(<OBJECT_TYPE>, <ID>, <PERMISSIONS>)`.
pub async fn archive_filesystems(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let mut all = BTreeMap::new();
    for v in volumes::all(cx).await? {
        let kind = if v.remote {
            "RemoteVolume"
        } else {
            "StorageVolume"
        };
        all.insert(
            v.object_name(),
            Value::Array(vec![
                Value::String(kind.into()),
                Value::Integer(i32::try_from(v.id).unwrap_or(i32::MAX)),
                Value::String("rw".into()),
            ]),
        );
    }
    Ok(Value::Struct(all))
}

/// `getVolumeList`: object name -> what `st_volume_list` shows of the volume.
pub async fn volume_list(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let mut all = BTreeMap::new();
    for v in cx.run(CallParams::<StVolumeList>::new()).await? {
        all.insert(volumes::object_name(v.volume_id), to_value(&v)?);
    }
    Ok(Value::Struct(all))
}

/// `getVolumeInfo(vid)`: a local volume as `st_volume_info`, a remote one as
/// `remote_volume_info` shows it.
pub async fn volume_info(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    let v = volumes::resolve(cx, &args, 0).await?;
    if v.remote {
        let info = cx
            .run(CallParams::<RemoteVolumeInfo>::new().set(&REMOTE_VOLUME.name, v.name))
            .await?;
        return to_value(&info);
    }
    local_volume_info(cx, v.id).await
}

/// What `st_volume_info` shows of the local volume `id`.
pub async fn local_volume_info(cx: &Ctx<'_>, id: u32) -> Result<Value, Fault> {
    let info = cx
        .run(CallParams::<StVolumeInfo>::new().set(
            &st_volume_info::VOLUME.id,
            serde_json::json!(id.to_string()),
        ))
        .await?;
    to_value(&info)
}

/// `listObjects`: the local archive volumes.
pub async fn list_objects(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let mut all: Vec<String> = cx
        .run(CallParams::<StVolumeList>::new())
        .await?
        .iter()
        .map(|v| volumes::object_name(v.volume_id))
        .collect();
    all.sort();
    Ok(strings(all))
}

/// `serviceIsOnline`: true once the volume catalogue answers.
pub async fn online(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    cx.run(CallParams::<StVolumeList>::new()).await?;
    Ok(Value::Boolean(true))
}
