//! Shared by the volume jobs: how volumes are shown, sizes, `file://` URLs, and the
//! "does it still hold backups" check.

use std::path::{Path, PathBuf};

use confd_storage::records::{VolumeLocation, VolumeRecord};
pub use confd_storage::volume::file_url_path;
use serde::Serialize;

use crate::error::JobError;
use crate::units::format_size;

/// The `st_volume_*` view of a local archive volume (keys after spec 3.2). `S` is how
/// sizes other than `size` are shown: `String` with units (`st_volume_info`) or `u64`
/// bytes (`st_volume_list`).
#[derive(Debug, Clone, Serialize)]
pub struct LocalVolumeView<S> {
    /// Volume ID, for edges that show it as a number.
    #[serde(skip)]
    pub volume_id: u32,
    /// Volume ID, as text.
    pub id: String,
    /// Name.
    pub name: String,
    /// Always `ARCHIVE`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `ONLINE` while its directory exists, else `OFFLINE`.
    pub state: &'static str,
    /// Size with units.
    pub size: String,
    /// Bytes used by files in its directory.
    pub used: S,
    /// Block size.
    pub block_size: S,
    /// Stripe size.
    pub stripe_size: S,
    /// Owner's user ID.
    pub owner: u32,
    /// Always `rwx------`.
    pub permissions: &'static str,
    /// Labels.
    pub labels: Vec<String>,
    /// Always 1.
    pub redundancy: u32,
    /// Always true.
    pub shared: bool,
    /// Its directory.
    pub path: String,
}

/// Sizes shown with units, as `st_volume_info` does.
pub fn local_view_human(v: &VolumeRecord) -> LocalVolumeView<String> {
    local_view(v, format_size)
}

/// Sizes shown in bytes, as `st_volume_list` does.
pub fn local_view_bytes(v: &VolumeRecord) -> LocalVolumeView<u64> {
    local_view(v, |bytes| bytes)
}

fn local_view<S>(v: &VolumeRecord, sized: impl Fn(u64) -> S) -> LocalVolumeView<S> {
    let (path, size) = match &v.location {
        VolumeLocation::Local { path, size_bytes } => (path.display().to_string(), *size_bytes),
        VolumeLocation::Remote { url, .. } => (url.clone(), 0),
    };
    let used = dir_size(Path::new(&path));
    LocalVolumeView {
        volume_id: v.id,
        id: v.id.to_string(),
        name: v.name.clone(),
        kind: "ARCHIVE",
        state: if Path::new(&path).is_dir() {
            "ONLINE"
        } else {
            "OFFLINE"
        },
        size: format_size(size),
        used: sized(used),
        block_size: sized(512 << 10),
        stripe_size: sized(512 << 10),
        owner: v.owner.0,
        permissions: "rwx------",
        labels: v.labels.clone(),
        redundancy: 1,
        shared: true,
        path,
    }
}

/// The `remote_volume_info` view of a remote archive volume; the password is masked
/// (design 2).
#[derive(Debug, Clone, Serialize)]
pub struct RemoteVolumeView {
    /// Volume ID, for edges that show it as a number.
    #[serde(skip)]
    pub volume_id: u32,
    /// Name.
    pub name: String,
    /// Volume ID, as text (spec 3.3).
    pub vid: String,
    /// `file` or `s3`.
    #[serde(rename = "type")]
    pub vol_type: String,
    /// Location.
    pub url: String,
    /// User name or S3 access key ID; empty when none.
    pub username: String,
    /// `******` when a password is stored, else empty.
    pub password: &'static str,
    /// `[uid, gid]`.
    pub owner: (u32, u32),
    /// Options.
    pub options: Vec<String>,
    /// Labels.
    pub labels: Vec<String>,
}

/// The view of a remote volume; `None` for a local one.
pub fn remote_view(v: &VolumeRecord) -> Option<RemoteVolumeView> {
    let VolumeLocation::Remote {
        vol_type,
        url,
        username,
        password,
    } = &v.location
    else {
        return None;
    };
    Some(RemoteVolumeView {
        volume_id: v.id,
        name: v.name.clone(),
        vid: v.id.to_string(),
        vol_type: vol_type.clone(),
        url: url.clone(),
        username: username.clone().unwrap_or_default(),
        password: if password.is_some() { "******" } else { "" },
        owner: v.owner,
        options: v.options.clone(),
        labels: v.labels.clone(),
    })
}

/// The directory of a volume kept on a file system (local or `file` remote), if any.
pub fn volume_dir(v: &VolumeRecord) -> Option<PathBuf> {
    match &v.location {
        VolumeLocation::Local { path, .. } => Some(path.clone()),
        VolumeLocation::Remote { vol_type, url, .. } if vol_type == "file" => {
            file_url_path(url).ok()
        }
        VolumeLocation::Remote { .. } => None,
    }
}

/// True when the volume still holds data (backups), so removing it would orphan them.
pub fn holds_data(v: &VolumeRecord) -> bool {
    volume_dir(v)
        .and_then(|d| std::fs::read_dir(d).ok())
        .is_some_and(|mut entries| entries.next().is_some())
}

/// Bytes of regular files under `dir` (0 when unreadable).
pub fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => total += entry.metadata().map(|m| m.len()).unwrap_or(0),
                _ => {}
            }
        }
    }
    total
}

/// Refuses to remove a volume that still holds backups (in the catalogue or as data in
/// its directory), unless forced.
pub fn refuse_if_in_use(
    catalog: &confd_storage::Catalog,
    v: &VolumeRecord,
    force: bool,
) -> Result<(), JobError> {
    let catalogued = catalog.backups()?.iter().any(|b| b.volume_id == v.id);
    if !force && (catalogued || holds_data(v)) {
        return Err(JobError::Conflict(format!(
            "Volume '{}' (ID {}) still holds backups; delete them first or pass force: true",
            v.name, v.id
        )));
    }
    Ok(())
}
