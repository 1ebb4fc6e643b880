//! Claims: jobs that delete or rewrite backups take them under the same lock backups and
//! restores start under, so a delete can never interleave with an operation that reads
//! the same backups; and state changes of a database wait for its operation to end.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::{ActiveOperation, Supervisor};
use crate::chain::BackupKey;
use crate::error::JobError;

impl Supervisor {
    /// Claims backups for a job that deletes or rewrites them: refused when a running
    /// operation writes or reads one of them, or another job holds it. While the claim
    /// lives, no backup or restore can start on them. Checked and taken under the lock
    /// operations start under, so there is no window between the check and the work.
    /// The error is the first key in use.
    pub fn claim(&self, keys: Vec<BackupKey>) -> Result<Claim<'_>, BackupKey> {
        self.claim_with(keys, false)
    }

    /// Like [`claim`](Self::claim) for a rewrite that readers do not mind (a new expiry in
    /// the status marker): only other claims conflict.
    pub fn claim_for_rewrite(&self, keys: Vec<BackupKey>) -> Result<Claim<'_>, BackupKey> {
        self.claim_with(keys, true)
    }

    fn claim_with(&self, keys: Vec<BackupKey>, readers_ok: bool) -> Result<Claim<'_>, BackupKey> {
        let running = self.lock();
        let mut claimed = self.claimed_lock();
        let in_use = if readers_ok {
            HashSet::new()
        } else {
            protected_by(&running)
        };
        if let Some(k) = keys
            .iter()
            .find(|k| in_use.contains(*k) || claimed.contains(*k))
        {
            return Err(k.clone());
        }
        claimed.extend(keys.iter().cloned());
        Ok(Claim { sup: self, keys })
    }

    /// Runs `change` (a state change of database `db`) only while no backup or restore of
    /// it runs, under the lock operations start under.
    /// `busy` is the error when something runs; it is called under that lock, so it must
    /// not call back into the supervisor.
    pub fn while_idle<T>(
        &self,
        db: &str,
        busy: impl FnOnce() -> JobError,
        change: impl FnOnce() -> Result<T, JobError>,
    ) -> Result<T, JobError> {
        let running = self.lock();
        if running.contains_key(db) {
            return Err(busy());
        }
        let result = change();
        drop(running);
        result
    }

    pub(super) fn claimed_lock(&self) -> std::sync::MutexGuard<'_, HashSet<BackupKey>> {
        self.claimed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A claim on backups (see [`Supervisor::claim`]); released on drop.
pub struct Claim<'a> {
    sup: &'a Supervisor,
    keys: Vec<BackupKey>,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let mut claimed = self.sup.claimed_lock();
        for k in &self.keys {
            claimed.remove(k);
        }
    }
}

pub(super) fn protected_by(running: &HashMap<String, Arc<ActiveOperation>>) -> HashSet<BackupKey> {
    running
        .values()
        .flat_map(|r| {
            r.protected
                .iter()
                .cloned()
                .chain(std::iter::once((r.op.db.clone(), r.op.bid)))
        })
        .collect()
}

pub(super) fn refuse_if_claimed(
    claimed: &HashSet<BackupKey>,
    keys: &HashSet<BackupKey>,
) -> Result<(), JobError> {
    match keys.iter().find(|k| claimed.contains(*k)) {
        Some(k) => Err(JobError::Conflict(format!(
            "Backup {}/id_{} is being deleted or changed by another job",
            k.0, k.1
        ))),
        None => Ok(()),
    }
}
