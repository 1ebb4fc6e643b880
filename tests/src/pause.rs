//! Breakpoints for end-to-end tests (style 2.6 and 4.6): hold a backup, restore or verify of the
//! in-process daemon at a named point, act while it certainly runs, then let it go. Built
//! on the daemon's engine hooks, so no test depends on the size of the data or on timing.
//!
//! ```no_run
//! # use confd_tests::{Pause, PausePoint, TestDaemon};
//! let d = TestDaemon::start();
//! let gate = d.pause(Pause::backup(PausePoint::AfterChunks(2)));
//! // ... start a backup through any client ...
//! gate.wait_reached();
//! // ... progress, abort, delete: the backup is running now ...
//! gate.release();
//! ```

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use confd_jobs::supervisor::OperationHooks;
use confd_storage::engine::EngineHooks;
pub use confd_storage::engine::Phase;
use confd_storage::records::{OperationKind, OperationRecord};
use tokio_util::sync::CancellationToken;

/// How long [`Gate::wait_reached`] waits: far longer than any test operation takes; it
/// only turns a broken test into a failure instead of a hang.
const REACH_TIMEOUT: Duration = Duration::from_secs(120);

/// Where an operation is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PausePoint {
    /// After the n-th chunk (from 1, over all nodes) was read (backup), written
    /// (restore) or checked (verify): the write (verify) phase is under way.
    AfterChunks(u64),
    /// On entering a phase, before its work: `Phase::Write` (scan done, nothing read yet),
    /// `Phase::Validate` (data and manifests written), ...
    Entering(Phase),
    /// The backup is validated and its status marker (the commit) is not written yet.
    BeforeStatusMarker,
}

/// Which operation to hold, and where: the `nth` (from 1) backup or restore, of one
/// database if given, that starts after the pause is armed.
#[derive(Debug, Clone)]
pub struct Pause {
    kind: OperationKind,
    db: Option<String>,
    nth: usize,
    point: PausePoint,
}

impl Pause {
    /// The next backup, held at `point`.
    pub fn backup(point: PausePoint) -> Self {
        Self::new(OperationKind::Backup, point)
    }

    /// The next restore, held at `point`.
    pub fn restore(point: PausePoint) -> Self {
        Self::new(OperationKind::Restore, point)
    }

    /// The next verify, held at `point` (`AfterChunks` counts chunks checked).
    pub fn verify(point: PausePoint) -> Self {
        Self::new(OperationKind::Verify, point)
    }

    /// Only operations of database `db`.
    pub fn of_db(mut self, db: &str) -> Self {
        self.db = Some(db.to_owned());
        self
    }

    /// The `n`-th matching operation (from 1) instead of the next one.
    pub fn nth(mut self, n: usize) -> Self {
        self.nth = n.max(1);
        self
    }

    fn new(kind: OperationKind, point: PausePoint) -> Self {
        Pause {
            kind,
            db: None,
            nth: 1,
            point,
        }
    }

    fn matches(&self, op: &OperationRecord) -> bool {
        op.kind == self.kind && self.db.as_ref().is_none_or(|db| *db == op.db)
    }

    fn describe(&self) -> String {
        let kind = match self.kind {
            OperationKind::Backup => "backup",
            OperationKind::Restore => "restore",
            OperationKind::Verify => "verify",
        };
        let db = self
            .db
            .as_ref()
            .map(|d| format!(" of {d}"))
            .unwrap_or_default();
        format!("{kind} no. {}{db} held at {:?}", self.nth, self.point)
    }
}

/// The test's handle on one armed pause. Dropping it releases the operation, so a test
/// that fails half way never leaves one held.
pub struct Gate {
    state: Arc<GateState>,
    what: String,
}

impl Gate {
    /// Blocks until the operation is held at its point. Panics, naming the pause, if the
    /// operation ended without getting there, or after a generous timeout.
    pub fn wait_reached(&self) {
        let flags = self.state.lock();
        let (flags, _) = self
            .state
            .changed
            .wait_timeout_while(flags, REACH_TIMEOUT, |f| !f.reached && !f.ended)
            .unwrap_or_else(PoisonError::into_inner);
        assert!(
            flags.reached || !flags.ended,
            "the operation ended without reaching the pause: {}",
            self.what
        );
        assert!(
            flags.reached,
            "no operation reached the pause within {REACH_TIMEOUT:?}: {}",
            self.what
        );
    }

    /// Whether the operation is (or was) held at its point; does not wait.
    pub fn reached(&self) -> bool {
        self.state.lock().reached
    }

    /// Lets the held operation go on; released before it arrives, it does not stop.
    pub fn release(&self) {
        self.state.released.cancel();
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.release();
    }
}

#[derive(Default)]
struct GateState {
    flags: Mutex<Flags>,
    changed: Condvar,
    released: CancellationToken,
}

#[derive(Default)]
struct Flags {
    reached: bool,
    ended: bool,
}

impl GateState {
    fn lock(&self) -> MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn mark(&self, change: impl FnOnce(&mut Flags)) {
        change(&mut self.lock());
        self.changed.notify_all();
    }

    /// Called on an engine thread that may block (never a runtime worker). An abort or
    /// the daemon's shutdown cancels `op`, which ends the hold as a release does, so
    /// both work on a held operation.
    fn hold(&self, op: &CancellationToken) {
        self.mark(|f| f.reached = true);
        futures::executor::block_on(async {
            tokio::select! {
                biased;
                () = self.released.cancelled() => {}
                () = op.cancelled() => {}
            }
        });
    }
}

/// The [`OperationHooks`] of a [`TestDaemon`](crate::TestDaemon): the armed pauses,
/// matched against every operation that starts.
#[derive(Default)]
pub(crate) struct Breakpoints {
    armed: Mutex<Vec<Armed>>,
}

struct Armed {
    pause: Pause,
    seen: usize,
    state: Arc<GateState>,
}

impl Breakpoints {
    pub(crate) fn arm(&self, pause: Pause) -> Gate {
        let state = Arc::new(GateState::default());
        let what = pause.describe();
        self.lock().push(Armed {
            pause,
            seen: 0,
            state: state.clone(),
        });
        Gate { state, what }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Armed>> {
        self.armed.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl OperationHooks for Breakpoints {
    fn hooks_for(
        &self,
        op: &OperationRecord,
        cancel: &CancellationToken,
    ) -> Option<Arc<dyn EngineHooks>> {
        let mut armed = self.lock();
        // A pause whose gate was dropped is over.
        armed.retain(|a| !a.state.released.is_cancelled());
        let mut points = Vec::new();
        armed.retain_mut(|a| {
            if !a.pause.matches(op) {
                return true;
            }
            a.seen += 1;
            if a.seen < a.pause.nth {
                return true;
            }
            points.push((a.pause.point, a.state.clone()));
            false
        });
        if points.is_empty() {
            return None;
        }
        Some(Arc::new(Held {
            points,
            chunks: AtomicU64::new(0),
            cancel: cancel.clone(),
        }))
    }
}

/// The engine hooks of one operation that has pauses.
struct Held {
    points: Vec<(PausePoint, Arc<GateState>)>,
    chunks: AtomicU64,
    cancel: CancellationToken,
}

impl Held {
    fn hold_at(&self, point: PausePoint) {
        for (p, state) in &self.points {
            if *p == point {
                state.hold(&self.cancel);
            }
        }
    }
}

impl EngineHooks for Held {
    fn on_phase(&self, phase: Phase) {
        self.hold_at(PausePoint::Entering(phase));
    }

    fn on_chunk(&self, _file: &std::path::Path, _offset: u64) {
        let n = self.chunks.fetch_add(1, Relaxed) + 1;
        self.hold_at(PausePoint::AfterChunks(n));
    }

    fn before_status_marker(&self) {
        self.hold_at(PausePoint::BeforeStatusMarker);
    }
}

impl Drop for Held {
    // The operation is over (its progress is gone): a test still waiting for a point it
    // never reached fails at once instead of at the timeout.
    fn drop(&mut self) {
        for (_, state) in &self.points {
            state.mark(|f| f.ended = true);
        }
    }
}
