//! The [`Dispatcher`]: gives every call a job ID and a job record, checks permissions and
//! parameters against the registry, and runs the job (catching panics). The job-management
//! calls (`job_start`, `job_wait`, `job_result`, `job_finished`, `job_info`, `job_stop`)
//! are in `manage`.

mod manage;

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use confd_storage::records::{JobRecord, JobState};
use futures::FutureExt;
use serde_json::{Value, json};

use crate::error::JobError;
use crate::job::{Caller, Effect};
use crate::params;
use crate::registry::{self, Registry};
use crate::result_code::ResultCode;
use crate::services::Services;
use crate::stats::JobCounters;
use manage::Running;

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

/// Runs jobs by name for any edge (XML-RPC, REST).
pub struct Dispatcher {
    /// Calls per job and result since start, for monitoring.
    pub counters: JobCounters,
    registry: Registry,
    services: Arc<Services>,
    epoch: u64,
    seq: AtomicU64,
    running: Mutex<HashMap<u64, Running>>,
}

impl Dispatcher {
    /// A dispatcher for this daemon start (`epoch` from [`confd_storage::Catalog::next_epoch`]).
    pub fn new(services: Arc<Services>, epoch: u64) -> Self {
        Dispatcher {
            counters: JobCounters::default(),
            registry: registry::registry(),
            services,
            epoch,
            seq: AtomicU64::new(0),
            running: Mutex::new(HashMap::new()),
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

    /// Runs a job to completion (`job_exec`). Job failures are in the outcome, never panics.
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
        let seq = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let this = self.clone();
        let (name, caller) = (name.to_owned(), caller.clone());
        let task = tokio::spawn(async move { this.run(seq, &name, params, &caller).await });
        task.await.unwrap_or_else(|e| {
            tracing::error!(job_id = self.job_id(seq), "job task failed: {e}");
            JobOutcome::internal(self.job_id(seq))
        })
    }

    async fn run(
        &self,
        seq: u64,
        name: &str,
        params: Option<Value>,
        caller: &Caller,
    ) -> JobOutcome {
        let job_id = self.job_id(seq);
        let mut record = JobRecord {
            epoch: self.epoch,
            seq,
            name: name.to_owned(),
            user: caller.user.clone(),
            params: Value::Null,
            state: JobState::Executed,
            result_code: None,
            result_name: None,
            result_desc: None,
            output: None,
            revision: None,
            submitted_ms: now_ms(),
            finished_ms: None,
        };
        let entry = self.registry.get(name);
        record.params = redact(entry.map(|e| e.spec.params).unwrap_or(&[]), params.as_ref());
        let effect = entry.map_or(Effect::ReadOnly, |e| e.spec.effect);
        let durable = effect != Effect::ReadOnly;
        if durable {
            // A change is on record, on disk, before it starts: a crash mid-job leaves a
            // job that recovery marks as interrupted, never a silent change.
            self.persist(&record);
            if let Err(e) = self.services.catalog.flush().await {
                tracing::error!(job_id, "flushing the catalogue failed: {e}");
            }
        }

        let result = match entry {
            None => Err(JobError::NoSuchJob(name.to_owned())),
            Some(entry) if !caller.may_run(entry.spec.allowed_groups) => {
                Err(JobError::PermissionDenied {
                    user: caller.user.clone(),
                    job: name.to_owned(),
                })
            }
            Some(entry) => match to_param_map(params) {
                Err(e) => Err(e),
                Ok(raw) => match params::check(name, &entry.spec, raw) {
                    Err(e) => Err(e),
                    Ok(checked) => {
                        let fut = entry.call(
                            self.services.clone(),
                            caller.clone(),
                            job_id.clone(),
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
                },
            },
        };

        let outcome = match result {
            Ok(output) => {
                let revision = match effect {
                    Effect::Configuration => self.services.catalog.bump_revision().ok(),
                    Effect::ReadOnly | Effect::Operation => None,
                };
                JobOutcome {
                    job_id: job_id.clone(),
                    code: ResultCode::Ok,
                    desc: "Success".into(),
                    output: (!output.is_null()).then_some(output),
                    revision,
                }
            }
            Err(JobError::Internal(detail)) => {
                tracing::error!(
                    job_id,
                    job = name,
                    user = caller.user,
                    "internal error: {detail}"
                );
                JobOutcome::internal(job_id.clone())
            }
            Err(e) => JobOutcome {
                job_id: job_id.clone(),
                code: e.code(),
                desc: e.to_string(),
                output: None,
                revision: None,
            },
        };
        // Only registered names become metric series, so their number stays bounded.
        let counted = if entry.is_some() { name } else { "<unknown>" };
        self.counters.count(counted, outcome.code.name());
        record.state = JobState::Finished;
        record.result_code = Some(outcome.code.number());
        record.result_name = Some(outcome.code.name().into());
        record.result_desc = Some(outcome.desc.clone());
        record.output = outcome.output.clone();
        record.revision = outcome.revision;
        record.finished_ms = Some(now_ms());
        self.persist(&record);
        if durable && let Err(e) = self.services.catalog.flush().await {
            tracing::error!(job_id, "flushing the catalogue failed: {e}");
        }
        outcome
    }

    fn persist(&self, record: &JobRecord) {
        if let Err(e) = self.services.catalog.put_job(record) {
            tracing::error!(job_id = record.id(), "writing the job record failed: {e}");
        }
    }

    fn job_id(&self, seq: u64) -> String {
        format!("{}.{}", self.epoch, seq)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Running>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
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

/// Parameters for the job record, with secret values replaced.
fn redact(spec: &[params::ParamSpec], params: Option<&Value>) -> Value {
    let Some(Value::Object(map)) = params else {
        return json!({});
    };
    let map = map
        .iter()
        .map(|(k, v)| {
            let secret = spec.iter().any(|p| p.name == k && p.secret);
            (k.clone(), if secret { json!("******") } else { v.clone() })
        })
        .collect();
    Value::Object(map)
}

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
