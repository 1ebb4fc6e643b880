//! A local archive volume `/cluster1/storage/v<id>` (reference: Service `StorageVolume`).

use confd_jobs::job::db_list::DbList;
use confd_jobs::params::CallParams;
use dxr::{Fault, Value};

use super::{Args, Ctx, Object, backups, strings, volumes};

/// The volume a method of a volume object is on; shared with `remote_volume.rs`.
pub fn this_volume<'c>(cx: &'c Ctx<'_>) -> Result<&'c volumes::Vol, Fault> {
    match &cx.object {
        Object::StorageVolume(v) | Object::RemoteVolume(v) => Ok(v),
        _ => Err(super::zope(
            "TypeError",
            "this method needs a volume object".into(),
        )),
    }
}

/// `getProperties`: what `st_volume_info` shows.
pub async fn properties(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    super::storage::local_volume_info(cx, this_volume(cx)?.id).await
}

/// `getFilesList`: the objects of every backup on this volume, as `getBackupInfo` lists
/// them, sorted.
pub async fn files(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let v = this_volume(cx)?;
    let dbs = cx.run(CallParams::<DbList>::new()).await?;
    let Some(first) = dbs.first() else {
        return Ok(strings(Vec::new()));
    };
    let mut all = Vec::new();
    for e in backups::entries(cx, first, true).await? {
        if volumes::object_name_of_backup(&e.id).as_deref() != Some(v.object_name().as_str()) {
            continue;
        }
        all.extend(backups::files(&e));
    }
    all.sort();
    Ok(strings(all))
}
