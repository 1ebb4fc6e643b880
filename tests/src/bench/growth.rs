//! Cost as the work grows: the time and peak RSS of a `confd` child's level-0 backup at
//! growing sizes (time should grow linearly, memory not at all), many small files
//! ([`small_files`](super::small_files)), and level-1 time as the share of changed files
//! grows, each beside a level-0 of the same data.

use anyhow::Context as _;

use super::backup::{Bench, Sizes, met};
use super::ceilings::Ceilings;
use super::data::{Cache, ensure_room};
use super::rss::{ChildBackup, RSS_TARGET_KIB, child_backup, mib};
use super::{DataKind, mb_s, sets, small_files};

const GIB: u64 = 1 << 30;
/// Time per byte at the largest size may be this much above the smallest's and still
/// count as linear: the machine is shared, one run can be that much slower.
const LINEAR_SLACK: f64 = 1.25;
const VOL_L1: &str = "growth_l1";

/// What the growth figures run on.
#[derive(Debug, Clone, Copy)]
pub struct Growth {
    /// Adds the 16 GiB backup.
    pub scale: bool,
    /// Files of the small-files set.
    pub small_files: usize,
    /// Nodes of every set.
    pub nodes: usize,
    /// Bytes of the `real` set the level-1 figures change.
    pub size: u64,
}

/// Runs the growth figures.
pub fn run(g: Growth, cache: Cache) -> anyhow::Result<()> {
    sizes(g, cache)?;
    small_files::run(g.small_files, g.nodes, cache)?;
    level1(g, cache)
}

/// The small-files figures alone (`--only smallfiles`).
pub fn small_files_only(g: Growth, cache: Cache) -> anyhow::Result<()> {
    small_files::run(g.small_files, g.nodes, cache)
}

fn sizes(g: Growth, cache: Cache) -> anyhow::Result<()> {
    let mut sizes = vec![GIB, 4 * GIB];
    if g.scale {
        sizes.push(16 * GIB);
    }
    let mut runs: Vec<ChildBackup> = Vec::new();
    for &total in &sizes {
        // The data and its backup (about 0.6 of it) at once.
        ensure_room(&std::env::temp_dir(), total * 17 / 10, "the growth backup")?;
        let run = child_backup(total, g.nodes, Some(cache))?;
        println!(
            "growth   [mixed] level-0 zstd-1 backup of {} GiB ({:.2} GB, {} files, {} nodes), confd child: {:.2} s = {:.0} MB/s, peak RSS {:.1} MiB (before {:.1} MiB)",
            total / GIB,
            run.data.bytes as f64 / 1e9,
            run.data.files,
            g.nodes,
            run.secs,
            mb_s(run.data.bytes, run.secs),
            mib(run.peak_kib),
            mib(run.before_kib),
        );
        runs.push(run);
    }
    let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
        return Ok(());
    };
    let per_byte = |r: &ChildBackup| r.secs / r.data.bytes.max(1) as f64;
    let slope = per_byte(last) / per_byte(first);
    let peaks: Vec<u64> = runs.iter().map(|r| r.peak_kib).collect();
    let (low, high) = (
        peaks.iter().min().copied().unwrap_or(0),
        peaks.iter().max().copied().unwrap_or(0),
    );
    println!(
        "growth   [mixed] time linear in the size: time per byte at {} GiB / at {} GiB {slope:.2}x (target <= {LINEAR_SLACK}x): {} | RSS flat: peak RSS {:.1}-{:.1} MiB over the sizes ({:+.1} MiB from the smallest to the largest), target < 256 MiB at every size: {}",
        sizes.last().copied().unwrap_or(0) / GIB,
        sizes.first().copied().unwrap_or(0) / GIB,
        met(slope <= LINEAR_SLACK),
        mib(low),
        mib(high),
        mib(last.peak_kib) - mib(first.peak_kib),
        met(high < RSS_TARGET_KIB),
    );
    Ok(())
}

/// Level-1 after rewriting 0.1 %, 1 % and 10 % of the files of the `real` set, each after
/// a level-0 of the data as it is then, so each level-1 has exactly that change to find.
fn level1(g: Growth, cache: Cache) -> anyhow::Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("confd-bench-l1-")
        .tempdir()
        .context("scratch directory")?;
    let root = scratch.path().join("data");
    let sizes = Sizes {
        total: g.size,
        nodes: g.nodes,
        big: 0,
    };
    let data = sets::prepare(DataKind::Real, &root, sizes)?;
    let (b, d) = Bench::start(data, scratch.path(), cache, Ceilings::default())?;
    b.add_volume(VOL_L1, &[])?;
    for percent in [0.1, 1.0, 10.0] {
        cache.prepare(&[&b.data.root])?;
        let (l0, _) = b.backup(VOL_L1, 0)?;
        let (files, bytes) = b.data.change_files(percent)?;
        cache.prepare(&[&b.data.root])?;
        let (l1, _) = b.backup(VOL_L1, 1)?;
        println!(
            "growth   [real] level-1 after rewriting {percent} % of the files ({files} of {}, {:.1} MB, {:.2} % of the bytes): ours {:.3} s = {:.0} MB/s scanned | level-0 of the same data just before {:.2} s | level-1 took {:.1} % of the level-0 time, level-0/level-1 {:.1}x",
            b.data.files,
            bytes as f64 / 1e6,
            bytes as f64 * 100.0 / b.data.bytes.max(1) as f64,
            l1.secs,
            mb_s(b.data.bytes, l1.secs),
            l0.secs,
            l1.secs * 100.0 / l0.secs.max(1e-9),
            l0.secs / l1.secs.max(1e-9),
        );
    }
    drop(d);
    Ok(())
}
