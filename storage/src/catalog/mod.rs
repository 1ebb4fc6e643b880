//! The catalogue: databases, archive volumes, users, job records, backups, the last
//! operation of each database and backup schedules, in sled.
//!
//! sled is named only inside this module. Values are JSON (see [`crate::records`]); integer
//! keys are big-endian so that range scans iterate in numeric order. Commit points that
//! must survive `kill -9` call [`Catalog::flush`] before the client gets its answer.

mod backups;
mod databases;
mod jobs;
mod schedules;
mod users;
mod volumes;

pub use volumes::FIRST_REMOTE_ID;

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StorageError;

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
    volume_lock: std::sync::Mutex<()>,
}

impl Catalog {
    /// Opens (or creates) the catalogue in `dir`, checking the schema version.
    pub fn open(dir: &Path) -> Result<Self, StorageError> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(32 << 20)
            .open()?;
        let catalog = Catalog {
            meta: db.open_tree("meta")?,
            databases: db.open_tree("databases")?,
            volumes: db.open_tree("volumes")?,
            users: db.open_tree("users")?,
            jobs: db.open_tree("jobs")?,
            backups: db.open_tree("backups")?,
            operations: db.open_tree("operations")?,
            schedules: db.open_tree("schedules")?,
            volume_lock: std::sync::Mutex::new(()),
            db,
        };
        match catalog.meta_u64(META_SCHEMA)? {
            None => {
                catalog
                    .meta
                    .insert(META_SCHEMA, &SCHEMA_VERSION.to_be_bytes())?;
                catalog.db.flush()?;
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
        self.db.flush_async().await?;
        Ok(())
    }

    /// Counts a daemon start and returns the new epoch (first start: 1). Durable on return.
    pub fn next_epoch(&self) -> Result<u64, StorageError> {
        let epoch = self.increment(META_EPOCH)?;
        self.db.flush()?;
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
        let new = self.meta.update_and_fetch(key, |old| {
            let n = old.and_then(decode_u64).unwrap_or(0);
            Some((n + 1).to_be_bytes().to_vec())
        })?;
        Ok(new.as_deref().and_then(decode_u64).unwrap_or(0))
    }

    fn meta_u64(&self, key: &str) -> Result<Option<u64>, StorageError> {
        Ok(self.meta.get(key)?.as_deref().and_then(decode_u64))
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
        .map(|v| decode(name, &v?))
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
