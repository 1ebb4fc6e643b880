//! Verifies: an operation of the database like a backup (one at a time, progress,
//! abort), that reads a backup and its chain back and writes nothing but its outcome:
//! the operation record and the backup's verify record in the catalogue.

use std::sync::Arc;

use confd_storage::engine::{self, EngineError, VerifyReport};
use confd_storage::records::{
    BackupRecord, OperationKind, OperationRecord, OperationState, VerifyRecord, VolumeRecord,
};
use confd_storage::volume::ArchiveVolume;

use super::{ActiveOperation, Supervisor, refuse_if_running, task};
use crate::backup_id;
use crate::error::JobError;

/// A verify to start.
pub struct VerifyRequest {
    /// Database the operation belongs to (the backup's).
    pub db: String,
    /// Volume holding the backup.
    pub volume: VolumeRecord,
    /// The backup to verify (its chain is verified with it).
    pub backup: BackupRecord,
    /// Job that asked for it.
    pub job_id: String,
}

struct VerifyJob {
    volume: Arc<dyn ArchiveVolume>,
    chain: Vec<BackupRecord>,
}

impl Supervisor {
    /// Starts a verify in the background. It runs whatever the database's state (it
    /// never touches the database's data), and holds its chain against deletes.
    pub fn start_verify(self: &Arc<Self>, req: VerifyRequest) -> Result<(), JobError> {
        let mut running = self.lock();
        refuse_if_running(&running, &req.db)?;
        let (chain, protected) = self.chain_to_protect(&req.backup, req.volume.id)?;
        let volume = confd_storage::volume::open(&req.volume)
            .map_err(|e| JobError::Unsupported(e.to_string()))?;
        let op = OperationRecord {
            db: req.db,
            kind: OperationKind::Verify,
            state: OperationState::Running,
            bid: req.backup.marker.bid,
            level: req.backup.marker.level,
            volume_id: req.volume.id,
            name: backup_id::path(&req.backup.marker),
            job_id: req.job_id,
            started: jiff::Timestamp::now().as_second(),
            finished: None,
            error: None,
            bytes_total: 0,
            bytes_done: 0,
        };
        self.catalog.put_operation(&op)?;
        let run = self.register(&mut running, op, protected);
        self.spawn(run_verify(self.clone(), run, VerifyJob { volume, chain }));
        Ok(())
    }
}

async fn run_verify(sup: Arc<Supervisor>, run: Arc<ActiveOperation>, job: VerifyJob) {
    let markers: Vec<_> = job.chain.iter().map(|b| b.marker.clone()).collect();
    let result = engine::verify(&*job.volume, &markers, &run.progress, &run.cancel).await;
    let mut op = run.op.clone();
    match result {
        Ok(report) => {
            record_outcome(&sup, &op, &report);
            match report.summary() {
                None => op.state = OperationState::Finished,
                Some(damage) => {
                    op.state = OperationState::Failed;
                    op.error = Some(damage);
                }
            }
        }
        Err(EngineError::Aborted) => op.state = OperationState::Aborted,
        Err(e) => {
            tracing::warn!(db = op.db, bid = op.bid, "verify failed: {e}");
            op.state = OperationState::Failed;
            op.error = Some(e.to_string());
        }
    }
    task::finish(&sup, &run, op, 0).await;
}

/// Only a verify that ran to its end says anything about the backup; an aborted or
/// failed one leaves the last result as it was. `task::finish` flushes it.
fn record_outcome(sup: &Supervisor, op: &OperationRecord, report: &VerifyReport) {
    let record = VerifyRecord {
        db: op.db.clone(),
        bid: op.bid,
        at: jiff::Timestamp::now().as_second(),
        damaged: report.damaged,
        job_id: op.job_id.clone(),
    };
    // The chain stays protected until `task::finish`, so the backup is still there.
    if let Err(e) = sup.catalog.put_verify(&record) {
        tracing::error!(db = op.db, bid = op.bid, "recording the verify failed: {e}");
    }
}
