//! The schedule runner: one task that sleeps until the next schedule falls due, then
//! starts its backup through the dispatcher (`db_backup_start`, as the user
//! `schedule:<name>`), so the run has a job record, progress and metrics like a manual
//! backup. The outcome of each run is stored on its schedule.
//!
//! Rules (spec 3.5): a run starts only while the database is running, else it is
//! skipped with the reason; while another operation of the database runs it is queued
//! once and starts when that ends; runs missed while the daemon was down are not caught
//! up (the runner starts counting at its own start).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use confd_storage::records::{DbState, OperationState, RunOutcome, ScheduleRecord, ScheduleRun};
use jiff::Timestamp;
use tokio_util::sync::CancellationToken;

use super::cron::next_after;
use crate::dispatch::Dispatcher;
use crate::job::Caller;
use crate::job::db_backup_start::{DB, DbBackupStart, EXPIRE, LEVEL, VOLUME};
use crate::params::CallParams;
use crate::result_code::ResultCode;
use crate::services::Services;

/// How long the runner sleeps when no schedule is enabled (a change wakes it earlier).
const IDLE_SLEEP: Duration = Duration::from_secs(3600);

/// Starts the runner; it ends when `stop` is cancelled.
pub fn spawn(dispatcher: Arc<Dispatcher>, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
    let runner = Arc::new(Runner {
        services: dispatcher.services().clone(),
        dispatcher,
        queued: Mutex::default(),
    });
    tokio::spawn(runner.run(stop))
}

struct Runner {
    dispatcher: Arc<Dispatcher>,
    services: Arc<Services>,
    /// Schedules waiting for another operation to end: one entry each, so a schedule
    /// that falls due again meanwhile does not pile up.
    queued: Mutex<HashSet<(String, String)>>,
}

impl Runner {
    async fn run(self: Arc<Self>, stop: CancellationToken) {
        let mut checked = Timestamp::now();
        loop {
            let before = self.enabled_schedules();
            let next = before
                .iter()
                .filter_map(|s| self.next_run(s, checked))
                .min();
            let sleep = next.map_or(IDLE_SLEEP, |at| {
                (at - Timestamp::now()).try_into().unwrap_or(Duration::ZERO)
            });
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.services.schedules.wait_for_change() => {}
                () = tokio::time::sleep(sleep) => {}
            }
            let now = Timestamp::now();
            // Only schedules that were already there, unchanged, can be due: a schedule
            // added or changed now starts counting now (its earlier slots are not caught
            // up), and one disabled or removed meanwhile does not run.
            for s in self.enabled_schedules() {
                let known = before
                    .iter()
                    .any(|b| b.db == s.db && b.name == s.name && b.cron == s.cron);
                let due = self.next_run(&s, checked).filter(|due| *due <= now);
                if let (true, Some(due)) = (known, due) {
                    tokio::spawn(self.clone().fire(s, due));
                }
            }
            checked = now;
        }
    }

    fn enabled_schedules(&self) -> Vec<ScheduleRecord> {
        match self.services.catalog.schedules() {
            Ok(all) => all.into_iter().filter(|s| s.enabled).collect(),
            Err(e) => {
                tracing::error!("reading the schedules failed: {e}");
                Vec::new()
            }
        }
    }

    /// The first time after `after` the schedule falls due, in the schedules' zone.
    fn next_run(&self, s: &ScheduleRecord, after: Timestamp) -> Option<Timestamp> {
        let zone = self.services.schedules.time_zone();
        next_after(&s.cron, &after.to_zoned(zone)).map(|z| z.timestamp())
    }

    /// One run of `s`, due at `due`: skipped, queued, started, and then its outcome.
    async fn fire(self: Arc<Self>, s: ScheduleRecord, due: Timestamp) {
        let at = due.as_second();
        let key = (s.db.clone(), s.name.clone());
        loop {
            // Read again on every try: a queued run of a schedule disabled or removed
            // meanwhile ends here, and one whose database stopped is skipped.
            let Some(s) = self.current(&s) else {
                return;
            };
            if let Err(outcome) = self.database_running(&s.db) {
                return self.record(&s, at, outcome);
            }
            match self.start(&s).await {
                Ok(job_id) => {
                    self.record(&s, at, RunOutcome::Running(job_id.clone()));
                    self.services.backups.idle(&s.db).await;
                    return self.record(&s, at, self.ended(&s.db, &job_id));
                }
                Err((ResultCode::Conflict, _))
                    if self.services.backups.running(&s.db).is_some() =>
                {
                    if !self.lock_queued().insert(key.clone()) {
                        return;
                    }
                    self.record(&s, at, RunOutcome::Queued);
                    self.services.backups.idle(&s.db).await;
                    self.lock_queued().remove(&key);
                }
                Err((_, why)) => return self.record(&s, at, RunOutcome::Failed(why)),
            }
        }
    }

    /// The schedule as stored now, if it still exists and is enabled.
    fn current(&self, s: &ScheduleRecord) -> Option<ScheduleRecord> {
        match self.services.catalog.schedule(&s.db, &s.name) {
            Ok(found) => found.filter(|s| s.enabled),
            Err(e) => {
                tracing::error!(
                    db = s.db,
                    schedule = s.name,
                    "reading the schedule failed: {e}"
                );
                None
            }
        }
    }

    /// `Ok` while database `db` runs; else the outcome that says why the run is skipped.
    fn database_running(&self, db: &str) -> Result<(), RunOutcome> {
        match self.services.catalog.database(db) {
            Ok(Some(d)) if d.state == DbState::Running => Ok(()),
            Ok(Some(d)) => Err(RunOutcome::Skipped(format!(
                "database '{}' is not running (state: {})",
                d.name,
                d.state.as_str()
            ))),
            Ok(None) => Err(RunOutcome::Skipped(format!(
                "database '{db}' does not exist"
            ))),
            Err(e) => Err(RunOutcome::Failed(e.to_string())),
        }
    }

    /// Starts the schedule's backup; the error is the result code and description the
    /// job answered.
    async fn start(&self, s: &ScheduleRecord) -> Result<String, (ResultCode, String)> {
        let caller = Caller {
            user: format!("schedule:{}", s.name),
            uid: 0,
            groups: vec!["root".into()],
        };
        let params = CallParams::<DbBackupStart>::new()
            .set(&DB, s.db.clone())
            .set(&VOLUME.id, i64::from(s.volume_id))
            .set(&LEVEL, i64::from(s.level))
            .set_opt(&EXPIRE, s.expire_seconds);
        match self
            .dispatcher
            .exec_job::<DbBackupStart>(&caller, params)
            .await
        {
            Ok(done) => Ok(done.job_id),
            Err(outcome) => Err((outcome.code, outcome.desc)),
        }
    }

    /// What became of the backup job `job_id` started, once the database is idle.
    fn ended(&self, db: &str, job_id: &str) -> RunOutcome {
        match self.services.catalog.operation(db) {
            Ok(Some(op)) if op.job_id == job_id => match op.state {
                OperationState::Finished => RunOutcome::Succeeded(job_id.to_owned()),
                OperationState::Aborted => RunOutcome::Failed("the backup was aborted".into()),
                OperationState::Failed | OperationState::Running => RunOutcome::Failed(
                    op.error
                        .unwrap_or_else(|| "the backup did not finish".into()),
                ),
            },
            Ok(_) => RunOutcome::Failed("the backup's record is gone".into()),
            Err(e) => RunOutcome::Failed(e.to_string()),
        }
    }

    fn record(&self, s: &ScheduleRecord, at: i64, outcome: RunOutcome) {
        if let RunOutcome::Failed(why) | RunOutcome::Skipped(why) = &outcome {
            tracing::warn!(db = s.db, schedule = s.name, "scheduled backup: {why}");
        }
        let run = ScheduleRun { at, outcome };
        let stored = self
            .services
            .catalog
            .update_schedule(&s.db, &s.name, |r| r.last_run = Some(run.clone()));
        if let Err(e) = stored {
            tracing::error!(db = s.db, schedule = s.name, "recording a run failed: {e}");
        }
    }

    fn lock_queued(&self) -> std::sync::MutexGuard<'_, HashSet<(String, String)>> {
        self.queued.lock().unwrap_or_else(|p| p.into_inner())
    }
}
