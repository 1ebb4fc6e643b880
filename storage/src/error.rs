//! Errors of the storage layer.

use std::path::PathBuf;

use crate::catalog::CatalogError;

/// A failure of the catalogue or of file-system work done by this crate.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key-value store failed (I/O, corruption, lock held by another process).
    #[error("catalogue error: {0}")]
    Catalog(#[source] CatalogError),
    /// A stored record could not be decoded.
    #[error("catalogue record in tree '{tree}' is unreadable: {source}")]
    Decode {
        /// Tree the record lives in.
        tree: &'static str,
        /// Decoder error.
        source: serde_json::Error,
    },
    /// The catalogue was written by a newer confd.
    #[error("catalogue schema version {found} is newer than this confd understands ({supported})")]
    SchemaTooNew {
        /// Version found on disk.
        found: u64,
        /// Newest version this build reads.
        supported: u64,
    },
    /// A file-system operation failed.
    #[error("{action} '{}': {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// Path concerned.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A uniqueness rule of the catalogue was violated (name or ID already taken).
    #[error("{0}")]
    Conflict(String),
}

impl StorageError {
    /// Wraps an I/O error with the action and the path it concerned.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StorageError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
