//! Test kit of confd-rs: [`TestDaemon`] runs the real daemon in-process on port 0 with a
//! temporary state directory (ready by construction, no sleeps, no fixed ports), and
//! helpers run the real clients against it: Python's `xmlrpc.client` (after
//! [`PYTHON_PRELUDE`]), `curl`, the `python-examples/` programs. [`TestDaemon::pause`]
//! holds a backup or restore at a named point, so a test acts on it while it certainly
//! runs.

// A test kit that cannot set up should stop the test loudly, so it may panic.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, mpsc};
use std::thread::JoinHandle;

use confd_daemon::Config;

/// Admin password of every test daemon.
pub const PASSWORD: &str = "test-password-123";
pub mod bench;

/// The Python every suite's snippets run after (`prelude.py`): the connection as
/// Exasol's examples build it and the helpers `connect`, `job`, `ok`, `wait`, `ids`,
/// `rest`.
pub const PYTHON_PRELUDE: &str = include_str!("prelude.py");

/// Demo data size of test daemons (small: tests are about behaviour, `bench` about speed).
pub const TEST_DEMO_SIZE: u64 = 8 << 20;

/// A daemon running in a background thread with its own tokio runtime; dropping it shuts
/// the daemon down and removes the state directory.
pub struct TestDaemon {
    xmlrpc_addr: SocketAddr,
    rest_addr: SocketAddr,
    metrics_addr: SocketAddr,
    state_dir: PathBuf,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
    breakpoints: Arc<Breakpoints>,
    _temp: Option<tempfile::TempDir>,
}

impl TestDaemon {
    /// Starts a daemon with the demo (8 MiB of data) in a fresh temporary state directory.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// Starts a daemon after `adjust` has changed the test configuration.
    pub fn start_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let temp = tempfile::Builder::new()
            .prefix("confd-test-")
            .tempdir()
            .expect("temp dir");
        let mut daemon = Self::start_in(temp.path(), adjust);
        daemon._temp = Some(temp);
        daemon
    }

    /// Starts a daemon on an existing state directory (kept after drop), e.g. to restart.
    pub fn start_in(state_dir: &Path, adjust: impl FnOnce(&mut Config)) -> Self {
        let mut config = Config::with_state_dir(state_dir.to_path_buf());
        config.xmlrpc_listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.rest_listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.metrics_listen = SocketAddr::from(([127, 0, 0, 1], 0));
        config.demo_size = TEST_DEMO_SIZE;
        config.admin_password = Some(PASSWORD.into());
        let breakpoints = Arc::new(Breakpoints::default());
        config.engine_hooks = Some(breakpoints.clone());
        adjust(&mut config);

        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            // The daemon's own runtime, so the bench measures what `confd` runs.
            let runtime = confd_daemon::runtime::build(Some(2)).expect("tokio runtime");
            runtime.block_on(async move {
                match confd_daemon::start(config).await {
                    Ok(daemon) => {
                        let _ = ready_tx.send(Ok((
                            daemon.xmlrpc_addr,
                            daemon.rest_addr,
                            daemon.metrics_addr,
                        )));
                        let _ = stop_rx.await;
                        daemon.shutdown().await.expect("clean shutdown");
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("{e:#}")));
                    }
                }
            });
        });
        let (xmlrpc_addr, rest_addr, metrics_addr) = ready_rx
            .recv()
            .expect("daemon thread ended before reporting")
            .unwrap_or_else(|e| panic!("daemon failed to start: {e}"));
        TestDaemon {
            xmlrpc_addr,
            rest_addr,
            metrics_addr,
            state_dir: state_dir.to_path_buf(),
            stop: Some(stop_tx),
            thread: Some(thread),
            breakpoints,
            _temp: None,
        }
    }

    /// Arms `pause`: the operation it selects will be held at its point until the
    /// returned gate is released (or dropped, or the operation is aborted).
    pub fn pause(&self, pause: Pause) -> Gate {
        self.breakpoints.arm(pause)
    }

    /// `https://127.0.0.1:<port>`.
    pub fn xmlrpc_url(&self) -> String {
        format!("https://{}", self.xmlrpc_addr)
    }

    /// `https://127.0.0.1:<port>` of the Administration API (REST).
    pub fn rest_url(&self) -> String {
        format!("https://{}", self.rest_addr)
    }

    /// `base64("admin:<password>")`: the `AUTH_TOKEN` of Exasol's REST examples.
    pub fn auth_token(&self) -> String {
        base64_encode(format!("{}:{}", self.user(), self.password()).as_bytes())
    }

    /// Runs `curl --insecure -sS -w '\n%{http_code}' <args> <rest_url><path>` the way
    /// Exasol's REST examples do (`-H "Authorization: Basic $AUTH_TOKEN"` when `auth`),
    /// and returns `(status, body)`.
    pub fn curl_rest(&self, method: &str, path: &str, auth: bool, args: &[&str]) -> (u16, String) {
        let mut command = Command::new("curl");
        command
            .args(["--insecure", "-sS", "-w", "\n%{http_code}", "-X", method])
            .args(["-H", "accept: application/json"]);
        if auth {
            command
                .arg("-H")
                .arg(format!("Authorization: Basic {}", self.auth_token()));
        }
        let output = command
            .args(args)
            .arg(format!("{}{path}", self.rest_url()))
            .output()
            .expect("curl runs");
        let out = stdout_ok(&output);
        let (body, status) = out.rsplit_once('\n').expect("status line");
        (status.trim().parse().expect("HTTP status"), body.to_owned())
    }

    /// `http://127.0.0.1:<port>` of the monitoring listener.
    pub fn metrics_url(&self) -> String {
        format!("http://{}", self.metrics_addr)
    }

    /// Admin user.
    pub fn user(&self) -> &str {
        "admin"
    }

    /// Admin password.
    pub fn password(&self) -> &str {
        PASSWORD
    }

    /// State directory (holds `client.json` and `tls/ca.pem`).
    pub fn state_dir(&self) -> &Path {
        &self.state_dir
    }

    /// CA certificate the daemon's certificate is signed by.
    pub fn ca_cert(&self) -> PathBuf {
        self.state_dir.join("tls/ca.pem")
    }

    /// Environment for client programs: `CONFD_URL`, `CONFD_REST_URL`, `CONFD_USER`, `CONFD_PASSWORD`,
    /// `CONFD_CA_CERT`, `CONFD_STATE_DIR`.
    pub fn client_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("CONFD_URL", self.xmlrpc_url()),
            ("CONFD_REST_URL", self.rest_url()),
            ("CONFD_USER", self.user().into()),
            ("CONFD_PASSWORD", self.password().into()),
            ("CONFD_CA_CERT", self.ca_cert().display().to_string()),
            ("CONFD_STATE_DIR", self.state_dir.display().to_string()),
        ]
    }

    /// Runs Python code after [`PYTHON_PRELUDE`] with the client environment: `proxy` is
    /// a ready `xmlrpc.client.ServerProxy`, `connect`, `job`, `ok`, `wait`, `ids` and
    /// `rest` are there.
    pub fn python(&self, code: &str) -> Output {
        Command::new("python3")
            .arg("-c")
            .arg(format!("{PYTHON_PRELUDE}{code}"))
            .envs(self.client_env())
            .output()
            .expect("python3 runs")
    }

    /// Runs `python-examples/<name>` with `args` and the client environment.
    pub fn python_example(&self, name: &str, args: &[&str]) -> Output {
        Command::new("python3")
            .arg(repo_root().join("python-examples").join(name))
            .args(args)
            .envs(self.client_env())
            .output()
            .expect("python3 runs")
    }

    /// Runs `curl -sS --cacert <ca> <args>` (real curl, the daemon's CA trusted).
    pub fn curl(&self, args: &[&str]) -> Output {
        Command::new("curl")
            .arg("-sS")
            .arg("--cacert")
            .arg(self.ca_cert())
            .args(args)
            .output()
            .expect("curl runs")
    }
}

impl Drop for TestDaemon {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Standard base64 (what `base64` the command prints), for Basic-auth headers.
pub fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The repository root (parent of this crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Stdout of a finished program, asserting it succeeded (stderr in the panic message).
pub fn stdout_ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

mod pause;
mod s3_server;
mod tree_hash;
use pause::Breakpoints;
pub use pause::{Gate, Pause, PausePoint, Phase};
pub use s3_server::{S3_ACCESS_KEY, S3_SECRET_KEY, S3Server};
pub use tree_hash::tree_hash;
