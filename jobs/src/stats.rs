//! Counters since the daemon started, kept here as plain numbers so that `jobs` needs no
//! metrics crate; the daemon renders them as Prometheus metrics.

use std::collections::BTreeMap;
use std::sync::Mutex;

use confd_storage::records::{OperationKind, OperationState};

/// Calls per (job name, result name).
#[derive(Debug, Default)]
pub struct JobCounters(Mutex<BTreeMap<(String, &'static str), u64>>);

impl JobCounters {
    /// Counts one call of `job` that ended with `result`. Callers pass registered names
    /// only (the dispatcher folds the rest into `<unknown>`), which bounds the map.
    pub fn count(&self, job: &str, result: &'static str) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *map.entry((job.to_owned(), result)).or_default() += 1;
    }

    /// `((job, result), calls)`, sorted.
    pub fn snapshot(&self) -> Vec<((String, &'static str), u64)> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }
}

/// Ended operations per (database, kind, outcome), and bytes written by backups.
#[derive(Debug, Default)]
pub struct OperationCounters {
    ended: Mutex<BTreeMap<(String, OperationKind, OperationState), u64>>,
    backup_bytes: Mutex<BTreeMap<String, u64>>,
}

impl OperationCounters {
    /// Counts an operation that ended; `stored` = bytes a successful backup wrote.
    pub fn ended(&self, db: &str, kind: OperationKind, state: OperationState, stored: u64) {
        *self
            .ended
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((db.to_owned(), kind, state))
            .or_default() += 1;
        if kind == OperationKind::Backup {
            *self
                .backup_bytes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(db.to_owned())
                .or_default() += stored;
        }
    }

    /// `((db, kind, outcome), count)`.
    pub fn outcomes(&self) -> Vec<((String, OperationKind, OperationState), u64)> {
        self.ended
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }

    /// `(db, bytes written by backups)`.
    pub fn backup_bytes(&self) -> Vec<(String, u64)> {
        self.backup_bytes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    }
}
