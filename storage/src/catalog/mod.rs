//! The catalogue: databases, archive volumes, users, job records, backups, the last
//! operation of each database, backup schedules and the last verify of each backup, in sled.
//!
//! sled is named only inside this module. Values are JSON (see [`crate::records`]); integer
//! keys are big-endian so that range scans iterate in numeric order. Commit points that
//! must survive `kill -9` call [`Catalog::flush`] before the client gets its answer.

mod backups;
mod databases;
mod jobs;
mod schedules;
mod users;
mod verifies;
mod volumes;

pub use volumes::FIRST_REMOTE_ID;

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StorageError;

/// A failure of the key-value store under the catalogue (I/O, corruption, lock held by
/// another process). The store's own error stays inside: the layers above see this type,
/// so swapping the store changes no API.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct CatalogError(sled::Error);

/// Converts the store's errors where they arise. A `From<sled::Error>` impl would put
/// sled into the public API, which this module exists to avoid.
trait WrapSled<T> {
    fn wrap_sled(self) -> Result<T, StorageError>;
}

impl<T> WrapSled<T> for Result<T, sled::Error> {
    fn wrap_sled(self) -> Result<T, StorageError> {
        self.map_err(|e| StorageError::Catalog(CatalogError(e)))
    }
}

/// Newest catalogue layout this build reads and writes.
pub const SCHEMA_VERSION: u64 = 1;

const META_SCHEMA: &str = "schema_version";
const META_EPOCH: &str = "epoch";
const META_REVISION: &str = "revision";

/// Handle on the catalogue; cheap to share behind an `Arc`.
pub struct Catalog {
    db: sled::Db,
    meta: sled::Tree,
    databases: sled::Tree,
    volumes: sled::Tree,
    users: sled::Tree,
    jobs: sled::Tree,
    backups: sled::Tree,
    operations: sled::Tree,
    schedules: sled::Tree,
    verifies: sled::Tree,
    volume_lock: std::sync::Mutex<()>,
}

/// How long [`Catalog::open`] waits for the catalogue's file lock. sled releases it only
/// when its background flusher lets go of the database, a moment after the last handle
/// is dropped: a catalogue closed and reopened in one process (tests, a daemon restarted
/// in place) and a daemon started while its predecessor is still exiting both meet the
/// lock still held. Another daemon that keeps the directory still gets the error.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

fn open_db(dir: &Path) -> sled::Result<sled::Db> {
    let deadline = std::time::Instant::now() + LOCK_WAIT;
    loop {
        let opened = sled::Config::new()
            .path(dir)
            .cache_capacity(32 << 20)
            .open();
        match opened {
            // sled reports a held lock only in the message of an `Other` I/O error.
            Err(sled::Error::Io(e))
                if e.to_string().contains("could not acquire lock")
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

impl Catalog {
    /// Opens (or creates) the catalogue in `dir`, checking the schema version.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        let db = open_db(dir).wrap_sled()?;
        let catalog = Catalog {
            meta: db.open_tree("meta").wrap_sled()?,
            databases: db.open_tree("databases").wrap_sled()?,
            volumes: db.open_tree("volumes").wrap_sled()?,
            users: db.open_tree("users").wrap_sled()?,
            jobs: db.open_tree("jobs").wrap_sled()?,
            backups: db.open_tree("backups").wrap_sled()?,
            operations: db.open_tree("operations").wrap_sled()?,
            schedules: db.open_tree("schedules").wrap_sled()?,
            verifies: db.open_tree("verifies").wrap_sled()?,
            volume_lock: std::sync::Mutex::new(()),
            db,
        };
        match catalog.meta_u64(META_SCHEMA)? {
            None => {
                catalog
                    .meta
                    .insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())
                    .wrap_sled()?;
                catalog.db.flush().wrap_sled()?;
            }
            Some(found) if found > SCHEMA_VERSION => {
                return Err(StorageError::SchemaTooNew {
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            Some(_) => {}
        }
        Ok(catalog)
    }

    /// Waits until every write so far is durable on disk.
    pub async fn flush(&self) -> Result<(), StorageError> {
        self.db.flush_async().await.wrap_sled()?;
        Ok(())
    }

    /// Counts a daemon start and returns the new epoch (first start: 1). Durable on return.
    pub fn next_epoch(&self) -> Result<u64, StorageError> {
        let epoch = self.increment(META_EPOCH)?;
        self.db.flush().wrap_sled()?;
        Ok(epoch)
    }

    /// Counts a configuration change and returns the new revision.
    pub fn bump_revision(&self) -> Result<u64, StorageError> {
        self.increment(META_REVISION)
    }

    /// The current configuration revision (0 before any change).
    pub fn revision(&self) -> Result<u64, StorageError> {
        Ok(self.meta_u64(META_REVISION)?.unwrap_or(0))
    }

    fn increment(&self, key: &str) -> Result<u64, StorageError> {
        let new = self
            .meta
            .update_and_fetch(key, |old| {
                let n = old.and_then(decode_u64).unwrap_or(0);
                Some((n + 1).to_be_bytes().to_vec())
            })
            .wrap_sled()?;
        Ok(new.as_deref().and_then(decode_u64).unwrap_or(0))
    }

    fn meta_u64(&self, key: &str) -> Result<Option<u64>, StorageError> {
        Ok(self
            .meta
            .get(key)
            .wrap_sled()?
            .as_deref()
            .and_then(decode_u64))
    }
}

fn decode_u64(bytes: &[u8]) -> Option<u64> {
    bytes.try_into().ok().map(u64::from_be_bytes)
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    // Serialising our own plain records to JSON cannot fail (no maps with non-string keys).
    serde_json::to_vec(value).unwrap_or_default()
}

fn decode<T: DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T, StorageError> {
    serde_json::from_slice(bytes).map_err(|source| StorageError::Decode { tree, source })
}

fn decode_all<T: DeserializeOwned>(
    name: &'static str,
    tree: &sled::Tree,
) -> Result<Vec<T>, StorageError> {
    tree.iter()
        .values()
        .map(|v| decode(name, &v.wrap_sled()?))
        .collect::<Result<Vec<T>, StorageError>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_grows_across_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let c = Catalog::open(dir.path()).unwrap();
            assert_eq!(c.next_epoch().unwrap(), 1);
        }
        let c = Catalog::open(dir.path()).unwrap();
        assert_eq!(c.next_epoch().unwrap(), 2);
    }

    #[test]
    fn a_catalogue_another_holder_keeps_open_is_refused_after_the_lock_wait() {
        let dir = tempfile::tempdir().unwrap();
        let _held = Catalog::open(dir.path()).unwrap();
        let started = std::time::Instant::now();
        let err = Catalog::open(dir.path()).err().unwrap();
        assert!(err.to_string().contains("could not acquire lock"), "{err}");
        assert!(started.elapsed() >= LOCK_WAIT, "{:?}", started.elapsed());
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        {
            let c = Catalog::open(dir.path()).unwrap();
            c.meta
                .insert(META_SCHEMA, &(SCHEMA_VERSION + 1).to_be_bytes())
                .unwrap();
            c.db.flush().unwrap();
        }
        let err = Catalog::open(dir.path()).err().unwrap();
        assert!(err.to_string().contains("newer"), "{err}");
    }
}
