//! Peak RSS of the real `confd` binary (a child process, so the bench's own memory does
//! not count) while it backs up a larger data set: `VmHWM` of `/proc/<pid>/status`.

use anyhow::Context as _;
use serde_json::json;

use super::child::Confd;
use super::data::{Cache, DataSet, sh};
use super::mb_s;

/// A level-0 backup by a `confd` child and what it cost.
pub struct ChildBackup {
    pub data: DataSet,
    pub secs: f64,
    /// Peak RSS before the backup and at its end, KiB.
    pub before_kib: u64,
    pub peak_kib: u64,
}

/// Generates `total` bytes of mixed data over `nodes` nodes and has a fresh `confd`
/// child back it up to a local volume. `cache` prepares the run; without one the data is
/// only flushed (`sync`), so the backup does not pay for writing it.
pub fn child_backup(total: u64, nodes: usize, cache: Option<Cache>) -> anyhow::Result<ChildBackup> {
    let scratch = tempfile::Builder::new()
        .prefix("confd-bench-rss-")
        .tempdir()
        .context("scratch directory")?;
    let root = scratch.path().join("data");
    let data = DataSet::generate(&root, nodes, total / nodes as u64)?;
    let volume = scratch.path().join("volume");
    std::fs::create_dir_all(&volume)?;
    let daemon = Confd::start(&scratch.path().join("state"))?;
    let client = daemon.client();
    client.call(
        "db_create",
        json!({"db_name": "RSS", "nodes": nodes, "data_path": root.display().to_string()}),
    )?;
    client.call(
        "remote_volume_add",
        json!({"vol_type": "file", "url": format!("file://{}", volume.display()),
               "remote_volume_name": "rss"}),
    )?;
    let before_kib = daemon.peak_kib()?;
    match cache {
        Some(cache) => cache.prepare(&[&root])?,
        None => sh("sync")?,
    }
    let run = client.timed(
        "db_backup_start",
        json!({"db_name": "RSS", "backup_volume_name": "rss", "level": 0}),
        "RSS",
        "Backup",
    )?;
    let peak_kib = daemon.peak_kib()?;
    drop(daemon);
    Ok(ChildBackup {
        data,
        secs: run.secs,
        before_kib,
        peak_kib,
    })
}

/// Prints the peak RSS of `confd` during a level-0 zstd-1 backup of `total` bytes.
pub fn peak_rss(total: u64, nodes: usize) -> anyhow::Result<()> {
    let run = child_backup(total, nodes, None)?;
    let data = &run.data;
    let verdict = if run.peak_kib < RSS_TARGET_KIB {
        "MET"
    } else {
        "MISSED"
    };
    println!(
        "rss      confd child process, level-0 zstd-1 backup of {} bytes ({:.2} GB, {} files, {} nodes) in {:.2} s = {:.0} MB/s: peak RSS (VmHWM) {:.1} MiB (before the backup {:.1} MiB) | target < 256 MiB: {verdict}",
        data.bytes,
        data.bytes as f64 / 1e9,
        data.files,
        nodes,
        run.secs,
        mb_s(data.bytes, run.secs),
        mib(run.peak_kib),
        mib(run.before_kib),
    );
    Ok(())
}

/// The peak RSS every backup and restore of the daemon should stay under (design 8).
pub const RSS_TARGET_KIB: u64 = 256 << 10;

/// KiB as MiB.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
