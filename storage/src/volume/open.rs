//! From a catalogue volume record to an [`ArchiveVolume`] to read and write.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use super::{ArchiveVolume, LocalVolume, S3Volume, VolumeError};
use crate::records::{VolumeLocation, VolumeRecord};

/// Opens the volume described by `record`. `file` remote volumes and local archive
/// volumes are directories, `s3` ones buckets; other remote types are refused with a
/// message naming them.
pub fn open(record: &VolumeRecord) -> Result<Arc<dyn ArchiveVolume>, VolumeError> {
    match &record.location {
        VolumeLocation::Local { path, .. } => Ok(Arc::new(LocalVolume::open(path.clone())?)),
        VolumeLocation::Remote { vol_type, url, .. } if vol_type == "file" => {
            let dir = file_url_path(url).map_err(|why| {
                VolumeError::Unsupported(format!("the URL of volume '{}' {why}", record.name))
            })?;
            // Never create it: a missing directory is usually a share that is not mounted,
            // and backups must not land on the disk under the mount point.
            if !dir.is_dir() {
                return Err(VolumeError::Unsupported(format!(
                    "the directory {} of volume '{}' does not exist (is the share mounted?)",
                    dir.display(),
                    record.name
                )));
            }
            Ok(Arc::new(LocalVolume::open(dir)?))
        }
        VolumeLocation::Remote {
            vol_type,
            url,
            username,
            password,
        } if vol_type == "s3" => Ok(Arc::new(S3Volume::open(
            url,
            username.as_deref(),
            password.as_deref(),
            &record.options,
        )?)),
        VolumeLocation::Remote { vol_type, .. } => Err(VolumeError::Unsupported(format!(
            "reading and writing '{vol_type}' volumes is not supported by this server (volume '{}')",
            record.name
        ))),
    }
}

/// Checks that a volume can be used now: its directory exists and takes a file, or its
/// bucket answers a listing with the stored credentials (a few seconds at most). The
/// error is the reason, phrased for `remote_volume_state`'s "Connection problem: ...".
pub async fn probe(record: &VolumeRecord) -> Result<(), String> {
    match &record.location {
        VolumeLocation::Local { path, .. } => probe_directory(path),
        VolumeLocation::Remote { vol_type, url, .. } if vol_type == "file" => {
            probe_directory(&file_url_path(url).map_err(|why| format!("the URL {why}"))?)
        }
        VolumeLocation::Remote {
            vol_type,
            url,
            username,
            password,
        } if vol_type == "s3" => {
            S3Volume::open_probe(
                url,
                username.as_deref(),
                password.as_deref(),
                &record.options,
            )
            .map_err(|e| e.to_string())?
            .check_online()
            .await
        }
        VolumeLocation::Remote { vol_type, .. } => Err(format!(
            "'{vol_type}' volumes are not supported by this server"
        )),
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

/// The absolute directory of a `file:///path` URL (no `..` parts). The error says why
/// without quoting the URL: the caller decides how much of it a message may show.
pub fn file_url_path(url: &str) -> Result<PathBuf, String> {
    let path = url
        .strip_prefix("file://")
        .ok_or_else(|| "is not a file:// URL".to_owned())?;
    let path = Path::new(path);
    if !path.is_absolute() {
        return Err("must name an absolute path (file:///dir)".into());
    }
    if path.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err("must not contain '..'".into());
    }
    Ok(path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_must_be_absolute_without_parent_parts() {
        assert_eq!(
            file_url_path("file:///srv/backup").unwrap(),
            PathBuf::from("/srv/backup")
        );
        assert!(file_url_path("file://relative").is_err());
        assert!(file_url_path("file:///srv/../etc").is_err());
        assert!(file_url_path("s3://x").is_err());
    }
}
