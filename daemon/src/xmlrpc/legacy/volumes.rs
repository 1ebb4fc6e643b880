//! Archive volumes under their EXAoperation object names: local volume ID N is `v%04d`
//! (a StorageVolume under `/cluster1/storage`), remote volume ID 10000 + N is `r%04d`
//! (a RemoteVolume under `/cluster1`), the names the reference's scripts parse
//! (`convertVolumeId` in its autorestore example) and the first token of a ConfD backup ID.

use confd_jobs::job::remote_volume_info::{REMOTE_VOLUME, RemoteVolumeInfo};
use confd_jobs::job::remote_volume_list::RemoteVolumeList;
use confd_jobs::job::st_volume_list::StVolumeList;
use confd_jobs::params::CallParams;
use dxr::{Fault, Value};

use super::Ctx;
use super::args::as_int;

/// Remote volume IDs start above this.
const REMOTE_BASE: u32 = 10000;

/// An archive volume: its ConfD ID and name.
#[derive(Debug, Clone)]
pub struct Vol {
    /// ConfD volume ID.
    pub id: u32,
    /// ConfD volume name.
    pub name: String,
    /// True for a remote volume.
    pub remote: bool,
}

impl Vol {
    /// The EXAoperation object name.
    pub fn object_name(&self) -> String {
        object_name(self.id)
    }
}

/// `v0001` for local volume 1, `r0001` for remote volume 10001.
pub fn object_name(id: u32) -> String {
    if id > REMOTE_BASE {
        format!("r{:04}", id - REMOTE_BASE)
    } else {
        format!("v{id:04}")
    }
}

/// The object name of the volume a ConfD backup ID (`<volume_id> <path> <db>`) names.
pub fn object_name_of_backup(backup_id: &str) -> Option<String> {
    let id = backup_id.split(' ').next()?.parse().ok()?;
    Some(object_name(id))
}

/// Every archive volume, local ones first, each group in ConfD's order.
pub async fn all(cx: &Ctx<'_>) -> Result<Vec<Vol>, Fault> {
    let mut vols: Vec<Vol> = cx
        .run(CallParams::<StVolumeList>::new())
        .await?
        .into_iter()
        .map(|v| Vol {
            id: v.volume_id,
            name: v.name,
            remote: false,
        })
        .collect();
    for name in cx.run(CallParams::<RemoteVolumeList>::new()).await? {
        let info = cx
            .run(CallParams::<RemoteVolumeInfo>::new().set(&REMOTE_VOLUME.name, name))
            .await?;
        vols.push(Vol {
            id: info.volume_id,
            name: info.name,
            remote: true,
        });
    }
    Ok(vols)
}

/// The volume an object path segment names, if any.
pub async fn by_object_name(cx: &Ctx<'_>, segment: &str) -> Result<Option<Vol>, Fault> {
    let looks_like_volume = segment.len() > 1
        && segment.starts_with(['v', 'r'])
        && segment[1..].bytes().all(|b| b.is_ascii_digit());
    if !looks_like_volume {
        return Ok(None);
    }
    Ok(all(cx)
        .await?
        .into_iter()
        .find(|v| v.object_name() == segment))
}

/// The volume an argument names: its ID (number or digits), its object name (`v0001`,
/// `r0001`, any case) or its ConfD name.
pub fn find<'v>(vols: &'v [Vol], arg: &Value) -> Option<&'v Vol> {
    if let Some(id) = as_int(arg) {
        return vols.iter().find(|v| i64::from(v.id) == id);
    }
    let Value::String(text) = arg else {
        return None;
    };
    let lower = text.to_ascii_lowercase();
    vols.iter()
        .find(|v| v.object_name() == lower)
        .or_else(|| vols.iter().find(|v| &v.name == text))
}

/// [`find`] over all volumes, or the fault naming argument `i`.
pub async fn resolve(cx: &Ctx<'_>, args: &super::Args<'_>, i: usize) -> Result<Vol, Fault> {
    let vols = all(cx).await?;
    let arg = args.get(i).ok_or_else(|| args.bad(i, "is missing"))?;
    find(&vols, arg).cloned().ok_or_else(|| {
        args.bad(
            i,
            "names no archive volume (give its ID, its object name like 'v0001' or 'r0001', or its name)",
        )
    })
}
