//! Peak RSS of the real `confd` binary (a child process, so the bench's own memory does
//! not count) while it backs up a larger data set: `VmHWM` of `/proc/<pid>/status`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, bail};
use serde_json::json;

use super::client::Client;
use super::data::{DataSet, sh};
use super::mb_s;
use crate::PASSWORD;

/// A `confd` child process; killed (SIGTERM, then waited for) on drop.
struct Daemon {
    child: Child,
    url: String,
}

impl Daemon {
    fn start(state_dir: &std::path::Path) -> anyhow::Result<Self> {
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

    fn status_kib(&self, key: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {key} in /proc/<pid>/status"))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Prints the peak RSS of `confd` during a level-0 zstd-1 backup of `total` bytes.
pub fn peak_rss(total: u64, nodes: usize) -> anyhow::Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("confd-bench-rss-")
        .tempdir()
        .context("scratch directory")?;
    let root = scratch.path().join("data");
    let data = DataSet::generate(&root, nodes, total / nodes as u64)?;
    let volume = scratch.path().join("volume");
    std::fs::create_dir_all(&volume)?;
    let daemon = Daemon::start(&scratch.path().join("state"))?;
    let client = Client::new(daemon.url.clone(), "admin", PASSWORD);
    client.call(
        "db_create",
        json!({"db_name": "RSS", "nodes": nodes, "data_path": root.display().to_string()}),
    )?;
    client.call(
        "remote_volume_add",
        json!({"vol_type": "file", "url": format!("file://{}", volume.display()),
               "remote_volume_name": "rss"}),
    )?;
    let before = daemon.status_kib("VmHWM:")?;
    // The generated data is flushed first so the backup does not pay for it.
    sh("sync")?;
    let run = client.timed(
        "db_backup_start",
        json!({"db_name": "RSS", "backup_volume_name": "rss", "level": 0}),
        "RSS",
        "Backup",
    )?;
    let peak = daemon.status_kib("VmHWM:")?;
    let verdict = if peak < 256 << 10 { "MET" } else { "MISSED" };
    println!(
        "rss      confd child process, level-0 zstd-1 backup of {} bytes ({:.2} GB, {} files, {} nodes) in {:.2} s = {:.0} MB/s: peak RSS (VmHWM) {:.1} MiB (before the backup {:.1} MiB) | target < 256 MiB: {verdict}",
        data.bytes,
        data.bytes as f64 / 1e9,
        data.files,
        nodes,
        run.secs,
        mb_s(data.bytes, run.secs),
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
    );
    drop(daemon);
    Ok(())
}
