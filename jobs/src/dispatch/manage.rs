//! The job-management calls of the [`Dispatcher`]: `job_start` (run in the background),
//! `job_wait`, `job_result`, `job_finished`, `job_info` and `job_stop`, and reading job
//! records by job ID.

use std::sync::Arc;

use confd_storage::records::{JobRecord, JobState};
use serde::Serialize;
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::AbortHandle;
use tracing::Instrument as _;

use super::{Dispatcher, JobOutcome, now_ms};
use crate::error::JobError;
use crate::job::{Caller, Effect};
use crate::result_code::ResultCode;

/// A job between submission and its final record: its real record (name, user,
/// parameters with secrets masked), and for jobs started with `job_start` the channel its
/// result arrives on and its task.
pub(super) struct LiveJob {
    record: JobRecord,
    started: Option<Started>,
}

/// What `job_info` shows of a job.
#[derive(Debug, Clone, Serialize)]
pub struct JobInfo {
    /// `<epoch>.<seq>`.
    pub id: String,
    /// Job name.
    pub name: String,
    /// Who called it.
    pub user: String,
    /// Its parameters, secrets masked.
    pub params: Value,
    /// `executed`, `finished`, `failed`.
    pub state: &'static str,
    /// Result code once finished.
    pub result_code: Option<i32>,
    /// Result name once finished.
    pub result_name: Option<String>,
    /// Result description once finished.
    pub result_desc: Option<String>,
    /// `YYYY-MM-DD hh:mm:ss` (UTC).
    pub submitted: String,
    /// `YYYY-MM-DD hh:mm:ss` (UTC) once finished.
    pub finished: Option<String>,
}

/// What `job_start` keeps of a job it started.
pub(super) struct Started {
    done: watch::Receiver<Option<JobOutcome>>,
    abort: Option<AbortHandle>,
}

impl LiveJob {
    pub(super) fn new(record: JobRecord, started: Option<Started>) -> Self {
        LiveJob { record, started }
    }
}

impl JobOutcome {
    fn from_record(r: &JobRecord) -> Option<Self> {
        let name = r.result_name.as_deref()?;
        Some(JobOutcome {
            job_id: r.id(),
            code: ResultCode::from_name(name).unwrap_or(ResultCode::Error),
            desc: r.result_desc.clone().unwrap_or_default(),
            output: r.output.clone(),
            revision: r.revision,
        })
    }
}

impl Dispatcher {
    /// Starts a job by name in the background (`job_start`) and returns its job ID at
    /// once; its record is there from this moment on.
    pub fn start(self: &Arc<Self>, name: &str, params: Option<Value>, caller: &Caller) -> String {
        let (tx, rx) = watch::channel(None);
        let started = Started {
            done: rx,
            abort: None,
        };
        let submission = self.submit(name, params, caller, Some(started));
        let seq = submission.seq;
        let body = self.body_by_name(name);
        let this = self.clone();
        // Under the lock, so the task cannot finish (and leave) before its handle is kept.
        let mut live = self.lock();
        let span = self.span(&submission);
        let task = tokio::spawn(
            async move {
                let (outcome, _) = this.run(submission, body).await;
                let _ = tx.send(Some(outcome));
            }
            .instrument(span),
        );
        if let Some(started) = live.get_mut(&seq).and_then(|j| j.started.as_mut()) {
            started.abort = Some(task.abort_handle());
        }
        self.job_id(seq)
    }

    /// Writes the final record of a job and ends its live record, unless `job_stop`
    /// ended it first: whoever removes the live record writes the final one.
    pub(super) fn finish(&self, seq: u64, outcome: &JobOutcome) {
        let record = {
            let mut live = self.lock();
            let Some(job) = live.get_mut(&seq) else {
                return;
            };
            let record = &mut job.record;
            record.state = JobState::Finished;
            record.result_code = Some(outcome.code.number());
            record.result_name = Some(outcome.code.name().into());
            record.result_desc = Some(outcome.desc.clone());
            record.output = outcome.output.clone();
            record.revision = outcome.revision;
            record.finished_ms = Some(now_ms());
            record.clone()
        };
        // Written outside the lock every call takes, so concurrent calls (16 progress
        // pollers) do not queue behind each other's catalogue write. The live entry, already
        // finished, answers `job_info` until the record is on file.
        self.persist(&record);
        self.lock().remove(&seq);
    }

    /// The live record of a running job.
    pub(super) fn live_record(&self, seq: u64) -> Option<JobRecord> {
        self.lock().get(&seq).map(|j| j.record.clone())
    }

    /// Waits for a job to finish (`job_wait`).
    pub async fn wait(&self, job_id: &str, caller: &Caller) -> Result<JobOutcome, JobError> {
        self.readable(job_id, caller, "job_wait")?;
        let seq = self.own_seq(job_id)?;
        let receiver = self
            .lock()
            .get(&seq)
            .and_then(|j| j.started.as_ref())
            .map(|s| s.done.clone());
        if let Some(mut rx) = receiver
            && let Ok(done) = rx.wait_for(Option::is_some).await
            && let Some(outcome) = done.clone()
        {
            return Ok(outcome);
        }
        self.result(job_id, caller)
    }

    /// The result of a finished job (`job_result`); `WRONG_STATE` while it runs.
    pub fn result(&self, job_id: &str, caller: &Caller) -> Result<JobOutcome, JobError> {
        let record = self.readable(job_id, caller, "job_result")?;
        JobOutcome::from_record(&record)
            .ok_or_else(|| JobError::WrongState(format!("Job {job_id} has not finished yet")))
    }

    /// True when the job has a result (`job_finished`).
    pub fn finished(&self, job_id: &str, caller: &Caller) -> Result<bool, JobError> {
        Ok(matches!(
            self.readable(job_id, caller, "job_finished")?.state,
            JobState::Finished | JobState::Failed
        ))
    }

    /// The job record (`job_info`); parameters have secrets removed.
    pub fn info(&self, job_id: &str, caller: &Caller) -> Result<JobInfo, JobError> {
        let r = self.readable(job_id, caller, "job_info")?;
        Ok(JobInfo {
            id: r.id(),
            state: r.state.as_str(),
            submitted: format_ms(r.submitted_ms),
            finished: r.finished_ms.map(format_ms),
            name: r.name,
            user: r.user,
            params: r.params,
            result_code: r.result_code,
            result_name: r.result_name,
            result_desc: r.result_desc,
        })
    }

    /// The record of a job the caller may read: its own, or any for root and `exaadm`
    /// (a job's parameters are its caller's business).
    fn readable(&self, job_id: &str, caller: &Caller, what: &str) -> Result<JobRecord, JobError> {
        let record = self.record(job_id)?;
        let admin = caller.groups.iter().any(|g| g == "root" || g == "exaadm");
        if record.user != caller.user && !admin {
            return Err(JobError::PermissionDenied {
                user: caller.user.clone(),
                job: format!("{what} {}", crate::echo::Shown(job_id)),
            });
        }
        Ok(record)
    }

    /// Stops a job started with `job_start` that is still running (`job_stop`): only
    /// its own user or root may, and only a job that changes nothing.
    pub fn stop(&self, job_id: &str, caller: &Caller) -> Result<(), JobError> {
        let seq = self.own_seq(job_id)?;
        let mut live = self.lock();
        let Some(job) = live.get(&seq) else {
            drop(live);
            self.record(job_id)?;
            return Err(JobError::WrongState(format!(
                "Job {job_id} has already finished"
            )));
        };
        let record = &job.record;
        if record.user != caller.user && !caller.groups.iter().any(|g| g == "root") {
            return Err(JobError::PermissionDenied {
                user: caller.user.clone(),
                job: format!("job_stop {job_id}"),
            });
        }
        let read_only = self
            .registry
            .get(&record.name)
            .is_none_or(|e| e.meta.spec.effect == Effect::ReadOnly);
        if !read_only {
            return Err(JobError::WrongState(format!(
                "Job {job_id} ({}) changes state and cannot be stopped half-way; it finishes on its own",
                record.name
            )));
        }
        let Some(abort) = job.started.as_ref().and_then(|s| s.abort.clone()) else {
            return Err(JobError::WrongState(format!(
                "Job {job_id} was not started with job_start; only such jobs can be stopped"
            )));
        };
        let Some(LiveJob { mut record, .. }) = live.remove(&seq) else {
            return Ok(());
        };
        abort.abort();
        record.state = JobState::Failed;
        record.result_code = Some(ResultCode::Error.number());
        record.result_name = Some(ResultCode::Error.name().into());
        record.result_desc = Some("Job was stopped by the user".into());
        record.finished_ms = Some(now_ms());
        self.services.catalog.put_job(&record)?;
        Ok(())
    }

    fn record(&self, job_id: &str) -> Result<JobRecord, JobError> {
        let (epoch, seq) = parse_job_id(job_id)?;
        let live = (epoch == self.epoch)
            .then(|| self.live_record(seq))
            .flatten();
        let record = match live {
            Some(record) => Some(record),
            None => self.services.catalog.job(epoch, seq)?,
        };
        record.ok_or_else(|| JobError::NotFound(format!("Job {job_id} does not exist")))
    }

    fn own_seq(&self, job_id: &str) -> Result<u64, JobError> {
        let (epoch, seq) = parse_job_id(job_id)?;
        Ok(if epoch == self.epoch { seq } else { 0 })
    }
}

fn parse_job_id(job_id: &str) -> Result<(u64, u64), JobError> {
    job_id
        .split_once('.')
        .and_then(|(e, s)| Some((e.parse().ok()?, s.parse().ok()?)))
        .ok_or_else(|| {
            JobError::invalid(
                "job_id",
                format!(
                    "'{}' is not a job ID of the form <number>.<number>",
                    crate::echo::Shown(job_id)
                ),
            )
        })
}

fn format_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}
