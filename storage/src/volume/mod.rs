//! Archive volumes: where backups are stored.
//!
//! [`ArchiveVolume`] is shaped after object stores (S3 through `object_store` comes later),
//! not after file systems: objects are written whole ([`ArchiveVolume::put`]) or streamed in
//! sequential parts through an [`ObjectWriter`] that becomes visible only at
//! [`ObjectWriter::finish`], read whole or by byte range, listed by prefix and deleted. There
//! is no rename and no append to a finished object, so the backup format never relies on
//! them.
//!
//! An object that has been started but neither finished nor aborted (a crash, a dropped
//! writer) is *incomplete*: it is never listed by [`ArchiveVolume::list`] or read, and is
//! found and removed through [`ArchiveVolume::list_incomplete`] /
//! [`ArchiveVolume::remove_incomplete`] (local: `*.partial` files; S3: multipart uploads).
//!
//! [`LocalVolume`] implements the trait over a directory with the write order of design
//! section 4: temp name, fsync, rename, fsync the directory.

mod key;
mod local;
mod local_fs;
mod local_writer;
mod open;
mod s3;
mod s3_probe;
mod s3_requests;
mod s3_url;
mod s3_writer;

use std::fmt;
use std::ops::Range;
use std::path::PathBuf;

use bytes::Bytes;
use futures::future::BoxFuture;

pub use key::{ObjectKey, Prefix};
pub use local::LocalVolume;
pub use open::{file_url_path, open, probe};
pub use s3::S3Volume;
pub use s3_requests::{S3Request, s3_request_counts};

/// Size and name of one stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The object's key.
    pub key: ObjectKey,
    /// Its size in bytes.
    pub size: u64,
}

/// A failure of a volume operation; every variant names the object or prefix.
#[derive(Debug, thiserror::Error)]
pub enum VolumeError {
    /// The volume's type or URL cannot be served by this build.
    #[error("{0}")]
    Unsupported(String),
    /// The key or prefix is not a valid relative `/`-separated path.
    #[error("invalid object key '{key}': {reason}")]
    InvalidKey {
        /// The rejected key (lossy if it was not UTF-8).
        key: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The object does not exist.
    #[error("object '{key}' not found on volume {volume}")]
    NotFound {
        /// The missing object.
        key: String,
        /// The volume (its description).
        volume: String,
    },
    /// A create-new write found the key taken (another writer got there first).
    #[error("object '{key}' already exists on volume {volume}")]
    AlreadyExists {
        /// The taken key.
        key: String,
        /// The volume (its description).
        volume: String,
    },
    /// A ranged read asked for bytes past the end of the object.
    #[error("object '{key}' is {size} bytes, range {start}..{end} is out of bounds")]
    OutOfRange {
        /// The object.
        key: String,
        /// Its size.
        size: u64,
        /// Requested start.
        start: u64,
        /// Requested end (exclusive).
        end: u64,
    },
    /// The storage underneath failed.
    #[error("{op} '{}' failed: {source}", path.display())]
    Io {
        /// What was being done (`write`, `rename`, `fsync`, `read`, ...).
        op: &'static str,
        /// The file or object involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The volume's background work was lost (a panicked or cancelled blocking task).
    #[error("volume task failed: {0}")]
    Task(String),
}

/// Result of volume operations.
pub type VolumeResult<T> = Result<T, VolumeError>;

/// A place that stores backups. Object-store shaped; see the module docs.
///
/// Implementations must be cheap to share (`Arc<dyn ArchiveVolume>`) and safe to use from
/// several tasks at once, each writing different keys.
pub trait ArchiveVolume: Send + Sync + fmt::Debug {
    /// A human-readable description (`local:/srv/archive`), for errors and logs.
    fn describe(&self) -> String;

    /// Stores a whole (small) object; it is durable and visible when the future resolves.
    /// An existing object of the same key is replaced atomically.
    fn put<'a>(&'a self, key: &'a ObjectKey, data: Bytes) -> BoxFuture<'a, VolumeResult<()>>;

    /// Stores a whole (small) object only if `key` does not exist yet; otherwise
    /// [`VolumeError::AlreadyExists`] and nothing changes. Several daemons may share a
    /// volume, so everything a backup writes goes through this or [`create`](Self::create)
    /// and never replaces another writer's object.
    fn put_new<'a>(&'a self, key: &'a ObjectKey, data: Bytes) -> BoxFuture<'a, VolumeResult<()>>;

    /// Starts a streamed write of a (large) object. Nothing is visible under `key` until
    /// [`ObjectWriter::finish`] succeeds, which does not replace an existing object where
    /// the store can refuse it (local: a hard link; S3: a conditional single PUT; S3
    /// multipart completions are unconditional, see `s3_writer`).
    fn create<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, VolumeResult<Box<dyn ObjectWriter>>>;

    /// Reads a whole object.
    fn get<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<Bytes>>;

    /// Reads the bytes `range` of an object; a range past its end is an error.
    fn get_range<'a>(
        &'a self,
        key: &'a ObjectKey,
        range: Range<u64>,
    ) -> BoxFuture<'a, VolumeResult<Bytes>>;

    /// Ranged reads worth having in flight at once: a store across a network hides each
    /// request's latency behind the others', a local disk needs only a few.
    fn reads_in_flight(&self) -> usize {
        4
    }

    /// Size of an object, or `None` when it does not exist.
    fn head<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<Option<ObjectMeta>>>;

    /// All finished objects under `prefix` (component-wise: `a/b` lists `a/b/...`, not
    /// `a/bc`), sorted by key.
    fn list<'a>(&'a self, prefix: &'a Prefix) -> BoxFuture<'a, VolumeResult<Vec<ObjectMeta>>>;

    /// Deletes an object; deleting a missing object is not an error.
    fn delete<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<()>>;

    /// Deletes every object under `prefix`, incomplete ones included; returns how many
    /// finished objects were removed.
    fn delete_prefix<'a>(&'a self, prefix: &'a Prefix) -> BoxFuture<'a, VolumeResult<u64>>;

    /// Keys under `prefix` that have an incomplete (started, never finished) write.
    fn list_incomplete<'a>(
        &'a self,
        prefix: &'a Prefix,
    ) -> BoxFuture<'a, VolumeResult<Vec<ObjectKey>>>;

    /// Discards the incomplete write(s) of `key`; the finished object, if any, stays.
    fn remove_incomplete<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<()>>;

    /// Removes empty directories of the backup layout (`<db>/id_<bid>/level_<n>/node_<k>`)
    /// that a crashed write left behind; returns how many. Object stores have no
    /// directories, so the default does nothing. Call it only when no write is in flight.
    fn prune_empty<'a>(&'a self) -> BoxFuture<'a, VolumeResult<u64>> {
        Box::pin(async { Ok(0) })
    }
}

/// A streamed write of one object, in sequential parts.
///
/// Dropping a writer without calling [`finish`](ObjectWriter::finish) or
/// [`abort`](ObjectWriter::abort) discards it on a best-effort basis; what is left is an
/// incomplete write that recovery removes.
pub trait ObjectWriter: Send {
    /// Appends `data` to the object being written.
    fn write(&mut self, data: Bytes) -> BoxFuture<'_, VolumeResult<()>>;

    /// Bytes written so far (also the offset the next `write` starts at).
    fn written(&self) -> u64;

    /// Makes the object durable and visible under its key; returns its size.
    fn finish(self: Box<Self>) -> BoxFuture<'static, VolumeResult<u64>>;

    /// Discards everything written; the key is left as it was before.
    fn abort(self: Box<Self>) -> BoxFuture<'static, VolumeResult<()>>;
}
