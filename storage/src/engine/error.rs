//! [`EngineError`]: what can go wrong in a backup or restore, naming the file or object.

use std::path::PathBuf;

use crate::volume::VolumeError;

/// A failed backup, restore or recovery step. Every variant names what it is about, so the
/// message can go to the user unchanged (`Backup failed: <message>`).
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Reading or writing a file of a node directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Stored data does not match its checksum, or an object cannot be decoded. `file` is
    /// the restored file or the object key.
    #[error("{file}: corrupt backup data: {detail}")]
    Corrupt {
        /// The file being restored, or the object whose content is wrong.
        file: String,
        /// What is wrong.
        detail: String,
    },
    /// A file changed (size, mtime or inode) while the backup read it.
    #[error("file changed while it was being backed up: {}", file.display())]
    FileChanged {
        /// The file.
        file: PathBuf,
    },
    /// The base backup (or a backup of the restore chain) is missing or does not fit.
    #[error("base backup missing: {detail}")]
    MissingBase {
        /// Which backup and why.
        detail: String,
    },
    /// The backup already has objects on the volume; nothing was written or removed.
    #[error("backup '{prefix}' already exists on the volume")]
    AlreadyExists {
        /// The backup's key prefix.
        prefix: String,
    },
    /// The plan or the arguments are inconsistent (names, node count, timestamp).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// Cancelled through the cancellation token; what the backup wrote has been removed.
    #[error("aborted")]
    Aborted,
    /// The archive volume failed.
    #[error(transparent)]
    Volume(#[from] VolumeError),
    /// A worker thread or task was lost (a bug or a panic).
    #[error("internal error: {0}")]
    Internal(String),
}

impl EngineError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// Result of engine operations.
pub type EngineResult<T> = Result<T, EngineError>;
