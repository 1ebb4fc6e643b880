//! What every scenario uses: the failure report (seed, round, the daemon's log), the
//! Python client, the daemon process and the parsed `db_backup_list` entries.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{DB, PASSWORD, PATIENCE};

/// What a failure message must name: the seed, the round and the daemon's log.
static FAILURE_CONTEXT: Mutex<(String, Option<PathBuf>)> = Mutex::new((String::new(), None));

pub(crate) fn set_context(what: String) {
    FAILURE_CONTEXT.lock().unwrap_or_else(|p| p.into_inner()).0 = what;
}

fn set_log(log: PathBuf) {
    FAILURE_CONTEXT.lock().unwrap_or_else(|p| p.into_inner()).1 = Some(log);
}

pub(crate) fn install_failure_report() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let (what, log) = FAILURE_CONTEXT
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        eprintln!("\n=== crash test failed: {what} ===");
        if let Some(log) = log {
            let text = fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            eprintln!("--- last lines of {} ---", log.display());
            for line in &lines[lines.len().saturating_sub(30)..] {
                eprintln!("{line}");
            }
            eprintln!("---");
        }
        default(info);
    }));
}

pub(crate) fn seed() -> u64 {
    match std::env::var("CONFD_CRASH_SEED") {
        Ok(s) => {
            let s = s.trim();
            match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            }
            .unwrap_or_else(|e| panic!("CONFD_CRASH_SEED={s:?} is not a u64: {e}"))
        }
        Err(_) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            now.as_nanos() as u64 ^ u64::from(std::process::id())
        }
    }
}

// ---------------------------------------------------------------------------------------
// The client: one Python child per daemon start, one JSON line per call each way.

const CLIENT: &str = r#"
import json, ssl, sys, xmlrpc.client
url, user, password = sys.argv[1:4]
proxy = xmlrpc.client.ServerProxy(
    url.replace('https://', 'https://%s:%s@' % (user, password)),
    context=ssl._create_unverified_context(), allow_none=True)
for line in sys.stdin:
    job, params = json.loads(line)
    try:
        answer = proxy.job_exec(job, {'params': params})
    except Exception as e:
        answer = {'transport_error': repr(e)}
    print(json.dumps(answer, default=str), flush=True)
"#;

pub(crate) struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Client {
    fn start(url: &str, user: &str, password: &str) -> Self {
        let mut child = Command::new("python3")
            .args(["-c", CLIENT, url, user, password])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Client {
            child,
            stdin,
            stdout,
        }
    }

    /// `job_exec(job, {'params': params})`: the whole result struct.
    pub(crate) fn call(&mut self, job: &str, params: Value) -> Value {
        writeln!(self.stdin, "{}", json!([job, params])).expect("python client alive");
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("python client answers");
        let answer: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{job}: unreadable answer {line:?}: {e}"));
        if let Some(e) = answer.get("transport_error") {
            panic!("{job} {params}: transport error {e}");
        }
        answer
    }

    /// A call that must succeed; its `result_output` (null when it has none).
    pub(crate) fn ok(&mut self, job: &str, params: Value) -> Value {
        let answer = self.call(job, params.clone());
        assert_eq!(answer["result_code"], 0, "{job} {params} failed: {answer}");
        answer.get("result_output").cloned().unwrap_or(Value::Null)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// The daemon process.

pub(crate) struct Daemon {
    child: Child,
    pub(crate) client: Client,
}

impl Daemon {
    /// SIGKILL (what `Child::kill` sends on Unix) and reap.
    pub(crate) fn sigkill(mut self) {
        self.child.kill().expect("SIGKILL confd");
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `confd` on `state` and waits until it has rewritten `client.json` (it does so
/// after recovery, once its listeners are bound).
pub(crate) fn start_daemon(state: &Path, log: &Path) -> Daemon {
    let settings = state.join("client.json");
    match fs::remove_file(&settings) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("removing {}: {e}", settings.display()),
    }
    set_log(log.to_path_buf());
    let mut child = Command::new(env!("CARGO_BIN_EXE_confd"))
        .arg("--state-dir")
        .arg(state)
        .args(["--xmlrpc-listen", "127.0.0.1:0"])
        .args(["--rest-listen", "127.0.0.1:0"])
        .args(["--metrics-listen", "127.0.0.1:0"])
        .args(["--demo-size", "32MiB"])
        .env("CONFD_ADMIN_PASSWORD", PASSWORD)
        .env_remove("CONFD_STATE_DIR")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(log).expect("log file"))
        .spawn()
        .expect("confd starts");
    let deadline = Instant::now() + PATIENCE;
    let settings: Value = loop {
        if let Some(status) = child.try_wait().expect("confd status") {
            panic!("confd exited during start-up ({status})");
        }
        if let Ok(bytes) = fs::read(&settings)
            && let Ok(v) = serde_json::from_slice(&bytes)
        {
            break v;
        }
        assert!(Instant::now() < deadline, "confd did not start in time");
        std::thread::sleep(Duration::from_millis(20));
    };
    // The password is not taken from client.json: the daemon keeps only a hash, so a
    // client.json written anew (we deleted it) has an empty one.
    let text = |k: &str| settings[k].as_str().expect("client.json key").to_owned();
    let client = Client::start(&text("xmlrpc_url"), &text("user"), PASSWORD);
    Daemon { child, client }
}

// ---------------------------------------------------------------------------------------
// The listing.

/// One `db_backup_list` entry, the keys this test uses.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub(crate) bid: u64,
    pub(crate) level: u64,
    pub(crate) base: Option<u64>,
    pub(crate) usable: bool,
    pub(crate) id: String,
    pub(crate) path: String,
    pub(crate) ts: String,
    pub(crate) volume: String,
}

impl Listed {
    pub(crate) fn parse(v: &Value) -> Self {
        let text = |k: &str| {
            v[k].as_str()
                .unwrap_or_else(|| panic!("db_backup_list key {k} in {v}"))
                .to_owned()
        };
        let dependencies = text("dependencies");
        Listed {
            bid: v["bid"].as_u64().expect("bid"),
            level: v["level"].as_u64().expect("level"),
            base: (dependencies != "-").then(|| dependencies.parse().expect("dependencies")),
            usable: v["usable"].as_bool().expect("usable"),
            id: text("id"),
            path: text("path"),
            ts: text("ts"),
            volume: text("volume"),
        }
    }

    pub(crate) fn prefix(&self) -> String {
        format!("{DB}/id_{}/level_{}", self.bid, self.level)
    }
}

/// `.../id_<bid>/...` of a progress `Name`.
pub(crate) fn bid_of_name(name: &str) -> Option<u64> {
    name.split('/')
        .find_map(|part| part.strip_prefix("id_"))
        .and_then(|b| b.parse().ok())
}
