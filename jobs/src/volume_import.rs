//! Importing what a volume holds (the volume is the source of truth; the catalogue is an
//! index that can be rebuilt from it, as restic rebuilds its index from the repository).
//! Runs at start-up (recovery), when a volume is added, and before `db_backup_list`
//! answers, so backups that another daemon sharing the volume wrote show up too.
//!
//! Every status marker without a catalogue entry is checked with its manifests
//! (`engine::check_backup`) before it is imported; damaged ones are logged, counted and left
//! out. Bids seen on the volume are reserved, so a new backup never reuses one.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use confd_storage::engine;
use confd_storage::records::{BackupRecord, VolumeRecord};
use confd_storage::volume::ArchiveVolume;

use crate::chain::{self, BackupKey};
use crate::error::JobError;
use crate::services::Services;

/// What one import found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Backups newly catalogued.
    pub imported: usize,
    /// Backups left out because their marker, a manifest or a data object is damaged.
    pub damaged: usize,
    /// Backups left out because their id is catalogued on another volume.
    pub taken: usize,
    /// Every committed backup on the volume (imported, known, or taken).
    pub on_volume: HashSet<BackupKey>,
}

impl Imported {
    /// `"; 3 backups imported, 1 damaged backup not imported"`, or empty when nothing
    /// happened: the tail of the answer of a job that added a volume.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        if self.imported > 0 {
            out += &format!("; {} backup(s) imported", self.imported);
        }
        if self.damaged > 0 {
            out += &format!(
                "; {} damaged backup(s) not imported (see the log)",
                self.damaged
            );
        }
        out
    }
}

/// Imports the committed, undamaged backups on `store` (the volume `volume`) that the
/// catalogue does not know yet.
pub async fn import(
    services: &Services,
    volume: &VolumeRecord,
    store: &dyn ArchiveVolume,
) -> Result<Imported, JobError> {
    let catalog = &services.catalog;
    let survey = engine::survey(store)
        .await
        .map_err(|e| JobError::Internal(format!("scanning volume '{}': {e}", volume.name)))?;
    let mut out = Imported {
        damaged: survey.damaged.len(),
        ..Imported::default()
    };
    for d in &survey.damaged {
        if first_report(&d.key) {
            tracing::warn!(
                volume = volume.name,
                key = d.key,
                "damaged backup not imported: {}",
                d.reason
            );
        }
    }
    for (db, bid) in &survey.highest_bids {
        catalog.reserve_bid(db, *bid)?;
    }
    let known: HashMap<BackupKey, BackupRecord> = catalog
        .backups()?
        .into_iter()
        .map(|b| (chain::key(&b), b))
        .collect();
    for marker in survey.markers {
        let key = (marker.db.clone(), marker.bid);
        out.on_volume.insert(key.clone());
        match known.get(&key) {
            Some(existing) if existing.volume_id == volume.id => {}
            Some(existing) => {
                tracing::warn!(
                    volume = volume.name,
                    db = marker.db,
                    bid = marker.bid,
                    "a backup with this id is already catalogued on volume {}; not imported",
                    existing.volume_id
                );
                out.taken += 1;
            }
            None => {
                // Held while it is checked and recorded: a delete of the same backup (it
                // may have been catalogued meanwhile) cannot interleave.
                let Ok(_claim) = services.backups.claim(vec![key]) else {
                    continue;
                };
                if let Err(e) = engine::check_backup(store, &marker).await {
                    if first_report(&format!("{}/{}/{}", volume.name, marker.db, marker.bid)) {
                        tracing::warn!(
                            volume = volume.name,
                            db = marker.db,
                            bid = marker.bid,
                            "damaged backup not imported: {e}"
                        );
                    }
                    out.damaged += 1;
                    continue;
                }
                tracing::info!(
                    volume = volume.name,
                    db = marker.db,
                    bid = marker.bid,
                    "imported backup found on the volume"
                );
                catalog.put_backup(&BackupRecord {
                    volume_id: volume.id,
                    marker,
                })?;
                out.imported += 1;
            }
        }
    }
    Ok(out)
}

/// How long a refresh waits for one volume before it lists what the catalogue has.
const REFRESH_TIMEOUT: Duration = Duration::from_secs(10);

/// Imports from every volume what others wrote since the last look (before
/// `db_backup_list` answers). Import only: entries are dropped at start-up, never here. A
/// volume that is down or slow is skipped; the list shows what the catalogue has.
pub async fn refresh(services: &Services) -> Result<(), JobError> {
    // All volumes at once: a slow one costs its timeout once, not once per volume.
    let volumes = services.catalog.volumes()?;
    let looks = volumes.iter().map(|volume| async move {
        let Ok(store) = confd_storage::volume::open(volume) else {
            return false;
        };
        match tokio::time::timeout(REFRESH_TIMEOUT, import(services, volume, &*store)).await {
            Ok(Ok(found)) => found.imported > 0,
            Ok(Err(e)) => {
                tracing::debug!(volume = volume.name, "refresh skipped: {e}");
                false
            }
            Err(_) => {
                tracing::debug!(volume = volume.name, "refresh timed out");
                false
            }
        }
    });
    if futures::future::join_all(looks).await.contains(&true) {
        services.catalog.flush().await?;
    }
    Ok(())
}

/// True the first time this process reports the damaged backup `key`: a listing runs
/// an import before every `db_backup_list`, and the log should say it once, not on
/// every call.
fn first_report(key: &str) -> bool {
    static REPORTED: std::sync::LazyLock<std::sync::Mutex<HashSet<String>>> =
        std::sync::LazyLock::new(Default::default);
    let mut reported = REPORTED.lock().unwrap_or_else(|p| p.into_inner());
    // Bounded: a volume with more damage than this is reported again, never grows memory.
    if reported.len() >= 10_000 {
        reported.clear();
    }
    reported.insert(key.to_owned())
}
