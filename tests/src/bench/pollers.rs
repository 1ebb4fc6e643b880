//! `db_backup_progress` latency while many clients watch one backup: 16 Python
//! `xmlrpc.client` processes, each with its own HTTPS keep-alive connection, poll every
//! 10 ms during a level-0 backup, as a monitoring wall of scripts would. Processes rather
//! than threads of one interpreter, so the GIL does not add to the latencies measured.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Stdio};

use anyhow::{Context as _, bail};
use serde::Deserialize;
use serde_json::{Value, json};

use super::client::{Client, POLL_SECS, Timed};
use super::sched::SchedTotals;

/// Concurrent pollers of the loaded figure.
pub const POLLERS: usize = 16;

/// Polls until the stop file exists; only answers that show the operation running count,
/// so the time before the start call and after the end is not measured, unless `idle` (the
/// reference: the same polls with no operation running). Around each poll, outside the
/// timed part, it reads its own schedstat: what the poll cost it on a CPU, and how long it
/// was runnable but waited for one (`unqueued` is the latency less that wait).
const POLLER: &str = "db, stop = ARGS['db'], ARGS['stop']\n\
    def sched():\n\
    \x20   with open('/proc/self/schedstat') as f: cpu, wait = f.read().split()[:2]\n\
    \x20   return int(cpu), int(wait)\n\
    proxy.job_exec('db_list')  # connection up before the clock starts\n\
    print('ready', flush=True)\n\
    lat, unqueued, polls, cpu, wait = [], [], 0, 0, 0\n\
    while not os.path.exists(stop):\n\
    \x20   c0, w0 = sched()\n\
    \x20   t = time.perf_counter()\n\
    \x20   c = proxy.job_exec('db_backup_progress', {'params': {'db_name': db}})['result_output']['Comment']\n\
    \x20   ms = (time.perf_counter() - t) * 1e3\n\
    \x20   c1, w1 = sched()\n\
    \x20   polls, cpu, wait = polls + 1, cpu + c1 - c0, wait + w1 - w0\n\
    \x20   if ARGS['idle'] or c.endswith(' has been started') or c.endswith(' is active'):\n\
    \x20       lat.append(ms); unqueued.append(ms - (w1 - w0) / 1e6)\n\
    \x20   time.sleep(ARGS['poll'])\n\
    print(json.dumps({'lat': lat, 'unqueued': unqueued, 'polls': polls, 'cpu_ns': cpu, 'wait_ns': wait}))\n";

/// Percentiles of latencies in ms: (p50, p99, max).
pub fn percentiles(ms: &[f64]) -> (f64, f64, f64) {
    let mut v = ms.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v.get(((v.len() as f64 * q) as usize).min(v.len().saturating_sub(1)));
    (
        at(0.5).copied().unwrap_or(0.0),
        at(0.99).copied().unwrap_or(0.0),
        v.last().copied().unwrap_or(0.0),
    )
}

/// The running pollers; dropping them stops them (stop file, then kill of any that did
/// not end) so an error on the way leaves no process behind.
struct Pollers {
    stop: PathBuf,
    children: Vec<(Child, BufReader<ChildStdout>)>,
}

impl Pollers {
    fn start(
        client: &Client,
        (db, count, idle): (&str, usize, bool),
        stop: &Path,
    ) -> anyhow::Result<Self> {
        let args = json!({
            "db": db, "stop": stop.display().to_string(), "poll": POLL_SECS, "idle": idle,
        });
        let mut pollers = Self {
            stop: stop.to_path_buf(),
            children: Vec::new(),
        };
        for _ in 0..count {
            let mut child = client
                .command(POLLER, &args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .context("starting a python3 poller")?;
            let stdout = child.stdout.take().context("no stdout pipe")?;
            pollers.children.push((child, BufReader::new(stdout)));
        }
        // All connected before the backup starts, so their start-up does not load it.
        for (_, out) in &mut pollers.children {
            let mut line = String::new();
            out.read_line(&mut line)?;
            if line.trim() != "ready" {
                bail!(
                    "a python3 poller failed to connect (said '{}')",
                    line.trim()
                );
            }
        }
        Ok(pollers)
    }

    /// Stops the pollers and returns what they measured.
    fn finish(mut self) -> anyhow::Result<Polled> {
        std::fs::write(&self.stop, b"")?;
        let mut all = Polled::default();
        for (child, out) in &mut self.children {
            let mut text = String::new();
            out.read_to_string(&mut text)?;
            let status = child.wait()?;
            if !status.success() {
                bail!("a python3 poller failed ({status})");
            }
            let one: PollerReport = serde_json::from_str(text.trim())
                .with_context(|| format!("unexpected output of a poller: {text}"))?;
            all.latencies.extend(one.lat);
            all.unqueued.extend(one.unqueued);
            all.polls += one.polls;
            all.pollers.cpu_ns += one.cpu_ns;
            all.pollers.wait_ns += one.wait_ns;
        }
        self.children.clear();
        Ok(all)
    }
}

/// What one poller prints when it stops.
#[derive(Deserialize)]
struct PollerReport {
    lat: Vec<f64>,
    unqueued: Vec<f64>,
    polls: usize,
    cpu_ns: u64,
    wait_ns: u64,
}

/// What the pollers of one stretch measured.
#[derive(Debug, Default)]
pub struct Polled {
    /// Latency in ms of each counted poll.
    pub latencies: Vec<f64>,
    /// The same, less the poller's own wait for a CPU during the poll.
    pub unqueued: Vec<f64>,
    /// Every poll made, counted or not.
    pub polls: usize,
    /// The pollers' CPU and run-queue time over all their polls.
    pub pollers: SchedTotals,
    /// The daemon's request threads over the same stretch.
    pub daemon: SchedTotals,
}

impl Polled {
    /// `"per poll: pollers CPU .. us + run-queue wait .. us, daemon request threads CPU ..
    /// us + run-queue wait .. us; p99 less the poller's own run-queue wait .. ms"`.
    pub fn where_time_went(&self) -> String {
        let (_, p99, _) = percentiles(&self.unqueued);
        format!(
            "per poll: pollers {}, daemon request threads {}; p99 less the poller's own run-queue wait {p99:.2} ms",
            self.pollers.per(self.polls),
            self.daemon.per(self.polls),
        )
    }
}

impl Drop for Pollers {
    fn drop(&mut self) {
        let _ = std::fs::write(&self.stop, b"");
        for (child, _) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs `during` while `count` pollers watch `db` (every answer counted when `idle`);
/// returns its result and what the pollers measured.
fn polled<T>(
    client: &Client,
    scratch: &Path,
    (db, count, idle): (&str, usize, bool),
    during: impl FnOnce() -> anyhow::Result<T>,
) -> anyhow::Result<(T, Polled)> {
    let stop = scratch.join("pollers.stop");
    let pollers = Pollers::start(client, (db, count, idle), &stop)?;
    let daemon_before = SchedTotals::request_threads()?;
    let out = during()?;
    let mut polled = pollers.finish()?;
    polled.daemon = SchedTotals::request_threads()?.since(daemon_before);
    std::fs::remove_file(&stop).with_context(|| stop.display().to_string())?;
    Ok((out, polled))
}

/// Runs `job` (timed as [`Client::timed`]) while [`POLLERS`] pollers watch `db`. Returns
/// the timed run and what the pollers measured.
pub fn under_load(
    client: &Client,
    scratch: &Path,
    (job, params, db, word): (&str, Value, &str, &str),
) -> anyhow::Result<(Timed, Polled)> {
    polled(client, scratch, (db, POLLERS, false), || {
        client.timed(job, params, db, word)
    })
}

/// The reference of the progress figures: `count` pollers polling `db` for three seconds
/// with no operation running, on the same machine in the same run, so the tail that
/// scheduling and this VM add to any call shows beside the tail under a backup.
pub fn idle(client: &Client, scratch: &Path, db: &str, count: usize) -> anyhow::Result<Polled> {
    let wait = || {
        std::thread::sleep(std::time::Duration::from_secs(3));
        Ok(())
    };
    polled(client, scratch, (db, count, true), wait).map(|((), polled)| polled)
}
