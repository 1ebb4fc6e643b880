//! Monitoring facts as plain numbers, so that `jobs` needs no metrics crate; the daemon
//! renders them as Prometheus metrics.
//!
//! - Counters since the daemon started: [`JobCounters`], [`OperationCounters`].
//! - Facts computed from the catalogue and the supervisor when scraped: [`snapshot`].

use std::collections::BTreeMap;
use std::sync::Mutex;

use confd_storage::records::{OperationKind, OperationState};

use crate::error::JobError;
use crate::services::Services;

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

/// Databases and volumes as monitoring sees them at one moment ([`snapshot`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MonitoringSnapshot {
    /// One entry per database, in catalogue order.
    pub databases: Vec<DatabaseStats>,
    /// One entry per archive volume, in catalogue order.
    pub volumes: Vec<VolumeStats>,
}

/// Monitoring facts of one database.
#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseStats {
    /// Database name.
    pub name: String,
    /// Commit time (Unix seconds) of the newest committed backup in the catalogue: the
    /// last successful backup. `None` when the database has no backup.
    pub last_success: Option<i64>,
    /// True while a backup (not a restore) of the database runs.
    pub backup_running: bool,
    /// The last backup, restore or verify, when it has ended.
    pub last_operation: Option<LastOperation>,
    /// The newest verify that ran to its end on any backup of the database.
    pub last_verify: Option<LastVerify>,
}

/// When the database's newest completed verify ended, and what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastVerify {
    /// End, Unix seconds.
    pub at: i64,
    /// True when the backup and its chain were intact.
    pub ok: bool,
}

/// The last ended backup, restore or verify of a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastOperation {
    /// Backup, restore or verify.
    pub kind: OperationKind,
    /// Seconds from start to end.
    pub duration_secs: i64,
}

/// Monitoring facts of one archive volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VolumeStats {
    /// Volume ID.
    pub id: u32,
    /// Volume name.
    pub name: String,
    /// Bytes of the catalogued backups on the volume: data and manifests as their status
    /// markers record them (no listing of the volume, so a scrape stays cheap).
    pub used_bytes: u64,
}

/// Computes the per-database and per-volume facts from the catalogue and the supervisor.
pub fn snapshot(services: &Services) -> Result<MonitoringSnapshot, JobError> {
    let catalog = &services.catalog;
    let backups = catalog.backups()?;
    let verifies = catalog.verifies()?;
    let mut databases = Vec::new();
    for db in catalog.databases()? {
        let last_success = backups
            .iter()
            .filter(|b| b.marker.db == db.name)
            .map(|b| b.marker.committed_at)
            .max();
        let backup_running = services.backups.running(&db.name) == Some(OperationKind::Backup);
        let last_operation = catalog.operation(&db.name)?.and_then(|op| {
            op.finished.map(|end| LastOperation {
                kind: op.kind,
                duration_secs: end - op.started,
            })
        });
        let last_verify = verifies
            .iter()
            .filter(|v| v.db == db.name)
            .max_by_key(|v| v.at)
            .map(|v| LastVerify {
                at: v.at,
                ok: v.ok(),
            });
        databases.push(DatabaseStats {
            name: db.name,
            last_success,
            backup_running,
            last_operation,
            last_verify,
        });
    }
    let volumes = catalog
        .volumes()?
        .into_iter()
        .map(|v| VolumeStats {
            used_bytes: backups
                .iter()
                .filter(|b| b.volume_id == v.id)
                .map(|b| b.marker.stored_bytes())
                .sum(),
            id: v.id,
            name: v.name,
        })
        .collect();
    Ok(MonitoringSnapshot { databases, volumes })
}
