//! The dispatcher's job records and `job_stop`, with a job that runs until the test
//! releases it (no timing involved).

use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use confd_storage::Catalog;
use tokio::sync::Notify;

use super::*;
use crate::job::{Context, JobSpec, NoOutput};
use crate::params::{FromParams, Param, ParamReader};

/// One release per dispatcher (tests run in parallel), by state directory.
static RELEASES: LazyLock<Mutex<HashMap<PathBuf, Arc<Notify>>>> = LazyLock::new(Mutex::default);

fn release(state_dir: &Path) -> Arc<Notify> {
    let mut releases = RELEASES.lock().unwrap();
    releases.entry(state_dir.to_path_buf()).or_default().clone()
}

/// A read-only job that runs until the test releases it.
struct Hold;

const TOKEN: Param<String> = Param::optional("token", "a secret").secret();
const LABEL: Param<String> = Param::optional("label", "not secret");

struct HoldParams;

impl FromParams for HoldParams {
    const PARAMS: &'static [ParamSpec] = &[TOKEN.spec, LABEL.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        p.ignore(&TOKEN)?;
        p.ignore(&LABEL)?;
        Ok(HoldParams)
    }
}

impl Job for Hold {
    const NAME: &'static str = "hold";
    type Params = HoldParams;
    type Output = NoOutput;
    const SPEC: JobSpec = JobSpec {
        description: "Runs until released.",
        allowed_groups: &["exaadm", "exausers"],
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, _: HoldParams) -> Result<NoOutput, JobError> {
        release(&ctx.services.state_dir).notified().await;
        Ok(NoOutput)
    }
}

fn dispatcher() -> (Arc<Dispatcher>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::open(&dir.path().join("catalog")).unwrap());
    let services = Arc::new(Services::new(catalog, dir.path().to_path_buf(), "t".into()));
    let registry = Registry::default().add::<Hold>();
    (
        Arc::new(Dispatcher::with_registry(services, 7, registry)),
        dir,
    )
}

fn admin() -> Caller {
    caller("root", "root")
}

fn caller(user: &str, group: &str) -> Caller {
    Caller {
        user: user.into(),
        uid: 1000,
        groups: vec![group.into()],
    }
}

#[tokio::test]
async fn a_running_job_shows_its_name_user_state_and_masked_params() {
    let (d, _dir) = dispatcher();
    let params = json!({"token": "s3cr3t", "label": "nightly"});
    let id = d.start("hold", Some(params), &caller("alice", "exausers"));
    let info = d.info(&id, &admin()).unwrap();
    assert_eq!(info.name, "hold");
    assert_eq!(info.user, "alice");
    assert_eq!(info.state, "executed");
    assert_eq!(info.params, json!({"token": "******", "label": "nightly"}));
    assert!(!d.finished(&id, &admin()).unwrap());
    assert!(matches!(
        d.result(&id, &admin()),
        Err(JobError::WrongState(_))
    ));
    d.stop(&id, &caller("alice", "exausers")).unwrap();
}

#[tokio::test]
async fn its_own_user_stops_a_job() {
    let (d, _dir) = dispatcher();
    let alice = caller("alice", "exausers");
    let id = d.start("hold", None, &alice);
    d.stop(&id, &alice).unwrap();
    let outcome = d.wait(&id, &admin()).await.unwrap();
    assert_eq!(outcome.code, ResultCode::Error);
    assert_eq!(outcome.desc, "Job was stopped by the user");
    assert!(d.finished(&id, &admin()).unwrap());
    assert_eq!(d.info(&id, &admin()).unwrap().state, "failed");
    let again = d.stop(&id, &alice).unwrap_err();
    assert_eq!(again.to_string(), format!("Job {id} has already finished"));
}

#[tokio::test]
async fn another_user_may_not_stop_a_job_but_root_may() {
    let (d, _dir) = dispatcher();
    let id = d.start("hold", None, &caller("alice", "exausers"));
    let refused = d.stop(&id, &caller("bob", "exaadm")).unwrap_err();
    assert_eq!(refused.code(), ResultCode::PermissionDenied);
    assert_eq!(
        refused.to_string(),
        format!("User 'bob' is not allowed to run job 'job_stop {id}'")
    );
    assert_eq!(d.info(&id, &admin()).unwrap().state, "executed");
    d.stop(&id, &caller("root", "root")).unwrap();
    assert_eq!(d.info(&id, &admin()).unwrap().state, "failed");
}

#[tokio::test]
async fn a_released_job_finishes_with_its_result_on_record() {
    let (d, dir) = dispatcher();
    let alice = caller("alice", "exausers");
    let id = d.start("hold", None, &alice);
    // `notify_one` stores a permit if the job has not reached its wait yet.
    release(dir.path()).notify_one();
    let outcome = d.wait(&id, &admin()).await.unwrap();
    assert_eq!(outcome.code, ResultCode::Ok);
    let info = d.info(&id, &admin()).unwrap();
    assert_eq!((info.state, info.user.as_str()), ("finished", "alice"));
    assert!(matches!(d.stop(&id, &alice), Err(JobError::WrongState(_))));
}

#[tokio::test]
async fn unknown_jobs_and_unknown_ids_are_named() {
    let (d, _dir) = dispatcher();
    let outcome = d.exec("nothing", None, &caller("alice", "exausers")).await;
    assert_eq!(outcome.desc, "Job does not exist: 'nothing'");
    assert_eq!(d.info(&outcome.job_id, &admin()).unwrap().name, "nothing");
    let missing = d.info("7.999", &admin()).unwrap_err();
    assert_eq!(missing.to_string(), "Job 7.999 does not exist");
}

#[tokio::test]
async fn a_job_run_with_job_exec_cannot_be_stopped() {
    let (d, dir) = dispatcher();
    let alice = caller("alice", "exausers");
    let running = tokio::spawn({
        let (d, alice) = (d.clone(), alice.clone());
        async move { d.exec("hold", None, &alice).await }
    });
    // The first call of epoch 7: its live record appears when the task submits it.
    while d.info("7.1", &admin()).is_err() {
        tokio::task::yield_now().await;
    }
    let refused = d.stop("7.1", &alice).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "Job 7.1 was not started with job_start; only such jobs can be stopped"
    );
    release(dir.path()).notify_one();
    assert_eq!(running.await.unwrap().code, ResultCode::Ok);
}

#[tokio::test]
async fn another_users_job_is_not_readable_but_an_admin_reads_every_job() {
    let (d, _dir) = dispatcher();
    let alice = caller("alice", "exausers");
    let id = d.start("hold", None, &alice);
    let refused = d.info(&id, &caller("bob", "exausers")).unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!("User 'bob' is not allowed to run job 'job_info {id}'")
    );
    assert!(d.result(&id, &caller("bob", "exadbadm")).is_err());
    assert_eq!(
        d.info(&id, &caller("carol", "exaadm")).unwrap().user,
        "alice"
    );
    assert_eq!(d.info(&id, &alice).unwrap().name, "hold");
    d.stop(&id, &alice).unwrap();
}
