//! The job-management calls of the [`Dispatcher`]: `job_start` (run in the background),
//! `job_wait`, `job_result`, `job_finished`, `job_info` and `job_stop`, and reading job
//! records by job ID.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use confd_storage::records::{JobRecord, JobState};
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::AbortHandle;

use super::{Dispatcher, JobOutcome, now_ms};
use crate::error::JobError;
use crate::job::{Caller, Effect};
use crate::result_code::ResultCode;

/// A job started with `job_start` that has not ended: its result channel and its task.
pub(super) struct Running {
    done: watch::Receiver<Option<JobOutcome>>,
    abort: Option<AbortHandle>,
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
    /// Starts a job in the background (`job_start`) and returns its job ID at once.
    pub fn start(self: &Arc<Self>, name: &str, params: Option<Value>, caller: &Caller) -> String {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = watch::channel(None);
        let this = self.clone();
        let (name, caller) = (name.to_owned(), caller.clone());
        let mut running = self.lock();
        let task = tokio::spawn(async move {
            let outcome = this.run(seq, &name, params, &caller).await;
            this.lock().remove(&seq);
            let _ = tx.send(Some(outcome));
        });
        running.insert(
            seq,
            Running {
                done: rx,
                abort: Some(task.abort_handle()),
            },
        );
        self.job_id(seq)
    }

    /// Waits for a job to finish (`job_wait`).
    pub async fn wait(&self, job_id: &str) -> Result<JobOutcome, JobError> {
        let seq = self.own_seq(job_id)?;
        let receiver = self.lock().get(&seq).map(|r| r.done.clone());
        if let Some(mut rx) = receiver
            && let Ok(done) = rx.wait_for(Option::is_some).await
            && let Some(outcome) = done.clone()
        {
            return Ok(outcome);
        }
        self.result(job_id)
    }

    /// The result of a finished job (`job_result`); `WRONG_STATE` while it runs.
    pub fn result(&self, job_id: &str) -> Result<JobOutcome, JobError> {
        let record = self.record(job_id)?;
        JobOutcome::from_record(&record)
            .ok_or_else(|| JobError::WrongState(format!("Job {job_id} has not finished yet")))
    }

    /// True when the job has a result (`job_finished`).
    pub fn finished(&self, job_id: &str) -> Result<bool, JobError> {
        Ok(matches!(
            self.record(job_id)?.state,
            JobState::Finished | JobState::Failed
        ))
    }

    /// The job record as a structure (`job_info`); parameters have secrets removed.
    pub fn info(&self, job_id: &str) -> Result<Value, JobError> {
        let r = self.record(job_id)?;
        Ok(json!({
            "id": r.id(),
            "name": r.name,
            "user": r.user,
            "params": r.params,
            "state": r.state.as_str(),
            "result_code": r.result_code,
            "result_name": r.result_name,
            "result_desc": r.result_desc,
            "submitted": format_ms(r.submitted_ms),
            "finished": r.finished_ms.map(format_ms),
        }))
    }

    /// Stops a job started with `job_start` that is still running (`job_stop`).
    pub fn stop(&self, job_id: &str, caller: &Caller) -> Result<(), JobError> {
        let seq = self.own_seq(job_id)?;
        let record = self.record(job_id)?;
        if record.user != caller.user && !caller.groups.iter().any(|g| g == "root") {
            return Err(JobError::PermissionDenied {
                user: caller.user.clone(),
                job: format!("job_stop {job_id}"),
            });
        }
        let stoppable = self
            .registry
            .get(&record.name)
            .is_none_or(|e| e.spec.effect == Effect::ReadOnly);
        if !stoppable && self.lock().contains_key(&seq) {
            return Err(JobError::WrongState(format!(
                "Job {job_id} ({}) changes state and cannot be stopped half-way; it finishes on its own",
                record.name
            )));
        }
        let handle = self.lock().remove(&seq).and_then(|r| r.abort);
        match handle {
            Some(abort) => {
                abort.abort();
                let mut record = record;
                record.state = JobState::Failed;
                record.result_code = Some(ResultCode::Error.number());
                record.result_name = Some(ResultCode::Error.name().into());
                record.result_desc = Some("Job was stopped by the user".into());
                record.finished_ms = Some(now_ms());
                self.services.catalog.put_job(&record)?;
                Ok(())
            }
            None => Err(JobError::WrongState(format!(
                "Job {job_id} has already finished"
            ))),
        }
    }

    fn record(&self, job_id: &str) -> Result<JobRecord, JobError> {
        let (epoch, seq) = parse_job_id(job_id)?;
        self.services
            .catalog
            .job(epoch, seq)?
            .or_else(|| {
                (epoch == self.epoch && self.lock().contains_key(&seq)).then(|| pending(epoch, seq))
            })
            .ok_or_else(|| JobError::NotFound(format!("Job {job_id} does not exist")))
    }

    fn own_seq(&self, job_id: &str) -> Result<u64, JobError> {
        let (epoch, seq) = parse_job_id(job_id)?;
        Ok(if epoch == self.epoch { seq } else { 0 })
    }
}

fn pending(epoch: u64, seq: u64) -> JobRecord {
    JobRecord {
        epoch,
        seq,
        name: String::new(),
        user: String::new(),
        params: Value::Null,
        state: JobState::Submitted,
        result_code: None,
        result_name: None,
        result_desc: None,
        output: None,
        revision: None,
        submitted_ms: now_ms(),
        finished_ms: None,
    }
}

fn parse_job_id(job_id: &str) -> Result<(u64, u64), JobError> {
    job_id
        .split_once('.')
        .and_then(|(e, s)| Some((e.parse().ok()?, s.parse().ok()?)))
        .ok_or_else(|| {
            JobError::invalid(
                "job_id",
                format!("'{job_id}' is not a job ID of the form <number>.<number>"),
            )
        })
}

fn format_ms(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}
