//! Backups (keyed by database name, NUL, big-endian bid), the last operation of each
//! database (keyed by name), and the per-database bid counters (in `meta`).

use super::{Catalog, WrapSled, decode, decode_all, decode_u64, encode};
use crate::error::StorageError;
use crate::records::{BackupRecord, OperationRecord};

pub(super) fn backup_key(db: &str, bid: u64) -> Vec<u8> {
    let mut k = Vec::with_capacity(db.len() + 9);
    k.extend_from_slice(db.as_bytes());
    k.push(0);
    k.extend_from_slice(&bid.to_be_bytes());
    k
}

const WRITER_ID: &str = "writer_id";

fn bid_counter(db: &str) -> String {
    format!("next_bid/{db}")
}

impl Catalog {
    /// Adds or replaces a backup record.
    pub fn put_backup(&self, record: &BackupRecord) -> Result<(), StorageError> {
        self.backups
            .insert(
                backup_key(&record.marker.db, record.marker.bid),
                encode(record),
            )
            .wrap_sled()?;
        Ok(())
    }

    /// The backup `bid` of database `db`.
    pub fn backup(&self, db: &str, bid: u64) -> Result<Option<BackupRecord>, StorageError> {
        self.backups
            .get(backup_key(db, bid))
            .wrap_sled()?
            .map(|v| decode("backups", &v))
            .transpose()
    }

    /// All backups, ordered by database name and bid.
    pub fn backups(&self) -> Result<Vec<BackupRecord>, StorageError> {
        decode_all("backups", &self.backups)
    }

    /// Removes a backup record; returns it if it existed.
    pub fn remove_backup(&self, db: &str, bid: u64) -> Result<Option<BackupRecord>, StorageError> {
        self.remove_verify(db, bid)?;
        self.backups
            .remove(backup_key(db, bid))
            .wrap_sled()?
            .map(|v| decode("backups", &v))
            .transpose()
    }

    /// A new backup id for `db`: one more than any id it has had, never reused.
    pub fn allocate_bid(&self, db: &str) -> Result<u64, StorageError> {
        let next = self
            .meta
            .update_and_fetch(bid_counter(db), |old| {
                let n = old.and_then(decode_u64).unwrap_or(0);
                Some((n + 1).to_be_bytes().to_vec())
            })
            .wrap_sled()?;
        Ok(next.as_deref().and_then(decode_u64).unwrap_or(1))
    }

    /// Makes sure future ids of `db` are above `bid` (after importing backups).
    pub fn reserve_bid(&self, db: &str, bid: u64) -> Result<(), StorageError> {
        self.meta
            .update_and_fetch(bid_counter(db), |old| {
                let n = old.and_then(decode_u64).unwrap_or(0);
                Some(n.max(bid).to_be_bytes().to_vec())
            })
            .wrap_sled()?;
        Ok(())
    }

    /// This catalogue's writer ID, which names it in the bid claims it writes on volumes
    /// shared with other daemons; `fresh` becomes the ID on first use. The caller flushes.
    pub fn writer_id(&self, fresh: impl FnOnce() -> String) -> Result<String, StorageError> {
        if let Some(id) = self.meta.get(WRITER_ID).wrap_sled()? {
            return Ok(String::from_utf8_lossy(&id).into_owned());
        }
        let fresh = fresh();
        match self
            .meta
            .compare_and_swap(WRITER_ID, None::<&[u8]>, Some(fresh.as_bytes()))
            .wrap_sled()?
        {
            Ok(()) => Ok(fresh),
            // Another caller set it first: theirs it is.
            Err(e) => Ok(e
                .current
                .map(|id| String::from_utf8_lossy(&id).into_owned())
                .unwrap_or(fresh)),
        }
    }

    /// Records the (last) operation of its database.
    pub fn put_operation(&self, op: &OperationRecord) -> Result<(), StorageError> {
        self.operations
            .insert(op.db.as_bytes(), encode(op))
            .wrap_sled()?;
        Ok(())
    }

    /// The last operation of database `db`.
    pub fn operation(&self, db: &str) -> Result<Option<OperationRecord>, StorageError> {
        self.operations
            .get(db)
            .wrap_sled()?
            .map(|v| decode("operations", &v))
            .transpose()
    }

    /// The last operation of every database.
    pub fn operations(&self) -> Result<Vec<OperationRecord>, StorageError> {
        decode_all("operations", &self.operations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bids_grow_per_database_and_reserve_skips_imported_ones() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        assert_eq!(c.allocate_bid("A").unwrap(), 1);
        assert_eq!(c.allocate_bid("A").unwrap(), 2);
        assert_eq!(c.allocate_bid("B").unwrap(), 1);
        c.reserve_bid("A", 10).unwrap();
        assert_eq!(c.allocate_bid("A").unwrap(), 11);
        c.reserve_bid("A", 3).unwrap();
        assert_eq!(
            c.allocate_bid("A").unwrap(),
            12,
            "reserving a lower id changes nothing"
        );
    }
}
