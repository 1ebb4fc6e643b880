//! Progress of a running backup or restore: phases and atomic counters the engine updates,
//! read on demand by anyone (the job layer's `db_backup_progress`) without touching the
//! volume or taking a lock.
//!
//! The percentage is computed from `bytes_done / bytes_total`, where `bytes_total` is fixed
//! before the write phase starts (the bytes that will actually be read or written), so it
//! only moves forward; it is capped at 99 until the operation has finished, and a
//! high-water mark keeps it monotonic even when phases are re-entered.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// Stage of an operation. Backups go Protect → Write → Validate → Unprotect (→ CleanUp,
/// set by the caller); restores go Read → Write → Verify; verifies go Read → Verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Phase {
    /// Not started yet.
    Pending = 0,
    /// Backup: scanning node directories and loading the base, fixing the totals.
    Protect = 1,
    /// Restore: loading and checking manifests, planning.
    Read = 2,
    /// Backup: reading, chunking, storing. Restore: writing files.
    Write = 3,
    /// Backup: re-reading manifests, checking totals.
    Validate = 4,
    /// Restore: applying directory metadata and final checks. Verify: reading and
    /// checking every chunk.
    Verify = 5,
    /// Backup: committing (the status marker is written). ConfD names its stage after
    /// this point "Unprotect": the bases the backup read are released.
    Unprotect = 6,
    /// Caller-side clean-up after the engine returned (expiry).
    CleanUp = 7,
    /// Ended (successfully or not); see [`ProgressSnapshot::finished`].
    Done = 8,
}

impl Phase {
    fn from_u8(v: u8) -> Self {
        match v {
            1 => Self::Protect,
            2 => Self::Read,
            3 => Self::Write,
            4 => Self::Validate,
            5 => Self::Verify,
            6 => Self::Unprotect,
            7 => Self::CleanUp,
            8 => Self::Done,
            _ => Self::Pending,
        }
    }
}

/// Callbacks at precise points of an operation: tests hold an operation there (pause,
/// cancel, modify a file) without racing it; callers may also use them as events. Every
/// call runs on a thread that may block (the engine's reader or writer thread, or tokio's
/// blocking pool for phase changes), never on a runtime worker, so a hook that waits holds
/// only its own operation. A hook that blocks must give up once the operation is
/// cancelled, or an abort waits for it.
pub trait EngineHooks: Send + Sync {
    /// The operation entered `phase`.
    fn on_phase(&self, _phase: Phase) {}
    /// A chunk of `file` starting at byte `offset` was read (backup), written (restore)
    /// or checked (verify; `file` is then the path inside the node).
    fn on_chunk(&self, _file: &Path, _offset: u64) {}
    /// A backup is written and validated; its status marker (the commit) comes next.
    /// The last point at which a cancellation still aborts the backup.
    fn before_status_marker(&self) {}
}

/// Counters of one operation; share it as `Arc<Progress>` between the engine and readers.
pub struct Progress {
    phase: AtomicU8,
    bytes_done: AtomicU64,
    bytes_total: AtomicU64,
    files_done: AtomicU64,
    files_total: AtomicU64,
    started: Instant,
    /// Nanoseconds after `started` when the write phase began (0: not yet), for the rate.
    write_started_ns: AtomicU64,
    finished: AtomicBool,
    high_water: AtomicU8,
    hooks: Option<Arc<dyn EngineHooks>>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("snapshot", &self.snapshot())
            .finish()
    }
}

/// A consistent-enough view of a [`Progress`], computed on read.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressSnapshot {
    /// Current phase.
    pub phase: Phase,
    /// Bytes processed in the write phase.
    pub bytes_done: u64,
    /// Bytes the write phase will process.
    pub bytes_total: u64,
    /// Files processed.
    pub files_done: u64,
    /// Files the write phase will process.
    pub files_total: u64,
    /// 0..=100; 100 only once finished successfully; never decreases.
    pub percent: u8,
    /// Throughput of the write phase in MB/s (10^6 bytes).
    pub rate_mb_s: f64,
    /// Estimated seconds left in the write phase, when a rate is known.
    pub eta_secs: Option<u64>,
    /// Time since the operation started.
    pub elapsed: Duration,
    /// Whether the engine finished successfully.
    pub finished: bool,
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress {
    /// Fresh counters, started now, without hooks.
    pub fn new() -> Self {
        Self {
            phase: AtomicU8::new(Phase::Pending as u8),
            bytes_done: AtomicU64::new(0),
            bytes_total: AtomicU64::new(0),
            files_done: AtomicU64::new(0),
            files_total: AtomicU64::new(0),
            started: Instant::now(),
            write_started_ns: AtomicU64::new(0),
            finished: AtomicBool::new(false),
            high_water: AtomicU8::new(0),
            hooks: None,
        }
    }

    /// Fresh counters that call `hooks` at phase changes and chunks.
    pub fn with_hooks(hooks: Arc<dyn EngineHooks>) -> Self {
        Self {
            hooks: Some(hooks),
            ..Self::new()
        }
    }

    /// Enters `phase` (also usable by callers, e.g. for [`Phase::CleanUp`]) and calls
    /// the hooks.
    pub async fn set_phase(&self, phase: Phase) {
        // A verify has no write phase: its byte-moving phase is `Verify`, which a restore
        // enters only after writing (its clock then runs already).
        let moving = matches!(phase, Phase::Write | Phase::Verify);
        if moving && self.write_started_ns.load(Relaxed) == 0 {
            let ns = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.write_started_ns.store(ns.max(1), Relaxed);
        }
        self.phase.store(phase as u8, Relaxed);
        self.call_hooks(move |h| h.on_phase(phase)).await;
    }

    pub(crate) async fn before_status_marker(&self) {
        self.call_hooks(|h| h.before_status_marker()).await;
    }

    /// Runs a hook from async engine code on the blocking pool: a hook may block on
    /// purpose, and on a runtime worker that could stall every task of the daemon.
    /// Without hooks nothing is spawned.
    async fn call_hooks(&self, call: impl FnOnce(&dyn EngineHooks) + Send + 'static) {
        let Some(hooks) = self.hooks.clone() else {
            return;
        };
        if let Err(e) = tokio::task::spawn_blocking(move || call(&*hooks)).await {
            tracing::error!("an engine hook panicked or was cancelled: {e}");
        }
    }

    pub(crate) fn set_totals(&self, bytes: u64, files: u64) {
        self.bytes_total.store(bytes, Relaxed);
        self.files_total.store(files, Relaxed);
    }

    pub(crate) fn add_bytes(&self, n: u64) {
        self.bytes_done.fetch_add(n, Relaxed);
    }

    pub(crate) fn add_file(&self) {
        self.files_done.fetch_add(1, Relaxed);
    }

    pub(crate) fn chunk(&self, file: &Path, offset: u64) {
        if let Some(h) = &self.hooks {
            h.on_chunk(file, offset);
        }
    }

    /// Marks the operation finished successfully: percent becomes 100.
    pub(crate) async fn finish(&self) {
        self.finished.store(true, Relaxed);
        self.set_phase(Phase::Done).await;
    }

    /// Computes the current view.
    pub fn snapshot(&self) -> ProgressSnapshot {
        let finished = self.finished.load(Relaxed);
        let bytes_done = self.bytes_done.load(Relaxed);
        let bytes_total = self.bytes_total.load(Relaxed);
        let percent = if finished {
            100
        } else if bytes_total == 0 {
            0
        } else {
            let p = u128::from(bytes_done.min(bytes_total)) * 100 / u128::from(bytes_total);
            u8::try_from(p.min(99)).unwrap_or(99)
        };
        let percent = self.high_water.fetch_max(percent, Relaxed).max(percent);
        let elapsed = self.started.elapsed();
        let write_ns = self.write_started_ns.load(Relaxed);
        let writing = elapsed.saturating_sub(Duration::from_nanos(write_ns));
        let secs = writing.as_secs_f64();
        let rate = if write_ns > 0 && secs > 0.0 {
            bytes_done as f64 / secs
        } else {
            0.0
        };
        let eta_secs = (rate > 0.0 && !finished)
            .then(|| (bytes_total.saturating_sub(bytes_done) as f64 / rate).ceil() as u64);
        ProgressSnapshot {
            phase: Phase::from_u8(self.phase.load(Relaxed)),
            bytes_done,
            bytes_total,
            files_done: self.files_done.load(Relaxed),
            files_total: self.files_total.load(Relaxed),
            percent,
            rate_mb_s: rate / 1e6,
            eta_secs,
            elapsed,
            finished,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn percent_is_capped_below_100_until_finished_and_never_decreases() {
        let p = Progress::new();
        assert_eq!(p.snapshot().percent, 0);
        p.set_totals(200, 2);
        p.set_phase(Phase::Write).await;
        p.add_bytes(100);
        assert_eq!(p.snapshot().percent, 50);
        p.add_bytes(100);
        assert_eq!(p.snapshot().percent, 99);
        p.set_totals(1000, 2); // a caller re-fixing totals must not move the bar back
        assert_eq!(p.snapshot().percent, 99);
        p.finish().await;
        let s = p.snapshot();
        assert_eq!((s.percent, s.phase, s.finished), (100, Phase::Done, true));
    }
}
