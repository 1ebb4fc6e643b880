//! Start-up recovery (design 4), run before the daemon serves: jobs and operations left
//! running become failed, objects of this daemon's uncommitted backups are deleted, status
//! markers without a catalogue entry are checked and imported (`volume_import`), and
//! catalogue entries whose backup is gone from its volume are dropped (the volume is the
//! source of truth).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use confd_storage::records::{BackupRecord, OperationKind, OperationState, VolumeRecord};
use confd_storage::volume::ArchiveVolume;
use confd_storage::{Catalog, StorageError, engine};

use crate::bids;
use crate::chain::{self, BackupKey};
use crate::error::JobError;
use crate::result_code::ResultCode;
use crate::services::Services;
use crate::volume_import;

/// Marks the jobs of earlier epochs that never finished as failed with `ERROR`, so
/// `job_result` answers for them; returns how many.
pub fn fail_interrupted_jobs(
    catalog: &Catalog,
    current_epoch: u64,
    now_ms: i64,
) -> Result<usize, StorageError> {
    catalog.fail_unfinished_jobs(current_epoch, |job| {
        job.result_code = Some(ResultCode::Error.number());
        job.result_name = Some(ResultCode::Error.name().into());
        job.result_desc = Some("Job was interrupted by a daemon restart".into());
        job.finished_ms = Some(now_ms);
    })
}

/// What recovery did, for the log.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Operations marked failed.
    pub interrupted: usize,
    /// Uncommitted backups whose objects were deleted.
    pub removed_partial: usize,
    /// Backups imported from volumes.
    pub imported: usize,
    /// Backups found damaged on volumes and not imported.
    pub damaged: usize,
    /// Catalogue entries dropped because their backup is not on the volume.
    pub dropped: usize,
    /// Volumes that could not be checked (down, unmounted); their entries were kept.
    pub skipped_volumes: usize,
}

/// Runs recovery over the catalogue and every volume this build can open.
pub async fn recover(services: &Services) -> Result<Report, JobError> {
    let catalog = &services.catalog;
    let mut report = Report {
        interrupted: fail_interrupted_operations(catalog)?,
        ..Report::default()
    };
    let writer = bids::writer_id(services)?;
    let known: HashMap<BackupKey, BackupRecord> = catalog
        .backups()?
        .into_iter()
        .map(|b| (chain::key(&b), b))
        .collect();
    for volume in catalog.volumes()? {
        // A volume that is down (share not mounted, bucket unreachable) is skipped, not
        // fatal, and its catalogue entries stay: an empty listing must never be taken for
        // "the backups are gone". Recovery repeats at the next start.
        let Some(store) = clean(&volume, &writer, &mut report).await else {
            report.skipped_volumes += 1;
            continue;
        };
        let found = match volume_import::import(services, &volume, &*store).await {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(
                    volume = volume.name,
                    "scanning the volume failed, its entries stay: {e}"
                );
                report.skipped_volumes += 1;
                continue;
            }
        };
        report.imported += found.imported;
        report.damaged += found.damaged;
        drop_vanished(catalog, &volume, &known, &found.on_volume, &mut report)?;
    }
    catalog.flush().await?;
    Ok(report)
}

/// Operations left running by the last daemon become failed; a restore among them
/// leaves its database flagged as holding incomplete data. Returns how many.
fn fail_interrupted_operations(catalog: &Catalog) -> Result<usize, JobError> {
    let now = jiff::Timestamp::now().as_second();
    let mut interrupted = 0;
    for mut op in catalog.operations()? {
        if op.state != OperationState::Running {
            continue;
        }
        op.state = OperationState::Failed;
        op.error = Some("interrupted by daemon restart".into());
        op.finished = Some(now);
        if op.kind == OperationKind::Restore {
            // Already flagged before the restore began; make sure of it.
            let _ = catalog.update_database(&op.db, |db| {
                db.data_incomplete = true;
                Ok::<(), JobError>(())
            })?;
        }
        catalog.put_operation(&op)?;
        interrupted += 1;
    }
    Ok(interrupted)
}

/// Deletes the objects of this daemon's uncommitted backups on `volume` (never those
/// another daemon sharing the volume may be writing) and returns the opened volume; `None`
/// (logged) when it cannot be checked now.
async fn clean(
    volume: &VolumeRecord,
    writer: &str,
    report: &mut Report,
) -> Option<Arc<dyn ArchiveVolume>> {
    let skipped = |e: &dyn std::fmt::Display| {
        tracing::warn!(volume = volume.name, "recovery skipped this volume: {e}");
    };
    if let Err(reason) = confd_storage::volume::probe(volume).await {
        skipped(&reason);
        return None;
    }
    let store = match confd_storage::volume::open(volume) {
        Ok(store) => store,
        Err(e) => {
            skipped(&e);
            return None;
        }
    };
    let removed = match engine::claimed_by_others(&*store, writer).await {
        Ok(others) => engine::remove_uncommitted(&*store, &others).await,
        Err(e) => Err(e),
    };
    let removed = match removed {
        Ok(removed) => removed,
        Err(e) => {
            skipped(&e);
            return None;
        }
    };
    for prefix in &removed.removed_backups {
        tracing::warn!(
            volume = volume.name,
            "removed the objects of uncommitted backup {prefix}"
        );
    }
    report.removed_partial += removed.removed_backups.len();
    Some(store)
}

/// Drops the catalogue entries of `volume` whose backup is no longer on it: the volume
/// is the source of truth.
fn drop_vanished(
    catalog: &Catalog,
    volume: &VolumeRecord,
    known: &HashMap<BackupKey, BackupRecord>,
    on_volume: &HashSet<BackupKey>,
    report: &mut Report,
) -> Result<(), JobError> {
    for (key, b) in known {
        if b.volume_id == volume.id && !on_volume.contains(key) {
            tracing::warn!(
                volume = volume.name,
                db = key.0,
                bid = key.1,
                "backup is no longer on its volume; dropped from the catalogue"
            );
            catalog.remove_backup(&key.0, key.1)?;
            report.dropped += 1;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use confd_storage::records::{JobRecord, JobState};

    use super::*;

    #[test]
    fn interrupted_jobs_fail_with_error() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::open(dir.path()).unwrap();
        catalog
            .put_job(&JobRecord {
                epoch: 1,
                seq: 1,
                name: "db_list".into(),
                user: "admin".into(),
                params: serde_json::json!({}),
                state: JobState::Executed,
                result_code: None,
                result_name: None,
                result_desc: None,
                output: None,
                revision: None,
                submitted_ms: 0,
                finished_ms: None,
            })
            .unwrap();
        assert_eq!(fail_interrupted_jobs(&catalog, 2, 5).unwrap(), 1);
        let job = catalog.job(1, 1).unwrap().unwrap();
        assert_eq!(job.state, JobState::Failed);
        assert_eq!(
            (job.result_code, job.result_name.as_deref()),
            (Some(1), Some("ERROR"))
        );
        assert_eq!(
            job.result_desc.as_deref(),
            Some("Job was interrupted by a daemon restart")
        );
        assert_eq!(job.finished_ms, Some(5));
    }
}
