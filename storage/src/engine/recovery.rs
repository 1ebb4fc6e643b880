//! Start-up recovery and deletion (design section 4): finding committed backups, removing
//! what uncommitted ones left behind, deleting a backup so that a crash mid-delete never
//! leaves a status marker pointing at missing data.

use std::collections::{BTreeMap, HashSet};

use crate::archive::{StatusMarker, layout};
use crate::volume::{ArchiveVolume, ObjectKey, Prefix};

use super::error::{EngineError, EngineResult};
use super::load::corrupt;

/// Every committed backup on `volume` (one per readable status marker), sorted by db, bid
/// and level. Unreadable markers are logged and skipped: one damaged backup must not hide
/// the others from an import.
pub async fn scan(volume: &dyn ArchiveVolume) -> EngineResult<Vec<StatusMarker>> {
    let mut out = Vec::new();
    for obj in volume.list(&Prefix::root()).await? {
        let Some((db, bid, level, ts)) = layout::parse_status_key(obj.key.as_str()) else {
            continue;
        };
        let parsed = match volume.get(&obj.key).await {
            Ok(bytes) => StatusMarker::decode(&bytes).map_err(|d| corrupt(&obj.key, d)),
            Err(e) => Err(e.into()),
        };
        match parsed {
            Ok(m) if (m.db.as_str(), m.bid, m.level, m.ts.as_str()) == (db, bid, level, ts) => {
                out.push(m);
            }
            Ok(_) => tracing::warn!(key = %obj.key, "status marker content does not match its key"),
            Err(e) => tracing::warn!(key = %obj.key, error = %e, "unreadable status marker"),
        }
    }
    out.sort_by(|a, b| (&a.db, a.bid, a.level).cmp(&(&b.db, b.bid, b.level)));
    Ok(out)
}

/// What [`remove_uncommitted`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecoveryReport {
    /// Prefixes (`<db>/id_<bid>/level_<level>`) of backups without a status marker whose
    /// objects were deleted.
    pub removed_backups: Vec<String>,
    /// Incomplete writes (`.partial` files, multipart uploads) discarded.
    pub removed_incomplete: Vec<String>,
    /// Empty layout directories removed (local volumes).
    pub pruned_dirs: u64,
}

/// Deletes the objects of every backup that has no status marker, and every incomplete
/// write, except those of the backups in `in_flight` (`(db, bid)` being written right now).
/// Objects outside the backup layout are left alone.
pub async fn remove_uncommitted(
    volume: &dyn ArchiveVolume,
    in_flight: &HashSet<(String, u64)>,
) -> EngineResult<RecoveryReport> {
    let root = Prefix::root();
    // (db, bid, level) -> has a status marker
    let mut backups: BTreeMap<(String, u64, u8), bool> = BTreeMap::new();
    for obj in volume.list(&root).await? {
        if let Some((db, bid, level, _)) = layout::parse_backup_key(obj.key.as_str()) {
            let committed = layout::parse_status_key(obj.key.as_str()).is_some();
            *backups.entry((db.to_owned(), bid, level)).or_default() |= committed;
        }
    }
    let skip = |db: &str, bid: u64| in_flight.contains(&(db.to_owned(), bid));
    let mut report = RecoveryReport::default();
    for ((db, bid, level), committed) in backups {
        if committed || skip(&db, bid) {
            continue;
        }
        let prefix = layout::backup_prefix(&db, bid, level)?;
        volume.delete_prefix(&prefix).await?;
        report.removed_backups.push(prefix.to_string());
    }
    for key in volume.list_incomplete(&root).await? {
        let owner = layout::parse_backup_key(key.as_str());
        if owner.is_some_and(|(db, bid, _, _)| skip(db, bid)) {
            continue;
        }
        volume.remove_incomplete(&key).await?;
        report.removed_incomplete.push(key.to_string());
    }
    // A crash between creating a backup's directories and its first file leaves empty
    // directories that no listing of objects can see.
    if in_flight.is_empty() {
        report.pruned_dirs = volume.prune_empty().await?;
    }
    Ok(report)
}

/// Deletes backup `bid`/`level` of `db`: its status marker(s) first, so that from the first
/// step on the backup no longer exists, then its data and manifests. Deleting a backup that
/// is not there is not an error. The caller makes sure it is not running and not the base
/// of a backup that is running.
pub async fn delete_backup(
    volume: &dyn ArchiveVolume,
    db: &str,
    bid: u64,
    level: u8,
) -> EngineResult<()> {
    if !layout::valid_db(db) {
        return Err(EngineError::Invalid(format!("invalid db name '{db}'")));
    }
    let prefix = layout::backup_prefix(db, bid, level)?;
    let markers: Vec<ObjectKey> = volume
        .list(&prefix)
        .await?
        .into_iter()
        .map(|o| o.key)
        .filter(|k| layout::parse_status_key(k.as_str()).is_some())
        .collect();
    for key in &markers {
        volume.delete(key).await?;
    }
    volume.delete_prefix(&prefix).await?;
    Ok(())
}
