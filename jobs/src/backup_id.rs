//! ConfD's names for a backup, derived from (volume, db, bid, level, ts) and never stored
//! twice (design 2): `path`, `id` and `expire_alterable`, and their parsers.

use std::fmt;

use crate::echo::Shown;
use crate::params::ObjectName;

use confd_storage::archive::{StatusMarker, layout};

/// `<db>/id_<bid>/level_<level>/node_0/backup_<ts>`.
pub fn path(m: &StatusMarker) -> String {
    path_of(&m.db, m.bid, m.level, &m.ts)
}

/// [`path`] from its parts, for a backup that has no status marker yet. ConfD names a
/// backup by the key of its node 0 data object, so the volume layout spells it.
pub fn path_of(db: &str, bid: u64, level: u8, ts: &str) -> String {
    layout::data_key(db, bid, level, 0, ts)
}

/// `<volume_id> <path> <db>`: what `db_restore` and `db_backups_delete` take.
pub fn id(volume_id: u32, m: &StatusMarker) -> String {
    id_of(volume_id, &path(m), &m.db)
}

fn id_of(volume_id: u32, path: &str, db: &str) -> String {
    format!("{volume_id} {path} {db}")
}

/// `<volume_id> <db>/id_<bid>/level_<level>`; its second token is `backup_files`.
pub fn expire_alterable(volume_id: u32, m: &StatusMarker) -> String {
    format!("{volume_id} {}", files(m))
}

/// `<db>/id_<bid>/level_<level>`.
pub fn files(m: &StatusMarker) -> String {
    layout::backup_dir(&m.db, m.bid, m.level)
}

/// A parsed backup ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupId {
    /// Volume holding it.
    pub volume_id: u32,
    /// Database it was taken from.
    pub db: String,
    /// Backup number.
    pub bid: u64,
    /// Level.
    pub level: u8,
    /// Timestamp.
    pub ts: String,
}

impl fmt::Display for BackupId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = path_of(&self.db, self.bid, self.level, &self.ts);
        f.write_str(&id_of(self.volume_id, &path, &self.db))
    }
}

/// Parses `<volume_id> <db>/id_<bid>/level_<n>/node_<k>/backup_<ts> <db>`.
pub fn parse_id(text: &str) -> Result<BackupId, String> {
    let bad = || {
        format!(
            "'{}' is not a backup ID '<volume_id> <db>/id_<bid>/level_<n>/node_0/backup_<ts> <db>' as db_backup_list shows it",
            Shown(text)
        )
    };
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [volume, path, system] = parts[..] else {
        return Err(bad());
    };
    let volume_id: u32 = volume.parse().map_err(|_| bad())?;
    let segments: Vec<&str> = path.split('/').collect();
    let [db, id, level, node, backup] = segments[..] else {
        return Err(bad());
    };
    let (db, bid, level) = parse_files_parts(db, id, level).ok_or_else(bad)?;
    let ts = backup
        .strip_prefix("backup_")
        .filter(|ts| ts.len() == 12 && ts.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(bad)?;
    if !node.starts_with("node_") || system != db {
        return Err(bad());
    }
    Ok(BackupId {
        volume_id,
        db,
        bid,
        level,
        ts: ts.to_owned(),
    })
}

/// Parses `backup_files`: `<db>/id_<bid>/level_<n>` -> (db, bid, level).
pub fn parse_files(text: &str) -> Result<(String, u64, u8), String> {
    let segments: Vec<&str> = text.trim().split('/').collect();
    match segments[..] {
        [db, id, level] => parse_files_parts(db, id, level),
        _ => None,
    }
    .ok_or_else(|| {
        format!(
            "'{}' is not '<db>/id_<bid>/level_<n>' (the second token of expire_alterable)",
            Shown(text)
        )
    })
}

fn parse_files_parts(db: &str, id: &str, level: &str) -> Option<(String, u64, u8)> {
    let bid = id.strip_prefix("id_")?.parse().ok()?;
    let level: u8 = level.strip_prefix("level_")?.parse().ok()?;
    // A database name, so it can never point outside the volume's layout.
    let db = db.parse::<ObjectName>().ok()?;
    (level <= 9).then(|| (db.as_str().to_owned(), bid, level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_as_listed() {
        let id = parse_id("10001 MY_DATABASE/id_3/level_1/node_0/backup_202611251208 MY_DATABASE")
            .unwrap();
        assert_eq!(
            id,
            BackupId {
                volume_id: 10001,
                db: "MY_DATABASE".into(),
                bid: 3,
                level: 1,
                ts: "202611251208".into()
            }
        );
        assert_eq!(
            id.to_string(),
            "10001 MY_DATABASE/id_3/level_1/node_0/backup_202611251208 MY_DATABASE"
        );
        for bad in [
            "",
            "10001",
            "x A/id_1/level_0/node_0/backup_202611251208 A",
            "1 A/id_1/level_0/node_0/backup_2026 A",
            "1 A/id_1/level_0/node_0/backup_202611251208 B",
            "1 A/../level_0/node_0/backup_202611251208 A",
        ] {
            assert!(parse_id(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_files("DB/id_7/level_2").unwrap(), ("DB".into(), 7, 2));
        assert!(parse_files("DB/id_7").is_err());
    }
}
