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
            let dir = file_url_path(url).map_err(VolumeError::Unsupported)?;
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

/// The absolute directory of a `file:///path` URL (no `..` parts).
pub fn file_url_path(url: &str) -> Result<PathBuf, String> {
    let path = url
        .strip_prefix("file://")
        .ok_or_else(|| format!("'{url}' is not a file:// URL"))?;
    let path = Path::new(path);
    if !path.is_absolute() {
        return Err(format!("'{url}' must name an absolute path (file:///dir)"));
    }
    if path.components().any(|c| matches!(c, Component::ParentDir)) {
        return Err(format!("'{url}' must not contain '..'"));
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
