//! The [`Dispatcher`]: gives every call a job ID and a job record, checks permissions and
//! parameters against the job's spec, and runs the job (catching panics). Edges call jobs
//! by name (XML-RPC: [`Dispatcher::exec`]) or by type (REST: [`Dispatcher::exec_job`]);
//! both take the same path, so records, checks and errors are the same. The
//! job-management calls (`job_start`, `job_wait`, `job_result`, `job_finished`,
//! `job_info`, `job_stop`) are in `manage`.

mod manage;
pub use manage::JobInfo;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use confd_storage::records::{JobRecord, JobState};
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::{Value, json};
use tracing::Instrument as _;

use crate::echo::{Shown, capped, shown};
use crate::error::JobError;
use crate::job::{Caller, Effect, Job};
use crate::params::{self, CallParams, ParamReader, ParamSpec};
use crate::registry::{self, JobMeta, Registry};
use crate::result_code::ResultCode;
use crate::services::Services;
use crate::stats::JobCounters;
use manage::LiveJob;

/// The outcome of one job call: what the result struct carries.
#[derive(Debug, Clone, PartialEq)]
pub struct JobOutcome {
    /// `<epoch>.<seq>`.
    pub job_id: String,
    /// Result code row.
    pub code: ResultCode,
    /// `result_desc`.
    pub desc: String,
    /// `result_output`, absent for jobs without output.
    pub output: Option<Value>,
    /// `result_revision`, present after a configuration change.
    pub revision: Option<u64>,
}

impl JobOutcome {
    /// An internal failure: the details go to the log, the client gets the job ID to
    /// look them up.
    fn internal(job_id: String) -> Self {
        JobOutcome {
            desc: format!("Internal error in job {job_id}; details are in the daemon log"),
            job_id,
            code: ResultCode::Error,
            output: None,
            revision: None,
        }
    }
}

/// A successful call of a job by type: its job ID and its typed output.
#[derive(Debug)]
pub struct Executed<O> {
    /// `<epoch>.<seq>`.
    pub job_id: String,
    /// The job's output.
    pub output: O,
}

/// A call accepted by the dispatcher: its sequence number, the job (if the name is
/// registered), the caller and the raw parameters. Its record is live from here on.
struct Submission {
    seq: u64,
    name: String,
    meta: Option<JobMeta>,
    caller: Caller,
    params: Option<Value>,
}

/// A job body with checked parameters: the wire form of its output, and the typed one
/// for callers by type.
type Body<O> = Box<
    dyn FnOnce(
            Arc<Services>,
            Caller,
            String,
            ParamReader,
        ) -> BoxFuture<'static, Result<(Value, O), JobError>>
        + Send,
>;

/// Runs jobs by name or by type for any edge (XML-RPC, REST).
pub struct Dispatcher {
    /// Calls per job and result since start, for monitoring.
    pub counters: JobCounters,
    registry: Registry,
    services: Arc<Services>,
    epoch: u64,
    seq: AtomicU64,
    /// Every job between submission and its final record.
    live: Mutex<HashMap<u64, LiveJob>>,
}

impl Dispatcher {
    /// A dispatcher for this daemon start (`epoch` from [`confd_storage::Catalog::next_epoch`]).
    pub fn new(services: Arc<Services>, epoch: u64) -> Self {
        Self::with_registry(services, epoch, registry::registry())
    }

    pub(crate) fn with_registry(services: Arc<Services>, epoch: u64, registry: Registry) -> Self {
        Dispatcher {
            counters: JobCounters::default(),
            registry,
            services,
            epoch,
            seq: AtomicU64::new(0),
            live: Mutex::new(HashMap::new()),
        }
    }

    /// The shared services.
    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Runs a job by name to completion (`job_exec`). Job failures are in the outcome,
    /// never panics.
    ///
    /// The job runs in a task of its own: a client that disconnects drops the request
    /// future, and a job that changes state (deleting backups, say) must never stop
    /// half-way because of that.
    pub async fn exec(
        self: &Arc<Self>,
        name: &str,
        params: Option<Value>,
        caller: &Caller,
    ) -> JobOutcome {
        let submission = self.submit(name, params, caller, None);
        let body = self.body_by_name(name);
        self.spawn(submission, body).await.0
    }

    /// Runs job `J` to completion with parameters built through its typed parameters, and
    /// answers its typed output; a failure is the outcome an XML-RPC client would get.
    pub async fn exec_job<J: Job>(
        self: &Arc<Self>,
        caller: &Caller,
        params: CallParams<J>,
    ) -> Result<Executed<J::Output>, JobOutcome> {
        let submission = self.submit(J::NAME, Some(params.into_value()), caller, None);
        let body: Body<J::Output> = Box::new(|services, caller, job_id, params| {
            Box::pin(async move {
                let output = registry::run_typed::<J>(services, caller, job_id, params).await?;
                Ok((registry::wire_output::<J>(&output)?, output))
            })
        });
        match self.spawn(submission, body).await {
            (outcome, Some(output)) if outcome.code == ResultCode::Ok => Ok(Executed {
                job_id: outcome.job_id,
                output,
            }),
            (outcome, _) => Err(outcome),
        }
    }

    /// Gives the call a job ID and its live record: name, user, parameters with secrets
    /// masked, from this moment on.
    fn submit(
        &self,
        name: &str,
        params: Option<Value>,
        caller: &Caller,
        started: Option<manage::Started>,
    ) -> Submission {
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let meta = self.registry.get(name).map(|e| e.meta);
        let record = JobRecord {
            epoch: self.epoch,
            seq,
            // An unknown name is kept only as far as a message would show it.
            name: if meta.is_some() {
                name.to_owned()
            } else {
                shown(name)
            },
            user: caller.user.clone(),
            params: redact(meta.map_or(&[], |m| m.params), params.as_ref()),
            state: JobState::Executed,
            result_code: None,
            result_name: None,
            result_desc: None,
            output: None,
            revision: None,
            submitted_ms: now_ms(),
            finished_ms: None,
        };
        self.lock().insert(seq, LiveJob::new(record, started));
        Submission {
            seq,
            name: name.to_owned(),
            meta,
            caller: caller.clone(),
            params,
        }
    }

    fn body_by_name(&self, name: &str) -> Body<()> {
        let Some(call) = self.registry.get(name).map(|e| e.call_fn()) else {
            // Never called: an unknown name fails before the body runs.
            return Box::new(|_, _, _, _| Box::pin(async { Ok((Value::Null, ())) }));
        };
        Box::new(move |services, caller, job_id, params| {
            Box::pin(async move { Ok((call(services, caller, job_id, params).await?, ())) })
        })
    }

    /// Runs the submission in a task of its own and waits for it.
    async fn spawn<O: Send + 'static>(
        self: &Arc<Self>,
        submission: Submission,
        body: Body<O>,
    ) -> (JobOutcome, Option<O>) {
        let seq = submission.seq;
        let this = self.clone();
        let span = self.span(&submission);
        let task = tokio::spawn(async move { this.run(submission, body).await }.instrument(span));
        task.await.unwrap_or_else(|e| {
            tracing::error!(job_id = self.job_id(seq), "job task failed: {e}");
            (JobOutcome::internal(self.job_id(seq)), None)
        })
    }

    async fn run<O>(&self, submission: Submission, body: Body<O>) -> (JobOutcome, Option<O>) {
        let job_id = self.job_id(submission.seq);
        let effect = submission.meta.map_or(Effect::ReadOnly, |m| m.spec.effect);
        let durable = effect != Effect::ReadOnly;
        if durable {
            // A change is on record, on disk, before it starts: a crash mid-job leaves a
            // job that recovery marks as interrupted, never a silent change.
            if let Some(record) = self.live_record(submission.seq) {
                self.persist(&record);
            }
            self.flush(&job_id).await;
        }
        let (result, typed) = match self.checked_run(&submission, &job_id, body).await {
            Ok((value, typed)) => (Ok(value), Some(typed)),
            Err(e) => (Err(e), None),
        };
        let outcome = self.outcome(&submission, job_id.clone(), effect, result);
        // Only registered names become metric series, so their number stays bounded.
        let counted = if submission.meta.is_some() {
            submission.name.as_str()
        } else {
            "<unknown>"
        };
        self.counters.count(counted, outcome.code.name());
        if durable {
            // What changed, by whom (the span): the audit trail of changes, never params.
            tracing::info!(result = outcome.code.name(), "job finished");
        }
        self.finish(submission.seq, &outcome);
        if durable {
            self.flush(&job_id).await;
        }
        (outcome, typed)
    }

    /// Permissions, then parameters, then the job itself, with panics caught.
    async fn checked_run<O>(
        &self,
        submission: &Submission,
        job_id: &str,
        body: Body<O>,
    ) -> Result<(Value, O), JobError> {
        let Some(meta) = submission.meta else {
            return Err(JobError::NoSuchJob(shown(&submission.name)));
        };
        let caller = &submission.caller;
        if !caller.may_run(meta.spec.allowed_groups) {
            return Err(JobError::PermissionDenied {
                user: caller.user.clone(),
                job: meta.name.to_owned(),
            });
        }
        let raw = to_param_map(submission.params.clone())?;
        let checked = params::check(meta.name, meta.params, raw)?;
        let fut = body(
            self.services.clone(),
            caller.clone(),
            job_id.to_owned(),
            checked,
        );
        match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(result) => result,
            Err(panic) => Err(JobError::Internal(format!(
                "job panicked: {}",
                panic_text(&panic)
            ))),
        }
    }

    fn outcome(
        &self,
        submission: &Submission,
        job_id: String,
        effect: Effect,
        result: Result<Value, JobError>,
    ) -> JobOutcome {
        match result {
            Ok(output) => JobOutcome {
                job_id,
                code: ResultCode::Ok,
                desc: "Success".into(),
                output: (!output.is_null()).then_some(output),
                revision: match effect {
                    Effect::Configuration => self.services.catalog.bump_revision().ok(),
                    Effect::ReadOnly | Effect::Operation => None,
                },
            },
            Err(JobError::Internal(detail)) => {
                tracing::error!(
                    job_id,
                    job = submission.name,
                    user = submission.caller.user,
                    "internal error: {detail}"
                );
                JobOutcome::internal(job_id)
            }
            Err(e) => JobOutcome {
                job_id,
                code: e.code(),
                desc: capped(&e.to_string(), MAX_DESC),
                output: None,
                revision: None,
            },
        }
    }

    /// The span every log line of a job carries: its ID, name and user, never its
    /// parameters (they may hold secrets).
    fn span(&self, submission: &Submission) -> tracing::Span {
        tracing::info_span!(
            "job",
            job_id = %self.job_id(submission.seq),
            job = %Shown(&submission.name),
            user = %submission.caller.user,
        )
    }

    fn persist(&self, record: &JobRecord) {
        if let Err(e) = self.services.catalog.put_job(record) {
            tracing::error!(job_id = record.id(), "writing the job record failed: {e}");
        }
    }

    async fn flush(&self, job_id: &str) {
        if let Err(e) = self.services.catalog.flush().await {
            tracing::error!(job_id, "flushing the catalogue failed: {e}");
        }
    }

    fn job_id(&self, seq: u64) -> String {
        format!("{}.{}", self.epoch, seq)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, LiveJob>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn to_param_map(params: Option<Value>) -> Result<BTreeMap<String, Value>, JobError> {
    match params {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(map)) => Ok(map.into_iter().collect()),
        Some(_) => Err(JobError::invalid(
            "params",
            "expected a struct of parameters",
        )),
    }
}

/// Parameters for the job record, with secret values replaced, names the job does not
/// know cut as messages show them, and the whole bounded (records are kept for days).
fn redact(spec: &[ParamSpec], params: Option<&Value>) -> Value {
    let Some(Value::Object(map)) = params else {
        return json!({});
    };
    let map = map
        .iter()
        .map(|(k, v)| match spec.iter().find(|p| p.name == k) {
            Some(p) if p.secret => (k.clone(), json!("******")),
            Some(_) => (k.clone(), v.clone()),
            None => (shown(k), json!("<unknown parameter>")),
        })
        .collect();
    let params = Value::Object(map);
    let size = params.to_string().len();
    if size > MAX_RECORDED_PARAMS {
        return json!({ "<omitted>": format!("{size} bytes of parameters") });
    }
    params
}

/// Characters of a `result_desc` (each echoed value in it is cut much shorter).
const MAX_DESC: usize = 2_000;
/// Bytes of parameters a job record keeps.
const MAX_RECORDED_PARAMS: usize = 16 << 10;

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}
