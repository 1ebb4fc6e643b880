//! Shared by the volume jobs: how volumes are shown, sizes, `file://` URLs, and the
//! "does it still hold backups" check.

use std::path::{Path, PathBuf};

use confd_storage::records::{VolumeLocation, VolumeRecord};
pub use confd_storage::volume::file_url_path;
use serde_json::{Value, json};

use crate::error::JobError;
use crate::units::format_size;

/// The `st_volume_*` view of a local archive volume (keys after spec 3.2). `human`
/// renders sizes with units, as `st_volume_info` does.
pub fn local_view(v: &VolumeRecord, human: bool) -> Value {
    let (path, size) = match &v.location {
        VolumeLocation::Local { path, size_bytes } => (path.display().to_string(), *size_bytes),
        VolumeLocation::Remote { url, .. } => (url.clone(), 0),
    };
    let used = dir_size(Path::new(&path));
    let sized = |bytes: u64| {
        if human {
            json!(format_size(bytes))
        } else {
            json!(bytes)
        }
    };
    json!({
        "id": v.id.to_string(),
        "name": v.name,
        "type": "ARCHIVE",
        "state": if Path::new(&path).is_dir() { "ONLINE" } else { "OFFLINE" },
        "size": format_size(size),
        "used": sized(used),
        "block_size": sized(512 << 10),
        "stripe_size": sized(512 << 10),
        "owner": v.owner.0,
        "permissions": "rwx------",
        "labels": v.labels,
        "redundancy": 1,
        "shared": true,
        "path": path,
    })
}

/// The `remote_volume_info` view; the password is masked (design 2).
pub fn remote_view(v: &VolumeRecord) -> Value {
    let VolumeLocation::Remote {
        vol_type,
        url,
        username,
        password,
    } = &v.location
    else {
        return local_view(v, true);
    };
    json!({
        "name": v.name,
        "vid": v.id.to_string(),
        "type": vol_type,
        "url": url,
        "username": username.clone().unwrap_or_default(),
        "password": if password.is_some() { "******" } else { "" },
        "owner": [v.owner.0, v.owner.1],
        "options": v.options,
        "labels": v.labels,
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
