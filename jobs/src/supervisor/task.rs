//! The bodies of the background tasks. Write order (design 4): the engine makes data,
//! manifests and the status marker durable; then the catalogue entry and the operation's
//! end are written and flushed; the clean-up of expired backups comes last.

use std::path::PathBuf;
use std::sync::Arc;

use confd_storage::archive::Compression;
use confd_storage::engine::{self, BackupPlan, BaseBackup, EngineError, Phase};
use confd_storage::records::{
    BackupRecord, DatabaseRecord, DbState, OperationState, VolumeLocation, VolumeRecord,
};
use confd_storage::volume::ArchiveVolume;

use super::{ActiveOperation, Supervisor};
use crate::chain;

/// What a backup task needs besides its [`ActiveOperation`] entry.
pub(super) struct BackupJob {
    pub db: DatabaseRecord,
    pub volume_record: VolumeRecord,
    pub volume: Arc<dyn ArchiveVolume>,
    pub base: Option<BackupRecord>,
    pub ts: String,
    pub expire: Option<i64>,
    pub compression_level: i32,
}

/// What a restore task needs besides its [`ActiveOperation`] entry.
pub(super) struct RestoreJob {
    pub db: String,
    pub targets: Vec<PathBuf>,
    pub volume: Arc<dyn ArchiveVolume>,
    pub chain: Vec<BackupRecord>,
}

pub(super) async fn run_backup(sup: Arc<Supervisor>, run: Arc<ActiveOperation>, job: BackupJob) {
    let result = write_backup(&run, &job).await;
    let mut op = run.op.clone();
    let mut stored = 0;
    match result {
        Ok(marker) => {
            stored = marker.totals.bytes_stored;
            let record = BackupRecord {
                volume_id: job.volume_record.id,
                marker,
            };
            // The backup exists once its status marker is on the volume; the catalogue
            // entry follows (a crash in between is repaired by the import at start-up).
            let committed = sup.catalog.put_backup(&record);
            if let Err(e) = sup.catalog.flush().await {
                tracing::error!(
                    db = op.db,
                    bid = op.bid,
                    "flushing the catalogue failed: {e}"
                );
            }
            match committed {
                Ok(()) => {
                    run.progress.set_phase(Phase::CleanUp).await;
                    clean_up_expired(&sup, &job).await;
                    op.state = OperationState::Finished;
                }
                Err(e) => {
                    op.state = OperationState::Failed;
                    op.error = Some(format!(
                        "the backup is on the volume but recording it failed: {e}"
                    ));
                }
            }
        }
        Err(EngineError::Aborted) => op.state = OperationState::Aborted,
        Err(e) => {
            tracing::warn!(db = op.db, bid = op.bid, "backup failed: {e}");
            op.state = OperationState::Failed;
            op.error = Some(e.to_string());
        }
    }
    finish(&sup, &run, op, stored).await;
}

async fn write_backup(
    run: &ActiveOperation,
    job: &BackupJob,
) -> Result<confd_storage::archive::StatusMarker, EngineError> {
    let nodes = job.db.node_dirs();
    let mut plan = match &job.base {
        Some(base) => BackupPlan::incremental(
            run.op.bid,
            &job.ts,
            nodes,
            BaseBackup::load(&*job.volume, base.marker.clone()).await?,
        ),
        None => BackupPlan::full(&job.db.name, run.op.bid, &job.ts, nodes),
    };
    plan.compression = if job.volume_record.has_option("nocompression") {
        Compression::None
    } else {
        Compression::Zstd {
            level: job.compression_level,
        }
    };
    plan.expire = job.expire;
    let summary = engine::backup(&*job.volume, &plan, &run.progress, &run.cancel).await?;
    Ok(summary.marker)
}

/// Spec 4.3: expired backups go at the end of each backup run, on remote volumes only
/// with `cleanvolume`; never one that is in use or that a kept backup builds on.
async fn clean_up_expired(sup: &Supervisor, job: &BackupJob) {
    let remote = matches!(job.volume_record.location, VolumeLocation::Remote { .. });
    if remote && !job.volume_record.has_option("cleanvolume") {
        return;
    }
    let backups = match sup.catalog.backups() {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(db = job.db.name, "clean-up of expired backups skipped: {e}");
            return;
        }
    };
    let now = jiff::Timestamp::now().as_second();
    for b in chain::expired_removable(
        &backups,
        &job.db.name,
        job.volume_record.id,
        now,
        &sup.protected(),
    ) {
        // Claimed like a delete job would, so no restore or backup starts on it meanwhile.
        let Ok(_claim) = sup.claim(vec![chain::key(&b)]) else {
            continue;
        };
        let m = &b.marker;
        match engine::delete_backup(&*job.volume, &m.db, m.bid, m.level).await {
            Ok(()) => {
                if let Err(e) = sup.catalog.remove_backup(&m.db, m.bid) {
                    // Recovery drops the entry at the next start (its marker is gone).
                    tracing::error!(
                        db = m.db,
                        bid = m.bid,
                        "expired backup deleted but its catalogue entry stays: {e}"
                    );
                }
                tracing::info!(db = m.db, bid = m.bid, "removed expired backup");
            }
            Err(e) => tracing::warn!(
                db = m.db,
                bid = m.bid,
                "removing expired backup failed: {e}"
            ),
        }
    }
}

pub(super) async fn run_restore(sup: Arc<Supervisor>, run: Arc<ActiveOperation>, job: RestoreJob) {
    let markers: Vec<_> = job.chain.iter().map(|b| b.marker.clone()).collect();
    // The "data incomplete" flag must be on disk before the first file is touched: a
    // crash in between would otherwise restart with a half-restored database that starts.
    if let Err(e) = sup.catalog.flush().await {
        let mut op = run.op.clone();
        op.state = OperationState::Failed;
        op.error = Some(format!(
            "the catalogue could not be made durable before restoring: {e}"
        ));
        finish(&sup, &run, op, 0).await;
        return;
    }
    let result = engine::restore(
        &*job.volume,
        &markers,
        &job.targets,
        &run.progress,
        &run.cancel,
    )
    .await;
    let mut op = run.op.clone();
    match result {
        Ok(_) => {
            let updated = sup.catalog.update_database(&job.db, |db| {
                db.data_incomplete = false;
                db.state = DbState::Running;
                Ok::<(), confd_storage::StorageError>(())
            });
            let problem = match updated {
                Ok(Some(_)) => None,
                Ok(None) => Some(format!(
                    "database '{}' disappeared during the restore",
                    job.db
                )),
                Err(e) => Some(format!("the data is restored but recording it failed: {e}")),
            };
            match problem {
                None => op.state = OperationState::Finished,
                Some(text) => {
                    op.state = OperationState::Failed;
                    op.error = Some(text);
                }
            }
        }
        Err(EngineError::Aborted) => op.state = OperationState::Aborted,
        Err(e) => {
            tracing::warn!(db = op.db, "restore failed: {e}");
            op.state = OperationState::Failed;
            op.error = Some(e.to_string());
        }
    }
    finish(&sup, &run, op, 0).await;
}

pub(super) async fn finish(
    sup: &Supervisor,
    run: &ActiveOperation,
    mut op: confd_storage::records::OperationRecord,
    stored: u64,
) {
    let s = run.progress.snapshot();
    op.bytes_total = s.bytes_total;
    op.bytes_done = if op.state == OperationState::Finished {
        s.bytes_total
    } else {
        s.bytes_done
    };
    let finished = jiff::Timestamp::now().as_second();
    op.finished = Some(finished);
    if op.state == OperationState::Aborted && sup.root.is_cancelled() && op.error.is_none() {
        op.error = Some(super::SHUTDOWN_REASON.into());
    }
    if let Err(e) = sup.catalog.put_operation(&op) {
        tracing::error!(db = op.db, "recording the end of the operation failed: {e}");
    }
    if let Err(e) = sup.catalog.flush().await {
        tracing::error!(db = op.db, "flushing the catalogue failed: {e}");
    }
    sup.counters.ended(&op.db, op.kind, op.state, stored);
    tracing::info!(
        db = op.db,
        kind = kind_name(op.kind),
        bid = op.bid,
        level = op.level,
        volume = op.volume_id,
        outcome = outcome(&op),
        bytes = op.bytes_done,
        stored,
        seconds = (run.began.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
        "operation ended"
    );
    sup.finish(&op.db);
}

/// `finished`, `aborted`, `aborted: daemon shutdown`, `failed: <why>`.
fn outcome(op: &confd_storage::records::OperationRecord) -> String {
    let word = match op.state {
        OperationState::Finished => "finished",
        OperationState::Aborted => "aborted",
        OperationState::Failed => "failed",
        OperationState::Running => "running",
    };
    match &op.error {
        Some(why) => format!("{word}: {why}"),
        None => word.to_owned(),
    }
}

/// The line every operation logs when it starts (its end: [`finish`]).
pub(super) fn log_started(op: &confd_storage::records::OperationRecord) {
    tracing::info!(
        db = op.db,
        kind = kind_name(op.kind),
        bid = op.bid,
        level = op.level,
        volume = op.volume_id,
        name = op.name,
        "operation started"
    );
}

pub(super) fn kind_name(kind: confd_storage::records::OperationKind) -> &'static str {
    use confd_storage::records::OperationKind;
    match kind {
        OperationKind::Backup => "backup",
        OperationKind::Restore => "restore",
        OperationKind::Verify => "verify",
    }
}
