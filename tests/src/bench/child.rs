//! The real `confd` binary as a child process, so its memory is measured apart from the
//! bench's own: `VmHWM` of `/proc/<pid>/status`, which `/proc/<pid>/clear_refs` can reset
//! between two operations of the same process.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, bail};

use super::client::Client;
use crate::PASSWORD;

/// A `confd` child process; killed (SIGTERM, then waited for) on drop.
pub struct Confd {
    child: Child,
    url: String,
}

impl Confd {
    /// Starts `confd` (next to the bench binary) on `state_dir`, ports chosen by the OS,
    /// and waits for its ready line.
    pub fn start(state_dir: &Path) -> anyhow::Result<Self> {
        let exe = std::env::current_exe()?.with_file_name("confd");
        if !exe.is_file() {
            bail!(
                "{} not found: build it first with `cargo build --release -p confd-tests --bin bench -p confd-daemon --bin confd`",
                exe.display()
            );
        }
        let mut child = Command::new(&exe)
            .arg("--state-dir")
            .arg(state_dir)
            .args(["--xmlrpc-listen", "127.0.0.1:0"])
            .args(["--rest-listen", "127.0.0.1:0"])
            .args(["--metrics-listen", "127.0.0.1:0"])
            .arg("--no-demo")
            .env("CONFD_ADMIN_PASSWORD", PASSWORD)
            // The binary's own "ready" line is info; the rest stays quiet.
            .env("RUST_LOG", "warn,confd=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {}", exe.display()))?;
        let stderr = child.stderr.take().context("no stderr pipe")?;
        let mut lines = BufReader::new(stderr).lines();
        let mut url = None;
        for line in lines.by_ref() {
            let line = line?;
            if let Some(rest) = line
                .split_once("confd ready: XML-RPC ")
                .map(|(_, rest)| rest)
            {
                url = rest
                    .split_whitespace()
                    .next()
                    .map(|u| u.trim_end_matches(',').to_owned());
                break;
            }
        }
        // Keep draining stderr so the daemon never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        let mut daemon = Self {
            child,
            url: String::new(),
        };
        match url {
            Some(url) => daemon.url = url,
            None => bail!("confd ended without reporting ready"),
        }
        Ok(daemon)
    }

    /// A client logged in as admin.
    pub fn client(&self) -> Client {
        Client::new(self.url.clone(), "admin", PASSWORD)
    }

    /// A value of `/proc/<pid>/status` in KiB (`key` with its colon, e.g. `"VmHWM:"`).
    fn status_kib(&self, key: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {key} in /proc/<pid>/status"))
    }

    /// Peak RSS so far (`VmHWM`), in KiB.
    pub fn peak_kib(&self) -> anyhow::Result<u64> {
        self.status_kib("VmHWM:")
    }

    /// Sets the peak RSS back to the current RSS (`5` to `clear_refs`, Linux 4.0+), so
    /// the next operation's peak is its own and not the previous one's.
    pub fn reset_peak(&self) -> anyhow::Result<()> {
        let path = format!("/proc/{}/clear_refs", self.child.id());
        std::fs::write(&path, b"5").with_context(|| format!("writing 5 to {path}"))
    }
}

impl Drop for Confd {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}
