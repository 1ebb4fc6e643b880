//! Object keys of a backup: the one place that spells the layout.

use crate::volume::{ObjectKey, Prefix, VolumeError};

/// Keys of one backup (`<db>/id_<bid>/level_<level>/…`, timestamp `ts`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupKeys {
    db: String,
    bid: u64,
    level: u8,
    ts: String,
}

/// Checks a `YYYYMMDDHHMM` timestamp (digits only; the calendar is the caller's business).
pub fn valid_ts(ts: &str) -> bool {
    ts.len() == 12 && ts.bytes().all(|b| b.is_ascii_digit())
}

/// Checks a database name usable as the first key segment.
pub fn valid_db(db: &str) -> bool {
    !db.is_empty() && db != "." && db != ".." && !db.contains(['/', '\\', '\0'])
}

impl BackupKeys {
    /// Keys of backup `bid`/`level` of `db` taken at `ts`; `None` if a part is invalid.
    pub fn new(db: &str, bid: u64, level: u8, ts: &str) -> Option<Self> {
        (valid_db(db) && valid_ts(ts)).then(|| Self {
            db: db.to_owned(),
            bid,
            level,
            ts: ts.to_owned(),
        })
    }

    /// `<db>/id_<bid>/level_<level>`: everything of this backup lies under it.
    pub fn prefix(&self) -> Result<Prefix, VolumeError> {
        backup_prefix(&self.db, self.bid, self.level)
    }

    /// `…/node_<k>/backup_<ts>`.
    pub fn data(&self, node: usize) -> Result<ObjectKey, VolumeError> {
        self.prefix()?.join(&data_name(node, &self.ts))
    }

    /// `…/node_<k>/metadata_<ts>`.
    pub fn manifest(&self, node: usize) -> Result<ObjectKey, VolumeError> {
        self.prefix()?
            .join(&format!("node_{node}/metadata_{}", self.ts))
    }

    /// `…/status_<ts>`.
    pub fn status(&self) -> Result<ObjectKey, VolumeError> {
        self.prefix()?.join(&format!("status_{}", self.ts))
    }
}

/// `<db>/id_<bid>/level_<level>`.
pub fn backup_prefix(db: &str, bid: u64, level: u8) -> Result<Prefix, VolumeError> {
    Prefix::new(backup_dir(db, bid, level))
}

/// `<db>/id_<bid>/level_<level>` as text, for messages and names shown to users; keys
/// for a volume come from [`backup_prefix`] and [`BackupKeys`], which validate.
pub fn backup_dir(db: &str, bid: u64, level: u8) -> String {
    format!("{db}/id_{bid}/level_{level}")
}

/// `<db>/id_<bid>/level_<level>/node_<node>/backup_<ts>` as text: the data object of
/// one node (unvalidated, like [`backup_dir`]).
pub fn data_key(db: &str, bid: u64, level: u8, node: usize, ts: &str) -> String {
    format!("{}/{}", backup_dir(db, bid, level), data_name(node, ts))
}

fn data_name(node: usize, ts: &str) -> String {
    format!("node_{node}/backup_{ts}")
}

/// Name of the claim object in `<db>/id_<bid>/`: the first object of a backup, written
/// with create-new semantics, so two writers sharing a volume never use the same bid. It
/// stays when the backup is deleted, so the bid is never handed out again.
pub const CLAIM_NAME: &str = "claim";

/// `<db>/id_<bid>`: everything written under one bid.
pub fn bid_prefix(db: &str, bid: u64) -> Result<Prefix, VolumeError> {
    Prefix::new(format!("{db}/id_{bid}"))
}

/// `<db>/id_<bid>/claim`.
pub fn claim_key(db: &str, bid: u64) -> Result<ObjectKey, VolumeError> {
    bid_prefix(db, bid)?.join(CLAIM_NAME)
}

/// `(db, bid)` of any key under `<db>/id_<bid>/` (backup objects and claims alike).
pub fn parse_bid_key(key: &str) -> Option<(&str, u64)> {
    let mut it = key.splitn(3, '/');
    let db = it.next()?;
    let bid = it.next()?.strip_prefix("id_")?.parse().ok()?;
    it.next()?;
    Some((db, bid))
}

/// Splits a key into `(db, bid, level, rest)` when it lies inside a backup directory.
pub fn parse_backup_key(key: &str) -> Option<(&str, u64, u8, &str)> {
    let mut it = key.splitn(4, '/');
    let db = it.next()?;
    let bid = it.next()?.strip_prefix("id_")?.parse().ok()?;
    let level = it.next()?.strip_prefix("level_")?.parse().ok()?;
    Some((db, bid, level, it.next()?))
}

/// The `ts` of a status marker key (`<db>/id_<bid>/level_<l>/status_<ts>`).
pub fn parse_status_key(key: &str) -> Option<(&str, u64, u8, &str)> {
    let (db, bid, level, rest) = parse_backup_key(key)?;
    let ts = rest.strip_prefix("status_")?;
    valid_ts(ts).then_some((db, bid, level, ts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_exasol_layout() {
        let k = BackupKeys::new("MY_DATABASE", 1, 0, "202611251208").unwrap();
        assert_eq!(
            k.data(0).unwrap().as_str(),
            "MY_DATABASE/id_1/level_0/node_0/backup_202611251208"
        );
        assert_eq!(
            k.status().unwrap().as_str(),
            "MY_DATABASE/id_1/level_0/status_202611251208"
        );
        assert_eq!(
            parse_status_key(k.status().unwrap().as_str()),
            Some(("MY_DATABASE", 1, 0, "202611251208"))
        );
        assert_eq!(
            data_key("MY_DATABASE", 1, 0, 0, "202611251208"),
            k.data(0).unwrap().as_str()
        );
        assert!(BackupKeys::new("a/b", 1, 0, "202611251208").is_none());
        let claim = claim_key("MY_DATABASE", 7).unwrap();
        assert_eq!(claim.as_str(), "MY_DATABASE/id_7/claim");
        assert_eq!(parse_bid_key(claim.as_str()), Some(("MY_DATABASE", 7)));
        assert_eq!(
            parse_backup_key(claim.as_str()),
            None,
            "a claim is no backup object"
        );
        assert!(BackupKeys::new("db", 1, 0, "2026").is_none());
    }
}
