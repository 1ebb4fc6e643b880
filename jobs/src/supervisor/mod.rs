//! The backup supervisor: at most one backup or restore per database, each a tokio task
//! with its own cancellation token (a child of the daemon's) and progress counters that
//! `db_backup_progress` reads from memory without touching the volume.
//!
//! Only this module knows tokens and tasks exist; jobs call `start_backup`,
//! `start_restore`, `start_verify` (`verify.rs`), `abort` and `progress`. An [`OperationHooks`] given at construction
//! picks engine hooks per operation (tests hold one at a named point).

mod claims;
mod hooks;
mod task;
mod verify;
mod view;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use confd_storage::Catalog;
use confd_storage::engine::Progress;
use confd_storage::records::{
    BackupRecord, DatabaseRecord, DbState, OperationKind, OperationRecord, OperationState,
    VolumeRecord,
};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument as _;

use crate::backup_id;
use crate::chain::{self, BackupKey};
use crate::error::JobError;
use crate::expiry::{Expire, ts_of};
use crate::stats::OperationCounters;

pub use claims::Claim;
use claims::{protected_by, refuse_if_claimed};
pub use hooks::OperationHooks;
pub use verify::VerifyRequest;
pub use view::ProgressView;

/// A backup to start.
pub struct BackupRequest {
    /// The (running) database.
    pub db: DatabaseRecord,
    /// Target volume.
    pub volume: VolumeRecord,
    /// 0 = full, 1..9 = incremental.
    pub level: u8,
    /// Relative expiry; `None` = never.
    pub expire: Option<Expire>,
    /// The bid, claimed on the volume beforehand (`bids::claim_next`); `None` takes the
    /// catalogue's next one unclaimed.
    pub bid: Option<u64>,
    /// Job that asked for it.
    pub job_id: String,
}

/// A restore to start.
pub struct RestoreRequest {
    /// The (stopped) target database.
    pub db: DatabaseRecord,
    /// Volume holding the backup.
    pub volume: VolumeRecord,
    /// The backup to restore (its chain is restored up to it).
    pub backup: BackupRecord,
    /// Job that asked for it.
    pub job_id: String,
}

/// A backup or restore in progress (the one of its database).
struct ActiveOperation {
    op: OperationRecord,
    progress: Arc<Progress>,
    cancel: CancellationToken,
    /// Backups this operation reads (bases, restore chain): not deletable meanwhile.
    protected: HashSet<BackupKey>,
    done: watch::Sender<bool>,
    /// For the duration in the end log line (the record keeps whole seconds).
    began: std::time::Instant,
}

/// Owns the running backups and restores.
pub struct Supervisor {
    catalog: Arc<Catalog>,
    /// Ended operations since start, for monitoring.
    pub counters: OperationCounters,
    running: Mutex<HashMap<String, Arc<ActiveOperation>>>,
    /// Backups a job is deleting or rewriting right now (lock order: `running` first).
    claimed: Mutex<HashSet<BackupKey>>,
    tracker: TaskTracker,
    root: CancellationToken,
    hooks: Option<Arc<dyn OperationHooks>>,
    /// zstd level of new backups (the config's `compression_level`).
    compression_level: AtomicI32,
}

/// Operation end comment and log outcome of operations stopped by the daemon's shutdown.
pub const SHUTDOWN_REASON: &str = "daemon shutdown";

impl Supervisor {
    /// A supervisor with nothing running.
    pub fn new(catalog: Arc<Catalog>) -> Arc<Self> {
        Self::with_hooks(catalog, None)
    }

    /// A supervisor whose operations get their engine hooks from `hooks`.
    pub fn with_hooks(catalog: Arc<Catalog>, hooks: Option<Arc<dyn OperationHooks>>) -> Arc<Self> {
        Arc::new(Supervisor {
            catalog,
            counters: OperationCounters::default(),
            running: Mutex::new(HashMap::new()),
            claimed: Mutex::new(HashSet::new()),
            tracker: TaskTracker::new(),
            root: CancellationToken::new(),
            hooks,
            compression_level: AtomicI32::new(1),
        })
    }

    /// Sets the zstd level of backups started from now on (1..=19).
    pub fn set_compression_level(&self, level: i32) {
        self.compression_level.store(level, Ordering::Relaxed);
    }

    /// Starts a backup in the background; errors name the conflict, the missing base or
    /// the volume problem. The operation record is written before this returns.
    pub fn start_backup(self: &Arc<Self>, req: BackupRequest) -> Result<(), JobError> {
        let mut running = self.lock();
        refuse_if_running(&running, &req.db.name)?;
        // Read again under the lock db_stop and db_delete take: the caller's copy may be old.
        let db = self
            .catalog
            .database(&req.db.name)?
            .ok_or_else(|| JobError::no_such_database(&req.db.name))?;
        if db.state != DbState::Running {
            return Err(JobError::WrongState(format!(
                "Database '{}' is {}; a backup needs it running",
                db.name,
                db.state.as_str()
            )));
        }
        let backups = self.catalog.backups()?;
        let base = match req.level {
            0 => None,
            level => Some(chain::base_for(&backups, &req.db.name, req.volume.id, level).cloned().ok_or_else(|| {
                JobError::NotFound(format!(
                    "No usable level {} backup of database '{}' on volume '{}': a level {level} backup needs one",
                    level - 1,
                    req.db.name,
                    req.volume.name
                ))
            })?),
        };
        let protected: HashSet<BackupKey> = match &base {
            Some(b) => chain::chain_of(&backups, b)
                .unwrap_or_default()
                .iter()
                .map(chain::key)
                .collect(),
            None => HashSet::new(),
        };
        refuse_if_claimed(&self.claimed_lock(), &protected)?;
        let volume = confd_storage::volume::open(&req.volume)
            .map_err(|e| JobError::Unsupported(e.to_string()))?;
        let bid = match req.bid {
            Some(bid) => bid,
            None => self.catalog.allocate_bid(&req.db.name)?,
        };
        let now = jiff::Timestamp::now().as_second();
        let ts = ts_of(now);
        let op = OperationRecord {
            db: req.db.name.clone(),
            kind: OperationKind::Backup,
            state: OperationState::Running,
            bid,
            level: req.level,
            volume_id: req.volume.id,
            name: backup_id::path_of(&req.db.name, bid, req.level, &ts),
            job_id: req.job_id,
            started: now,
            finished: None,
            error: None,
            bytes_total: 0,
            bytes_done: 0,
        };
        self.catalog.put_operation(&op)?;
        let run = self.register(&mut running, op, protected);
        let job = task::BackupJob {
            db,
            volume_record: req.volume,
            volume,
            base,
            ts,
            expire: req.expire.map(|e| now.saturating_add(e.0)),
            compression_level: self.compression_level.load(Ordering::Relaxed),
        };
        self.spawn(task::run_backup(self.clone(), run, job));
        Ok(())
    }

    /// Starts a restore in the background. The database is flagged as holding incomplete
    /// data until the restore succeeds (design 4).
    pub fn start_restore(self: &Arc<Self>, req: RestoreRequest) -> Result<(), JobError> {
        let mut running = self.lock();
        refuse_if_running(&running, &req.db.name)?;
        let (chain, protected) = self.chain_to_protect(&req.backup, req.volume.id)?;
        let volume = confd_storage::volume::open(&req.volume)
            .map_err(|e| JobError::Unsupported(e.to_string()))?;
        let mut was_incomplete = false;
        self.catalog
            .update_database(&req.db.name, |db| {
                was_incomplete = db.data_incomplete;
                if db.state != DbState::Setup {
                    return Err(JobError::WrongState(format!(
                        "Database '{}' is {}; stop it (db_stop) before restoring",
                        db.name,
                        db.state.as_str()
                    )));
                }
                db.data_incomplete = true;
                Ok(())
            })?
            .ok_or_else(|| JobError::no_such_database(&req.db.name))?;
        let now = jiff::Timestamp::now().as_second();
        let op = OperationRecord {
            db: req.db.name.clone(),
            kind: OperationKind::Restore,
            state: OperationState::Running,
            bid: req.backup.marker.bid,
            level: req.backup.marker.level,
            volume_id: req.volume.id,
            name: backup_id::path(&req.backup.marker),
            job_id: req.job_id,
            started: now,
            finished: None,
            error: None,
            bytes_total: 0,
            bytes_done: 0,
        };
        if let Err(e) = self.catalog.put_operation(&op) {
            // No operation will run: the flag goes back to what it was.
            let _ = self.catalog.update_database(&op.db, |db| {
                db.data_incomplete = was_incomplete;
                Ok::<(), JobError>(())
            });
            return Err(e.into());
        }
        let run = self.register(&mut running, op, protected);
        let job = task::RestoreJob {
            db: req.db.name.clone(),
            targets: req.db.node_dirs(),
            volume,
            chain,
        };
        self.spawn(task::run_restore(self.clone(), run, job));
        Ok(())
    }

    /// Cancels the running operation of `db` and waits (up to 5 s) until it has removed
    /// what it wrote. Returns what was aborted; if it is still cleaning up after 5 s the
    /// answer says so instead of claiming it has stopped.
    pub async fn abort(&self, db: &str) -> Result<OperationKind, JobError> {
        let run = self.lock().get(db).cloned().ok_or_else(|| {
            JobError::WrongState(format!(
                "No backup or restore is running for database '{db}'"
            ))
        })?;
        run.cancel.cancel();
        let mut done = run.done.subscribe();
        if tokio::time::timeout(Duration::from_secs(5), done.wait_for(|d| *d))
            .await
            .is_err()
        {
            return Err(JobError::WrongState(format!(
                "The operation on database '{db}' ({}) was asked to stop but is still removing what it wrote; check db_backup_progress",
                run.op.name
            )));
        }
        Ok(run.op.kind)
    }

    /// `db_backup_progress`: the running operation from memory, else the last one from the
    /// catalogue, else the "nothing has run" answer.
    pub fn progress(&self, db: &str) -> Result<ProgressView, JobError> {
        if let Some(run) = self.lock().get(db).cloned() {
            return Ok(view::running(&run.op, &run.progress.snapshot()));
        }
        Ok(match self.catalog.operation(db)? {
            Some(op) => view::ended(&op),
            None => view::nothing_ran(),
        })
    }

    /// Waits until no operation of `db` runs (at once when none does).
    pub async fn idle(&self, db: &str) {
        loop {
            let Some(mut done) = self.lock().get(db).map(|run| run.done.subscribe()) else {
                return;
            };
            // A closed channel means the operation's entry is gone: look again.
            let _ = done.wait_for(|ended| *ended).await;
        }
    }

    /// What is running for `db`, if anything.
    pub fn running(&self, db: &str) -> Option<OperationKind> {
        self.lock().get(db).map(|r| r.op.kind)
    }

    /// Backups that running operations write or read: they must not be deleted.
    pub fn protected(&self) -> HashSet<BackupKey> {
        protected_by(&self.lock())
    }

    /// Cancels every operation and waits for them to record their end (design 4: on
    /// SIGTERM cancel running operations the same way as an abort).
    pub async fn shutdown(&self) {
        self.root.cancel();
        self.tracker.close();
        if tokio::time::timeout(Duration::from_secs(15), self.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!("operations did not stop within 15 s; start-up recovery will clean up");
        }
    }

    /// Runs an operation's task in the span of the job that started it, so its log lines
    /// carry that job's ID and user.
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        self.tracker.spawn(task.in_current_span());
    }

    fn register(
        &self,
        running: &mut HashMap<String, Arc<ActiveOperation>>,
        op: OperationRecord,
        protected: HashSet<BackupKey>,
    ) -> Arc<ActiveOperation> {
        let cancel = self.root.child_token();
        let progress = match self.hooks.as_ref().and_then(|h| h.hooks_for(&op, &cancel)) {
            Some(hooks) => Progress::with_hooks(hooks),
            None => Progress::new(),
        };
        let run = Arc::new(ActiveOperation {
            progress: Arc::new(progress),
            cancel,
            protected,
            done: watch::channel(false).0,
            began: std::time::Instant::now(),
            op,
        });
        running.insert(run.op.db.clone(), run.clone());
        task::log_started(&run.op);
        run
    }

    /// The chain `backup` belongs to, and its keys, which no delete may take while an
    /// operation reads it; refused when a link is missing or a delete has claimed one.
    /// Called under the `running` lock (lock order: `running`, then `claimed`).
    pub(super) fn chain_to_protect(
        &self,
        backup: &BackupRecord,
        volume_id: u32,
    ) -> Result<(Vec<BackupRecord>, HashSet<BackupKey>), JobError> {
        let backups = self.catalog.backups()?;
        let chain = chain::chain_of(&backups, backup).ok_or_else(|| {
            JobError::WrongState(format!(
                "Backup '{}' is not usable: a backup it depends on is missing",
                backup_id::id(volume_id, &backup.marker)
            ))
        })?;
        let protected: HashSet<BackupKey> = chain.iter().map(chain::key).collect();
        refuse_if_claimed(&self.claimed_lock(), &protected)?;
        Ok((chain, protected))
    }

    fn finish(&self, db: &str) {
        if let Some(run) = self.lock().remove(db) {
            run.done.send_replace(true);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<ActiveOperation>>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn refuse_if_running(
    running: &HashMap<String, Arc<ActiveOperation>>,
    db: &str,
) -> Result<(), JobError> {
    match running.get(db) {
        Some(r) => Err(JobError::Conflict(format!(
            "A {} of database '{db}' is already running ({}, started by job {})",
            task::kind_name(r.op.kind),
            r.op.name,
            r.op.job_id
        ))),
        None => Ok(()),
    }
}
