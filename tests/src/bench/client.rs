//! A ConfD client as a script would be one: Python's `xmlrpc.client` over HTTPS (one
//! keep-alive connection per program), used both for set-up calls and for timing
//! operations (start call → `... has been successfully finished`).

use std::process::Command;

use anyhow::{Context as _, bail};
use serde_json::Value;

/// Poll interval of the timed operations, in seconds.
pub const POLL_SECS: f64 = 0.010;

/// Where a daemon listens and how to log in.
#[derive(Debug, Clone)]
pub struct Client {
    url: String,
    user: String,
    password: String,
}

/// A timed backup or restore.
#[derive(Debug, Clone)]
pub struct Timed {
    /// Seconds from sending the start call to receiving the "finished" progress answer.
    pub secs: f64,
    /// Latency of every `db_backup_progress` call, in ms.
    pub poll_ms: Vec<f64>,
    /// `(seconds after the start call, phase)` at each phase change the polls saw.
    pub phases: Vec<(f64, String)>,
}

impl Timed {
    /// `"Protect 0.01 s, Write 1.20 s, ..."`: time from each phase seen to the next.
    pub fn phase_times(&self) -> String {
        let mut out = Vec::new();
        for (i, (t, name)) in self.phases.iter().enumerate() {
            let end = self.phases.get(i + 1).map_or(self.secs, |p| p.0);
            let name = if name.is_empty() { "ended" } else { name };
            out.push(format!("{name} {:.3} s", end - t));
        }
        out.join(", ")
    }
}

/// After the suites' prelude (`proxy`): the call's arguments.
const ARGS: &str = "import sys\nARGS = json.loads(os.environ['BENCH_ARGS'])\n";

const CALL: &str = "r = proxy.job_exec(ARGS['job'], {'params': ARGS['params']})\n\
    print(json.dumps(r))\n";

const OPERATION: &str = "job, params, db, word = ARGS['job'], ARGS['params'], ARGS['db'], ARGS['word']\n\
    proxy.job_exec('db_list')  # connection up before the clock starts\n\
    t0 = time.perf_counter()\n\
    r = proxy.job_exec(job, {'params': params})\n\
    if r.get('result_name') != 'OK': sys.exit('%s failed: %r' % (job, r))\n\
    lat, phases = [], [(0.0, 'start call')]\n\
    while True:\n\
    \x20   t = time.perf_counter()\n\
    \x20   o = proxy.job_exec('db_backup_progress', {'params': {'db_name': db}})['result_output']\n\
    \x20   lat.append((time.perf_counter() - t) * 1e3)\n\
    \x20   if not phases or phases[-1][1] != o['Phase']: phases.append((t - t0, o['Phase']))\n\
    \x20   c = o['Comment']\n\
    \x20   if c == word + ' has been successfully finished': break\n\
    \x20   if 'failed' in c or 'aborted' in c: sys.exit('%s: %s' % (job, c))\n\
    \x20   time.sleep(ARGS['poll'])\n\
    total = time.perf_counter() - t0\n\
    print(json.dumps({'secs': total, 'lat': lat, 'phases': phases}))\n";

impl Client {
    /// A client of the daemon at `url` (`https://host:port`).
    pub fn new(url: String, user: &str, password: &str) -> Self {
        Self {
            url,
            user: user.to_owned(),
            password: password.to_owned(),
        }
    }

    /// `python3` running `code` after the prelude, connected to this daemon, with `args`
    /// as `ARGS`.
    pub fn command(&self, code: &str, args: &Value) -> Command {
        let mut cmd = Command::new("python3");
        cmd.arg("-c")
            .arg(format!("{}{ARGS}{code}", crate::PYTHON_PRELUDE))
            .env("CONFD_URL", &self.url)
            .env("CONFD_USER", &self.user)
            .env("CONFD_PASSWORD", &self.password)
            .env("BENCH_ARGS", args.to_string());
        cmd
    }

    fn python(&self, code: &str, args: &Value) -> anyhow::Result<Value> {
        let out = self
            .command(code, args)
            .output()
            .context("running python3")?;
        if !out.status.success() {
            bail!(
                "python3 client failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let text = String::from_utf8_lossy(&out.stdout);
        serde_json::from_str(text.trim())
            .with_context(|| format!("unexpected output of the Python client: {text}"))
    }

    /// `job_exec(job, {'params': params})`; fails unless the result is `OK`. Returns
    /// `result_output` (or null).
    pub fn call(&self, job: &str, params: Value) -> anyhow::Result<Value> {
        let r = self.python(CALL, &serde_json::json!({"job": job, "params": params}))?;
        if r.get("result_name").and_then(Value::as_str) != Some("OK") {
            bail!("{job} failed: {r}");
        }
        Ok(r.get("result_output").cloned().unwrap_or(Value::Null))
    }

    /// Starts `job` (`db_backup_start` or `db_restore`) and polls `db_backup_progress`
    /// every [`POLL_SECS`] until `<word> has been successfully finished`.
    pub fn timed(&self, job: &str, params: Value, db: &str, word: &str) -> anyhow::Result<Timed> {
        let args = serde_json::json!({
            "job": job, "params": params, "db": db, "word": word, "poll": POLL_SECS,
        });
        let r = self.python(OPERATION, &args)?;
        let secs = r
            .get("secs")
            .and_then(Value::as_f64)
            .context("no time in the client's answer")?;
        let poll_ms = r
            .get("lat")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_f64).collect())
            .unwrap_or_default();
        let phases = r
            .get("phases")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Timed {
            secs,
            poll_ms,
            phases,
        })
    }
}
