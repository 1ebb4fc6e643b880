//! The last verify of each backup, keyed like `backups` (database name, NUL, big-endian
//! bid). Removed together with the backup's entry.

use super::backups::backup_key;
use super::{Catalog, WrapSled, decode, decode_all, encode};
use crate::error::StorageError;
use crate::records::VerifyRecord;

impl Catalog {
    /// Records the outcome of a verify, replacing the backup's previous one.
    pub fn put_verify(&self, record: &VerifyRecord) -> Result<(), StorageError> {
        self.verifies
            .insert(backup_key(&record.db, record.bid), encode(record))
            .wrap_sled()?;
        Ok(())
    }

    /// The last verify of backup `bid` of `db`.
    pub fn verify(&self, db: &str, bid: u64) -> Result<Option<VerifyRecord>, StorageError> {
        self.verifies
            .get(backup_key(db, bid))
            .wrap_sled()?
            .map(|v| decode("verifies", &v))
            .transpose()
    }

    /// Every recorded verify, ordered by database name and bid.
    pub fn verifies(&self) -> Result<Vec<VerifyRecord>, StorageError> {
        decode_all("verifies", &self.verifies)
    }

    pub(super) fn remove_verify(&self, db: &str, bid: u64) -> Result<(), StorageError> {
        self.verifies.remove(backup_key(db, bid)).wrap_sled()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verify_is_kept_per_backup_and_leaves_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        let rec = |bid, damaged| VerifyRecord {
            db: "A".into(),
            bid,
            at: 100,
            damaged,
            job_id: "1.1".into(),
        };
        c.put_verify(&rec(1, 0)).unwrap();
        c.put_verify(&rec(1, 2)).unwrap();
        c.put_verify(&rec(2, 0)).unwrap();
        assert_eq!(c.verify("A", 1).unwrap(), Some(rec(1, 2)));
        c.remove_backup("A", 1).unwrap();
        assert_eq!(c.verify("A", 1).unwrap(), None);
        assert_eq!(c.verifies().unwrap(), vec![rec(2, 0)]);
    }
}
