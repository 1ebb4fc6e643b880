//! Rules over the backup catalogue: which backups are usable (their whole chain is
//! present), which backup a level-N backup builds on, and which expired backups the
//! clean-up stage may remove.

use std::collections::{HashMap, HashSet};

use confd_storage::records::BackupRecord;

/// `(db, bid)`: a backup's identity.
pub type BackupKey = (String, u64);

/// The key of a backup record.
pub fn key(b: &BackupRecord) -> BackupKey {
    (b.marker.db.clone(), b.marker.bid)
}

/// Backups whose chain (base, base's base, ... down to level 0) is complete in the
/// catalogue on the same volume.
pub fn usable(backups: &[BackupRecord]) -> HashSet<BackupKey> {
    let by_key = index(backups);
    backups
        .iter()
        .filter(|b| walk(&by_key, b).is_some())
        .map(key)
        .collect()
}

/// The base for a new level-`level` backup of `db` on `volume_id`: the newest usable
/// backup of level `level - 1` (design 2). `None` when there is none.
pub fn base_for<'a>(
    backups: &'a [BackupRecord],
    db: &str,
    volume_id: u32,
    level: u8,
) -> Option<&'a BackupRecord> {
    let usable = usable(backups);
    backups
        .iter()
        .filter(|b| b.marker.db == db && b.volume_id == volume_id && b.marker.level + 1 == level)
        .filter(|b| usable.contains(&key(b)))
        .max_by_key(|b| (b.marker.committed_at, b.marker.bid))
}

/// The chain of `top` in the catalogue, level 0 first; `None` if incomplete.
pub fn chain_of(backups: &[BackupRecord], top: &BackupRecord) -> Option<Vec<BackupRecord>> {
    walk(&index(backups), top).map(|chain| chain.into_iter().cloned().collect())
}

fn index(backups: &[BackupRecord]) -> HashMap<BackupKey, &BackupRecord> {
    backups.iter().map(|b| (key(b), b)).collect()
}

/// The one rule for a complete chain, shared by "usable" and restores: each base is in
/// the catalogue, on the same volume, one level below, ending at a level 0 within ten
/// steps. Returns it level 0 first.
fn walk<'a>(
    by_key: &HashMap<BackupKey, &'a BackupRecord>,
    top: &'a BackupRecord,
) -> Option<Vec<&'a BackupRecord>> {
    let mut chain = vec![top];
    let mut current = top;
    while current.marker.level > 0 {
        let base = *by_key.get(&(current.marker.db.clone(), current.marker.base_bid()?))?;
        if base.volume_id != current.volume_id
            || base.marker.level + 1 != current.marker.level
            || chain.len() > 10
        {
            return None;
        }
        chain.push(base);
        current = base;
    }
    chain.reverse();
    Some(chain)
}

/// Expired backups of `db` on `volume_id` that the clean-up stage may delete at `now`:
/// never one in `protected` (being written or read), and never the base of a backup that
/// stays, so an expired level 0 lives as long as a level 1 that needs it.
pub fn expired_removable(
    backups: &[BackupRecord],
    db: &str,
    volume_id: u32,
    now: i64,
    protected: &HashSet<BackupKey>,
) -> Vec<BackupRecord> {
    let expired = |b: &BackupRecord| b.marker.expire.is_some_and(|e| e <= now);
    let mut remove: HashSet<BackupKey> = backups
        .iter()
        .filter(|b| {
            b.marker.db == db
                && b.volume_id == volume_id
                && expired(b)
                && !protected.contains(&key(b))
        })
        .map(key)
        .collect();
    // Keep bases of anything that stays; repeat until stable (chains are at most 10 deep).
    loop {
        let needed: HashSet<BackupKey> = backups
            .iter()
            .filter(|b| !remove.contains(&key(b)))
            .filter_map(|b| b.marker.base_bid().map(|bid| (b.marker.db.clone(), bid)))
            .collect();
        let before = remove.len();
        remove.retain(|k| !needed.contains(k) && !protected.contains(k));
        if remove.len() == before {
            break;
        }
    }
    backups
        .iter()
        .filter(|b| remove.contains(&key(b)))
        .cloned()
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use confd_storage::archive::{BackupRef, Compression, StatusMarker, Totals};

    use super::*;

    pub fn record(
        db: &str,
        bid: u64,
        level: u8,
        base: Option<u64>,
        expire: Option<i64>,
        volume_id: u32,
    ) -> BackupRecord {
        BackupRecord {
            volume_id,
            marker: StatusMarker {
                format: 1,
                db: db.into(),
                bid,
                level,
                ts: "202611251200".into(),
                nodes: 1,
                base: base.map(|bid| BackupRef {
                    bid,
                    level: level - 1,
                    ts: "202611251200".into(),
                }),
                expire,
                compression: Compression::Zstd { level: 1 },
                committed_at: bid as i64,
                totals: Totals::default(),
                manifests: vec![],
            },
        }
    }

    #[test]
    fn a_missing_base_makes_the_dependants_unusable() {
        let all = vec![
            record("A", 1, 0, None, None, 1),
            record("A", 2, 1, Some(1), None, 1),
            record("A", 3, 2, Some(2), None, 1),
        ];
        assert_eq!(usable(&all).len(), 3);
        let without_base: Vec<_> = all[1..].to_vec();
        assert!(usable(&without_base).is_empty());
        let other_volume = vec![
            record("A", 1, 0, None, None, 2),
            record("A", 2, 1, Some(1), None, 1),
        ];
        assert_eq!(
            usable(&other_volume).len(),
            1,
            "a base on another volume does not count"
        );
    }

    #[test]
    fn base_is_the_newest_usable_previous_level_on_the_same_volume() {
        let all = vec![
            record("A", 1, 0, None, None, 1),
            record("A", 2, 0, None, None, 1),
            record("A", 3, 0, None, None, 9),
            record("B", 4, 0, None, None, 1),
        ];
        assert_eq!(base_for(&all, "A", 1, 1).unwrap().marker.bid, 2);
        assert!(base_for(&all, "A", 1, 2).is_none());
        assert!(base_for(&all, "C", 1, 1).is_none());
        let chain = chain_of(
            &[
                record("A", 1, 0, None, None, 1),
                record("A", 2, 1, Some(1), None, 1),
            ],
            &record("A", 2, 1, Some(1), None, 1),
        )
        .unwrap();
        assert_eq!(
            chain.iter().map(|b| b.marker.bid).collect::<Vec<_>>(),
            vec![1, 2]
        );
    }

    #[test]
    fn expired_bases_stay_while_a_live_dependant_needs_them() {
        let all = vec![
            record("A", 1, 0, None, Some(10), 1),
            record("A", 2, 1, Some(1), None, 1),
            record("A", 3, 0, None, Some(10), 1),
        ];
        let gone: Vec<u64> = expired_removable(&all, "A", 1, 100, &HashSet::new())
            .iter()
            .map(|b| b.marker.bid)
            .collect();
        assert_eq!(gone, vec![3]);
        let protected: HashSet<BackupKey> = [("A".to_string(), 3)].into();
        assert!(expired_removable(&all, "A", 1, 100, &protected).is_empty());
        assert!(
            expired_removable(&all, "A", 1, 5, &HashSet::new()).is_empty(),
            "not yet expired"
        );
    }
}
