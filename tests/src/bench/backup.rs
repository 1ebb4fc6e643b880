//! Backup figures (design 8), driven through an in-process daemon over XML-RPC exactly
//! as a client would: `db_backup_start`, then `db_backup_progress` every 10 ms until the
//! "successfully finished" comment. Each figure is printed beside its reference pipeline
//! and its ceiling, run on the same data in the same run. Each data set gets a fresh
//! daemon and scratch directory, removed before the next set is made, so disk use stays
//! that of one set.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::json;

use super::ceilings::{self, Ceilings, Needs};
use super::client::{Client, POLL_SECS, Timed};
use super::cpu::{CpuTimes, Spent, describe};
use super::data::{Cache, DataSet, dir_bytes, quote, time_sh};
use super::pollers::{self, POLLERS, percentiles};
use super::server_latency::Histogram;
use super::{DataKind, Selection, mb_s, restore, s3, sets, verdict};
use crate::TestDaemon;

pub(super) const DB: &str = "BENCH";
pub(super) const VOL_ZSTD: &str = "bench_zstd";
const VOL_RAW: &str = "bench_raw";
const VOL_LOAD: &str = "bench_load";

/// Sizes of the run.
#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    /// Bytes of the `mixed` and `real` sets, all nodes together.
    pub total: u64,
    /// Node count of the `mixed` and `real` sets.
    pub nodes: usize,
    /// Bytes of the one file of the `big` set.
    pub big: u64,
}

/// The second line of a figure: the phases the polls saw, the poll latencies, and where
/// the CPU time went (ours: the bench process, which runs the daemon; the reference: its
/// pipeline's processes).
pub(super) fn detail(set: &str, t: &Timed, ours: &Spent, reference: Option<&Spent>) {
    let (p50, p99, max) = percentiles(&t.poll_ms);
    let reference = reference.map_or(String::new(), |r| {
        format!(", reference {}", describe(r.children))
    });
    println!(
        "           [{set}] ours by phase (as polled): {}; its {} progress polls: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms; CPU: ours {}{reference}",
        t.phase_times(),
        t.poll_ms.len(),
        describe(ours.own),
    );
}

/// One data set's daemon, data and measurements.
pub(super) struct Bench {
    pub client: Client,
    pub data: DataSet,
    pub scratch: PathBuf,
    pub cache: Cache,
    pub ceilings: Ceilings,
    /// `http://127.0.0.1:<port>` of the daemon's `/metrics` (S3 request counts, its own
    /// latency histogram).
    pub metrics_url: String,
}

impl Bench {
    /// Starts an in-process daemon without the demo and creates [`DB`] over `data`. The
    /// daemon is returned to be kept alive as long as the bench is used.
    pub fn start(
        data: DataSet,
        scratch: &Path,
        cache: Cache,
        ceilings: Ceilings,
    ) -> anyhow::Result<(Self, TestDaemon)> {
        let d = TestDaemon::start_with(|c| c.demo = false);
        let client = Client::new(d.xmlrpc_url(), d.user(), d.password());
        client.call(
            "db_create",
            json!({"db_name": DB, "nodes": data.nodes,
                   "data_path": data.root.display().to_string()}),
        )?;
        let bench = Self {
            client,
            data,
            scratch: scratch.to_path_buf(),
            cache,
            ceilings,
            metrics_url: d.metrics_url(),
        };
        Ok((bench, d))
    }

    /// `[mixed]`, `[real]`, ...: the set's name on each line.
    pub fn set(&self) -> &'static str {
        self.data.name
    }

    pub fn backup(&self, volume: &str, level: u8) -> anyhow::Result<(Timed, Spent)> {
        CpuTimes::measure(|| {
            self.client.timed(
                "db_backup_start",
                json!({"db_name": DB, "backup_volume_name": volume, "level": level}),
                DB,
                "Backup",
            )
        })
    }

    pub fn vol_dir(&self, name: &str) -> PathBuf {
        self.scratch.join(name)
    }

    pub fn add_volume(&self, name: &str, options: &[&str]) -> anyhow::Result<()> {
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

/// Runs the selected backup, restore and S3 figures (everything except `rss`, `growth`
/// and `xmlrpc`) on each data set of `kinds`.
pub fn run(sel: &Selection, sizes: Sizes, kinds: &[DataKind]) -> anyhow::Result<()> {
    let cache = Cache::detect();
    println!("cache    {}", cache.describe());
    println!(
        "timing   ours: wall clock from the db_backup_start/db_restore call to the first 'successfully finished' answer of db_backup_progress, polled every {:.0} ms by Python xmlrpc.client (adds <= ~{:.0} ms); reference and ceilings: wall clock of `sh -c PIPELINE`; ratios are speed ratios (> 1: ours faster)",
        POLL_SECS * 1e3,
        POLL_SECS * 1e3 + 1.0
    );
    for &kind in kinds {
        run_set(sel, sizes, kind, cache)?;
    }
    Ok(())
}

fn run_set(sel: &Selection, sizes: Sizes, kind: DataKind, cache: Cache) -> anyhow::Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("confd-bench-")
        .tempdir()
        .context("scratch directory")?;
    let root = scratch.path().join("data");
    let data = sets::prepare(kind, &root, sizes)?;
    let needs = Needs {
        cpu: sel.backup,
        write: sel.restore || sel.nocompression,
        read: sel.backup,
    };
    let ceilings = Ceilings::measure(needs, &data, cache, scratch.path())?;
    let (bench, d) = Bench::start(data, scratch.path(), cache, ceilings)?;
    bench.add_volume(VOL_ZSTD, &[])?;
    bench.add_volume(VOL_RAW, &["nocompression"])?;
    figures(&bench, sel)?;
    drop(d);
    Ok(())
}

fn figures(b: &Bench, sel: &Selection) -> anyhow::Result<()> {
    let ref_zst = b.scratch.join("ref.tar.zst");
    // A verify figure is only meaningful beside a restore of the same backup in the same run.
    let restores = sel.restore || sel.verify;
    let need_l0 = sel.backup || restores || sel.incremental || sel.progress;
    let l0 = if need_l0 {
        Some(level0(b, &ref_zst, sel.backup || restores)?)
    } else {
        None
    };
    if sel.progress
        && let Some(l0) = &l0
    {
        let (p50, p99, max) = percentiles(&l0.poll_ms);
        println!(
            "progress [{}] 1 poller: db_backup_progress during the level-0 zstd-1 backup, {} polls every {:.0} ms from Python xmlrpc.client (HTTPS, keep-alive): p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms | target p99 < 5 ms: {} | {}",
            b.set(),
            l0.poll_ms.len(),
            POLL_SECS * 1e3,
            met(p99 < 5.0),
            idle_reference(b, 1)?
        );
    }
    if sel.nocompression {
        nocompression(b)?;
    }
    if restores {
        let restore_secs = restore::restore(b, &ref_zst)?;
        if sel.verify {
            restore::verify(b, restore_secs)?;
        }
        restore::remove_restored(b)?;
    }
    if sel.incremental
        && let Some(l0) = &l0
    {
        incremental(b, l0)?;
    }
    if sel.progress {
        progress_under_load(b)?;
    }
    if sel.s3 {
        s3::figures(b)?;
    }
    Ok(())
}

pub(super) fn met(yes: bool) -> &'static str {
    if yes { "MET" } else { "MISSED" }
}

/// `" | ours/NAME ceiling 0.91x (target >= 0.85x): MET"`, empty when not measured.
pub(super) fn against_ceiling(name: &str, ceiling: Option<f64>, ours: f64, target: f64) -> String {
    ceiling.map_or(String::new(), |c| {
        format!(" | ours/{name} ceiling {}", verdict(c / ours, target))
    })
}

fn level0(b: &Bench, ref_zst: &Path, with_reference: bool) -> anyhow::Result<Timed> {
    let data = &b.data;
    b.cache.prepare(&[&data.root])?;
    let (ours, ours_cpu) = b.backup(VOL_ZSTD, 0)?;
    let stored = dir_bytes(&b.vol_dir(VOL_ZSTD))?;
    let ours_line = format!(
        "{:.2} s = {:.0} MB/s, stored {:.3} GB ({:.2}x)",
        ours.secs,
        mb_s(data.bytes, ours.secs),
        stored as f64 / 1e9,
        data.bytes as f64 / stored.max(1) as f64
    );
    if !with_reference {
        println!(
            "backup   [{}] level-0 zstd-1 (needed by the figures asked for): ours {ours_line}",
            b.set()
        );
        detail(b.set(), &ours, &ours_cpu, None);
        return Ok(ours);
    }
    b.cache.prepare(&[&data.root])?;
    let pipeline = format!(
        "tar -cf - -C {} . | zstd -q -1 -T0 > {} && sync",
        quote(&data.root),
        quote(ref_zst)
    );
    let (reference, ref_cpu) = CpuTimes::measure(|| time_sh(&pipeline))?;
    let ref_size = std::fs::metadata(ref_zst)?.len();
    let read = b.ceilings.read.map_or(String::new(), |r| {
        format!(" | ours/read ceiling {:.2}x", r / ours.secs)
    });
    let device = ceilings::device(b.cache, &data.root, stored, &b.scratch)?;
    println!(
        "backup   [{}] level-0 zstd-1: ours {ours_line} | `tar -cf - DIR | zstd -1 -T0 > FILE && sync` {reference:.2} s = {:.0} MB/s, {:.3} GB ({:.2}x) | ours/reference {}{}{read}{}",
        b.set(),
        mb_s(data.bytes, reference),
        ref_size as f64 / 1e9,
        data.bytes as f64 / ref_size.max(1) as f64,
        verdict(reference / ours.secs, 1.5),
        against_ceiling("CPU", b.ceilings.cpu, ours.secs, 0.85),
        ceilings::device_line(
            device,
            ours.secs,
            "reading the set while writing the stored bytes"
        ),
    );
    detail(b.set(), &ours, &ours_cpu, Some(&ref_cpu));
    Ok(ours)
}

fn nocompression(b: &Bench) -> anyhow::Result<()> {
    let data = &b.data;
    b.cache.prepare(&[&data.root])?;
    let (ours, ours_cpu) = b.backup(VOL_RAW, 0)?;
    // With a warm cache the reference is the write ceiling's very measurement.
    let (reference, ref_cpu) = match (b.cache, b.ceilings.write) {
        (Cache::Warm, Some(secs)) => (secs, None),
        _ => {
            let copy = b.scratch.join("ref_copy");
            b.cache.prepare(&[&data.root])?;
            let script = format!("cp -r {} {} && sync", quote(&data.root), quote(&copy));
            let (secs, cpu) = CpuTimes::measure(|| time_sh(&script))?;
            std::fs::remove_dir_all(&copy)?;
            (secs, Some(cpu))
        }
    };
    println!(
        "nocomp   [{}] level-0 to a `nocompression` volume: ours {:.2} s = {:.0} MB/s | `cp -r DIR DEST && sync` ({}) {reference:.2} s = {:.0} MB/s | ours/reference {}",
        b.set(),
        ours.secs,
        mb_s(data.bytes, ours.secs),
        b.cache.short(),
        mb_s(data.bytes, reference),
        verdict(reference / ours.secs, 1.0)
    );
    detail(b.set(), &ours, &ours_cpu, ref_cpu.as_ref());
    Ok(())
}

fn incremental(b: &Bench, l0: &Timed) -> anyhow::Result<()> {
    let data = &b.data;
    let (files, bytes) = data.change_files(1.0)?;
    b.cache.prepare(&[&data.root])?;
    let (ours, ours_cpu) = b.backup(VOL_ZSTD, 1)?;
    println!(
        "incr     [{}] level-1 after rewriting {files} of {} files ({:.1} MB, {:.1} % of the bytes; new content, new mtime): ours {:.3} s = {:.0} MB/s scanned | level-0 of the same data {:.2} s | level-0/level-1 {}",
        b.set(),
        data.files,
        bytes as f64 / 1e6,
        bytes as f64 * 100.0 / data.bytes.max(1) as f64,
        ours.secs,
        mb_s(data.bytes, ours.secs),
        l0.secs,
        verdict(l0.secs / ours.secs, 10.0)
    );
    detail(b.set(), &ours, &ours_cpu, None);
    Ok(())
}

/// The same polls by `count` pollers with no operation running, as printed beside a
/// progress figure.
fn idle_reference(b: &Bench, count: usize) -> anyhow::Result<String> {
    let idle = pollers::idle(&b.client, &b.scratch, DB, count)?;
    let (p50, p99, max) = percentiles(&idle.latencies);
    Ok(format!(
        "reference, {count} poller(s) and no operation running: p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms; {}",
        idle.where_time_went()
    ))
}

/// Another level-0 backup, to a volume of its own, while [`POLLERS`] clients poll.
fn progress_under_load(b: &Bench) -> anyhow::Result<()> {
    b.add_volume(VOL_LOAD, &[])?;
    b.cache.prepare(&[&b.data.root])?;
    let start = (
        "db_backup_start",
        json!({"db_name": DB, "backup_volume_name": VOL_LOAD, "level": 0}),
        DB,
        "Backup",
    );
    let before = Histogram::read(&b.metrics_url)?;
    let ((ours, polled), ours_cpu) =
        CpuTimes::measure(|| pollers::under_load(&b.client, &b.scratch, start))?;
    let (server_p99, served) = Histogram::read(&b.metrics_url)?.quantile_since(&before, 0.99);
    let (p50, p99, max) = percentiles(&polled.latencies);
    println!(
        "progress [{}] {POLLERS} concurrent pollers: db_backup_progress during a level-0 zstd-1 backup ({:.2} s = {:.0} MB/s), {POLLERS} Python xmlrpc.client processes, each its own HTTPS keep-alive connection, polling every {:.0} ms beside the timing client: {} polls, p50 {p50:.2} ms, p99 {p99:.2} ms, max {max:.2} ms | target p99 < 5 ms: {} | {} | the daemon's own handler time (its /metrics histogram, {served} requests): p99 <= {server_p99:.1} ms | {}",
        b.set(),
        ours.secs,
        mb_s(b.data.bytes, ours.secs),
        POLL_SECS * 1e3,
        polled.latencies.len(),
        met(p99 < 5.0),
        polled.where_time_went(),
        idle_reference(b, POLLERS + 1)?
    );
    detail(b.set(), &ours, &ours_cpu, None);
    Ok(())
}
