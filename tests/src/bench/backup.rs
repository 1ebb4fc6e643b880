//! Backup and restore figures (design 8), driven through an in-process daemon over
//! XML-RPC exactly as a client would: `db_backup_start` / `db_restore`, then
//! `db_backup_progress` every 10 ms until the "successfully finished" comment. Each figure
//! is printed beside its reference pipeline, run on the same data in the same run.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::{Value, json};

use super::client::{Client, POLL_SECS, Timed};
use super::data::{Cache, DataSet, dir_bytes, quote, time_sh};
use super::{Selection, mb_s, verdict};
use crate::TestDaemon;

const DB: &str = "BENCH";
const RESTORED: &str = "BENCH_RESTORED";
const VOL_ZSTD: &str = "bench_zstd";
const VOL_RAW: &str = "bench_raw";

/// Sizes of the run.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Bytes of data, all nodes together.
    pub total: u64,
    /// Node count.
    pub nodes: usize,
}

/// Percentiles of latencies in ms: (p50, p99, max).
fn percentiles(ms: &[f64]) -> (f64, f64, f64) {
    let mut v = ms.to_vec();
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v.get(((v.len() as f64 * q) as usize).min(v.len().saturating_sub(1)));
    (
        at(0.5).copied().unwrap_or(0.0),
        at(0.99).copied().unwrap_or(0.0),
        v.last().copied().unwrap_or(0.0),
    )
}

/// The phases the polls saw, for the figure just printed.
fn detail(t: &Timed) {
    let (p50, p99, max) = percentiles(&t.poll_ms);
    println!(
        "           ours by phase (as polled): {}; its {} progress polls: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms",
        t.phase_times(),
        t.poll_ms.len()
    );
}

struct Bench {
    client: Client,
    data: DataSet,
    scratch: PathBuf,
    cache: Cache,
}

impl Bench {
    fn backup(&self, volume: &str, level: u8) -> anyhow::Result<Timed> {
        self.client.timed(
            "db_backup_start",
            json!({"db_name": DB, "backup_volume_name": volume, "level": level}),
            DB,
            "Backup",
        )
    }

    fn vol_dir(&self, name: &str) -> PathBuf {
        self.scratch.join(name)
    }

    fn add_volume(&self, name: &str, options: &[&str]) -> anyhow::Result<()> {
        let dir = self.vol_dir(name);
        std::fs::create_dir_all(&dir)?;
        self.client.call(
            "remote_volume_add",
            json!({"vol_type": "file", "url": format!("file://{}", dir.display()),
                   "remote_volume_name": name, "options": options}),
        )?;
        Ok(())
    }
}

/// Runs the selected backup/restore figures (everything except `rss` and `xmlrpc`).
pub fn run(sel: &Selection, sizes: Sizes) -> anyhow::Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("confd-bench-")
        .tempdir()
        .context("scratch directory")?;
    let root = scratch.path().join("data");
    let per_node = sizes.total / sizes.nodes as u64;
    let data = DataSet::generate(&root, sizes.nodes, per_node)?;
    let compressibility = data.compressibility()?;
    let cache = Cache::detect();
    println!(
        "data     {} bytes ({:.2} GB) in {} files and {} directories, {} nodes x {} MiB, storage::datagen seed {:#x}: half CSV text, half random blocks; zstd-1 compressibility {compressibility:.2}x (sampled)",
        data.bytes,
        data.bytes as f64 / 1e9,
        data.files,
        data.dirs,
        data.nodes,
        per_node >> 20,
        super::data::SEED,
    );
    println!("cache    {}", cache.describe());
    println!(
        "timing   ours: wall clock from the db_backup_start/db_restore call to the first 'successfully finished' answer of db_backup_progress, polled every {:.0} ms by Python xmlrpc.client (adds <= ~{:.0} ms); reference: wall clock of `sh -c PIPELINE`",
        POLL_SECS * 1e3,
        POLL_SECS * 1e3 + 1.0
    );

    let d = TestDaemon::start_with(|c| c.demo = false);
    let client = Client::new(d.xmlrpc_url(), d.user(), d.password());
    client.call(
        "db_create",
        json!({"db_name": DB, "nodes": sizes.nodes, "data_path": root.display().to_string()}),
    )?;
    let bench = Bench {
        client,
        data,
        scratch: scratch.path().to_path_buf(),
        cache,
    };
    bench.add_volume(VOL_ZSTD, &[])?;
    bench.add_volume(VOL_RAW, &["nocompression"])?;

    let ref_zst = scratch.path().join("ref.tar.zst");
    // A verify figure is only meaningful beside a restore of the same backup in the same run.
    let restores = sel.restore || sel.verify;
    let need_l0 = sel.backup || restores || sel.incremental || sel.progress;
    let l0 = if need_l0 {
        Some(level0(&bench, &ref_zst, sel.backup || restores)?)
    } else {
        None
    };
    if let Some(l0) = &l0 {
        let (p50, p99, max) = percentiles(&l0.poll_ms);
        println!(
            "progress db_backup_progress during the level-0 zstd-1 backup, {} polls every {:.0} ms from Python xmlrpc.client (HTTPS, keep-alive): p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms | target p99 < 5 ms: {}",
            l0.poll_ms.len(),
            POLL_SECS * 1e3,
            if p99 < 5.0 { "MET" } else { "MISSED" }
        );
    }
    if sel.nocompression {
        nocompression(&bench)?;
    }
    if restores {
        let restore_secs = restore(&bench, &ref_zst)?;
        if sel.verify {
            verify(&bench, restore_secs)?;
        }
    }
    if sel.incremental
        && let Some(l0) = &l0
    {
        incremental(&bench, l0)?;
    }
    drop(d);
    Ok(())
}

fn level0(b: &Bench, ref_zst: &Path, with_reference: bool) -> anyhow::Result<Timed> {
    let data = &b.data;
    let ours = {
        b.cache.prepare(&[&data.root])?;
        b.backup(VOL_ZSTD, 0)?
    };
    let stored = dir_bytes(&b.vol_dir(VOL_ZSTD))?;
    let ours_line = format!(
        "{:.2} s = {:.0} MB/s, stored {:.3} GB ({:.2}x)",
        ours.secs,
        mb_s(data.bytes, ours.secs),
        stored as f64 / 1e9,
        data.bytes as f64 / stored.max(1) as f64
    );
    if !with_reference {
        println!("backup   level-0 zstd-1 (needed by the figures asked for): ours {ours_line}");
        detail(&ours);
        return Ok(ours);
    }
    b.cache.prepare(&[&data.root])?;
    let pipeline = format!(
        "tar -cf - -C {} . | zstd -q -1 -T0 > {} && sync",
        quote(&data.root),
        quote(ref_zst)
    );
    let reference = time_sh(&pipeline)?;
    let ref_size = std::fs::metadata(ref_zst)?.len();
    println!(
        "backup   level-0 zstd-1: ours {ours_line} | `tar -cf - DIR | zstd -1 -T0 > FILE && sync` {reference:.2} s = {:.0} MB/s, {:.3} GB ({:.2}x) | ours/reference {}",
        mb_s(data.bytes, reference),
        ref_size as f64 / 1e9,
        data.bytes as f64 / ref_size.max(1) as f64,
        verdict(reference / ours.secs, 1.0)
    );
    detail(&ours);
    Ok(ours)
}

fn nocompression(b: &Bench) -> anyhow::Result<()> {
    let data = &b.data;
    b.cache.prepare(&[&data.root])?;
    let ours = b.backup(VOL_RAW, 0)?;
    let copy = b.scratch.join("ref_copy");
    b.cache.prepare(&[&data.root])?;
    let reference = time_sh(&format!(
        "cp -r {} {} && sync",
        quote(&data.root),
        quote(&copy)
    ))?;
    std::fs::remove_dir_all(&copy)?;
    println!(
        "nocomp   level-0 to a `nocompression` volume: ours {:.2} s = {:.0} MB/s | `cp -r DIR DEST && sync` {reference:.2} s = {:.0} MB/s | ours/reference {}",
        ours.secs,
        mb_s(data.bytes, ours.secs),
        mb_s(data.bytes, reference),
        verdict(reference / ours.secs, 0.8)
    );
    detail(&ours);
    Ok(())
}

/// The ID of the level-0 backup on the zstd volume.
fn level0_id(b: &Bench) -> anyhow::Result<String> {
    let list = b.client.call("db_backup_list", json!({"db_name": DB}))?;
    let id = list
        .as_array()
        .and_then(|l| {
            l.iter().find(|e| {
                e.get("level").and_then(Value::as_u64) == Some(0)
                    && e.get("volume").and_then(Value::as_str) == Some(VOL_ZSTD)
            })
        })
        .and_then(|e| e.get("id").and_then(Value::as_str))
        .with_context(|| format!("no level-0 backup on {VOL_ZSTD} in {list}"))?
        .to_owned();
    Ok(id)
}

/// Restores the level-0 backup; returns our seconds.
fn restore(b: &Bench, ref_zst: &Path) -> anyhow::Result<f64> {
    let data = &b.data;
    let id = level0_id(b)?;
    let target = b.scratch.join("restored");
    std::fs::create_dir_all(&target)?;
    b.client.call(
        "db_create",
        json!({"db_name": RESTORED, "nodes": data.nodes, "auto_start": false,
               "data_path": target.display().to_string()}),
    )?;
    b.cache.prepare(&[&b.vol_dir(VOL_ZSTD)])?;
    let ours = b.client.timed(
        "db_restore",
        json!({"db_name": RESTORED, "backup_id": id, "restore_type": "blocking"}),
        RESTORED,
        "Restore",
    )?;
    let ref_dest = b.scratch.join("ref_restored");
    std::fs::create_dir_all(&ref_dest)?;
    b.cache.prepare(&[ref_zst])?;
    let reference = time_sh(&format!(
        "zstd -q -d < {} | tar -xf - -C {} && sync",
        quote(ref_zst),
        quote(&ref_dest)
    ))?;
    // Both trees must be the data at level-0 time; checked after the clocks stopped.
    let same = std::process::Command::new("diff")
        .args(["-r", "-q"])
        .arg(&target)
        .arg(&ref_dest)
        .output()?;
    let check = if same.status.success() {
        "byte-for-byte equal to the reference's tree (diff -r)"
    } else {
        "DIFFERS from the reference's tree (diff -r)"
    };
    std::fs::remove_dir_all(&ref_dest)?;
    println!(
        "restore  level-0 zstd-1, every chunk BLAKE3-verified: ours {:.2} s = {:.0} MB/s | `zstd -d < FILE | tar -xf - -C DEST && sync` {reference:.2} s = {:.0} MB/s | ours/reference {} | {check}",
        ours.secs,
        mb_s(data.bytes, ours.secs),
        mb_s(data.bytes, reference),
        verdict(reference / ours.secs, 1.0)
    );
    detail(&ours);
    Ok(ours.secs)
}

/// Verifies the level-0 backup the restore just read, from a cold cache like it.
fn verify(b: &Bench, restore_secs: f64) -> anyhow::Result<()> {
    let data = &b.data;
    let id = level0_id(b)?;
    b.cache.prepare(&[&b.vol_dir(VOL_ZSTD)])?;
    let ours = b.client.timed(
        "db_backup_verify",
        json!({"db_name": DB, "backup_id": id}),
        DB,
        "Verify",
    )?;
    println!(
        "verify   level-0 zstd-1, every chunk BLAKE3-verified, nothing written: ours {:.2} s = {:.0} MB/s | restore of the same backup in this run {restore_secs:.2} s = {:.0} MB/s | verify/restore speed {}",
        ours.secs,
        mb_s(data.bytes, ours.secs),
        mb_s(data.bytes, restore_secs),
        verdict(restore_secs / ours.secs, 1.0)
    );
    detail(&ours);
    Ok(())
}

fn incremental(b: &Bench, l0: &Timed) -> anyhow::Result<()> {
    let data = &b.data;
    let (files, bytes) = data.change_files(1.0)?;
    b.cache.prepare(&[&data.root])?;
    let ours = b.backup(VOL_ZSTD, 1)?;
    println!(
        "incr     level-1 after rewriting {files} of {} files ({:.1} MB, {:.1} % of the bytes; new content, new mtime): ours {:.3} s = {:.0} MB/s scanned | level-0 of the same data {:.2} s | level-0/level-1 {}",
        data.files,
        bytes as f64 / 1e6,
        bytes as f64 * 100.0 / data.bytes.max(1) as f64,
        ours.secs,
        mb_s(data.bytes, ours.secs),
        l0.secs,
        verdict(l0.secs / ours.secs, 10.0)
    );
    detail(&ours);
    Ok(())
}
