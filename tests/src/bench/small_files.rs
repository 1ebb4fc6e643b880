//! Many small files: a set of `count` files of 1-64 KiB (log-uniform sizes, so most are
//! small as in real trees; even-numbered files CSV text, odd ones random bytes) in one
//! directory per 100 files, spread over the nodes. A `confd` child backs it up and
//! restores it beside `tar | zstd` and `zstd -d | tar -x`; per-file costs (opens, manifest
//! entries, metadata writes) dominate here, not bytes.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use confd_storage::datagen::Rng;
use serde_json::json;

use super::backup::met;
use super::big_file::csv_row;
use super::child::Confd;
use super::client::Timed;
use super::data::{Cache, DataSet, SEED, dir_bytes, ensure_room, quote, time_sh, tree_check, walk};
use super::rss::{RSS_TARGET_KIB, mib};
use super::{mb_s, verdict};

/// Files per directory.
const PER_DIR: usize = 100;
const DB: &str = "SMALL";
const RESTORED: &str = "SMALL_RESTORED";
const VOLUME: &str = "small";

/// Size of file `rng`'s next file: 1 KiB × 64^u, u uniform in [0, 1).
fn file_len(rng: &mut Rng) -> usize {
    const STEPS: u64 = 1 << 20;
    let u = rng.below(STEPS) as f64 / STEPS as f64;
    (1024.0 * 64f64.powf(u)) as usize
}

/// Writes the set under `root`: file `i` lands in directory `i / PER_DIR`, directory `d`
/// on node `d % nodes`. Each node is written by a thread of its own, with its own seeded
/// generator, so the bytes do not depend on scheduling.
fn generate(root: &Path, count: usize, nodes: usize) -> anyhow::Result<()> {
    let dirs = count.div_ceil(PER_DIR);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..nodes)
            .map(|node| {
                scope.spawn(move || -> anyhow::Result<()> {
                    let mut rng = Rng::new(SEED ^ 0x5A11 ^ node as u64);
                    let base = root.join(format!("node_{node}"));
                    fs::create_dir_all(&base).with_context(|| base.display().to_string())?;
                    let mut buf = Vec::with_capacity(64 << 10);
                    for d in (node..dirs).step_by(nodes) {
                        let dir = base.join(format!("dir_{d:05}"));
                        fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
                        for i in d * PER_DIR..count.min((d + 1) * PER_DIR) {
                            let path = fill(&mut buf, &dir, i, &mut rng);
                            fs::write(&path, &buf).with_context(|| path.display().to_string())?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .map_err(|_| anyhow::anyhow!("generator panicked"))?
        })
    })
}

/// Fills `buf` with file `i`'s bytes; returns its path in `dir`.
fn fill(buf: &mut Vec<u8>, dir: &Path, i: usize, rng: &mut Rng) -> PathBuf {
    let len = file_len(rng);
    buf.clear();
    if i.is_multiple_of(2) {
        let mut row = 0;
        while buf.len() < len {
            csv_row(buf, row, rng);
            row += 1;
        }
        buf.truncate(len);
        dir.join(format!("f_{i:07}.csv"))
    } else {
        buf.resize(len, 0);
        rng.fill(buf);
        dir.join(format!("f_{i:07}.bin"))
    }
}

/// What our side measured.
struct Ours {
    backup: Timed,
    restore: Timed,
    backup_peak_kib: u64,
    /// RSS when the peak was reset before the restore, and the restore's peak.
    restore_from_kib: u64,
    restore_peak_kib: u64,
    manifests: (usize, u64),
    check: String,
}

/// Prints the backup and restore figures of `count` small files over `nodes` nodes.
pub fn run(count: usize, nodes: usize, cache: Cache) -> anyhow::Result<()> {
    let scratch = tempfile::Builder::new()
        .prefix("confd-bench-small-")
        .tempdir()
        .context("scratch directory")?;
    // Data, volume and restored copy at once; about 15 KiB a file on average.
    ensure_room(
        scratch.path(),
        count as u64 * 16 * 1024 * 3,
        "the small-files set",
    )?;
    let root = scratch.path().join("data");
    generate(&root, count, nodes)?;
    let data = DataSet::measure("small", &root, nodes)?;
    println!(
        "data     [small] {} bytes ({:.2} GB) in {} files and {} directories: {nodes} nodes, {PER_DIR} files a directory, sizes 1-64 KiB log-uniform (mean {:.1} KiB), even files CSV text, odd ones random (seed {SEED:#x})",
        data.bytes,
        data.bytes as f64 / 1e9,
        data.files,
        data.dirs,
        data.bytes as f64 / data.files.max(1) as f64 / 1024.0,
    );
    let ours = ours(&data, scratch.path(), cache)?;
    let (ref_backup, ref_restore) = reference(&data, scratch.path(), cache)?;
    print(&data, &ours, ref_backup, ref_restore);
    Ok(())
}

/// Backup and restore by a `confd` child; the volume and the restored copy are removed
/// before returning, so the reference has the room.
fn ours(data: &DataSet, scratch: &Path, cache: Cache) -> anyhow::Result<Ours> {
    let volume = scratch.join("volume");
    let target = scratch.join("restored");
    fs::create_dir_all(&volume)?;
    fs::create_dir_all(&target)?;
    let daemon = Confd::start(&scratch.join("state"))?;
    let client = daemon.client();
    client.call(
        "db_create",
        json!({"db_name": DB, "nodes": data.nodes, "data_path": data.root.display().to_string()}),
    )?;
    client.call(
        "remote_volume_add",
        json!({"vol_type": "file", "url": format!("file://{}", volume.display()),
               "remote_volume_name": VOLUME}),
    )?;
    cache.prepare(&[&data.root])?;
    let backup = client.timed(
        "db_backup_start",
        json!({"db_name": DB, "backup_volume_name": VOLUME, "level": 0}),
        DB,
        "Backup",
    )?;
    let backup_peak_kib = daemon.peak_kib()?;
    let manifests = manifests(&volume)?;
    let id = client
        .call("db_backup_list", json!({"db_name": DB}))?
        .get(0)
        .and_then(|b| b.get("id"))
        .and_then(|id| id.as_str())
        .map(str::to_owned)
        .context("no backup listed")?;
    client.call(
        "db_create",
        json!({"db_name": RESTORED, "nodes": data.nodes, "auto_start": false,
               "data_path": target.display().to_string()}),
    )?;
    daemon.reset_peak()?;
    let restore_from_kib = daemon.peak_kib()?;
    cache.prepare(&[&volume])?;
    let restore = client.timed(
        "db_restore",
        json!({"db_name": RESTORED, "backup_id": id, "restore_type": "blocking"}),
        RESTORED,
        "Restore",
    )?;
    let restore_peak_kib = daemon.peak_kib()?;
    drop(daemon);
    let check = tree_check(&data.root, &target, "the data set")?;
    fs::remove_dir_all(&target).with_context(|| target.display().to_string())?;
    fs::remove_dir_all(&volume).with_context(|| volume.display().to_string())?;
    Ok(Ours {
        backup,
        restore,
        backup_peak_kib,
        restore_from_kib,
        restore_peak_kib,
        manifests,
        check,
    })
}

/// The `metadata_*` objects (one manifest per node) on the volume: (count, bytes).
fn manifests(volume: &Path) -> anyhow::Result<(usize, u64)> {
    let found: Vec<u64> = walk(volume)?
        .into_iter()
        .filter(|(p, _)| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("metadata_"))
        })
        .filter_map(|(_, len)| len)
        .collect();
    Ok((found.len(), found.iter().sum()))
}

/// `tar | zstd -1 -T0` of the set, then `zstd -d | tar -x` of that archive: seconds.
fn reference(data: &DataSet, scratch: &Path, cache: Cache) -> anyhow::Result<(f64, f64)> {
    let archive = scratch.join("ref.tar.zst");
    let dest = scratch.join("ref_restored");
    fs::create_dir_all(&dest)?;
    cache.prepare(&[&data.root])?;
    let backup = time_sh(&format!(
        "tar -cf - -C {} . | zstd -q -1 -T0 > {} && sync",
        quote(&data.root),
        quote(&archive)
    ))?;
    cache.prepare(&[&archive])?;
    let restore = time_sh(&format!(
        "zstd -q -d < {} | tar -xf - -C {} && sync",
        quote(&archive),
        quote(&dest)
    ))?;
    let restored = dir_bytes(&dest)?;
    anyhow::ensure!(
        restored == data.bytes,
        "the reference restored {restored} of {} bytes",
        data.bytes
    );
    fs::remove_dir_all(&dest).with_context(|| dest.display().to_string())?;
    fs::remove_file(&archive).with_context(|| archive.display().to_string())?;
    Ok((backup, restore))
}

fn print(data: &DataSet, ours: &Ours, ref_backup: f64, ref_restore: f64) {
    let files_s = |secs: f64| data.files as f64 / secs.max(1e-9);
    let rss = |kib: u64| {
        format!(
            "{:.1} MiB, target < 256 MiB: {}",
            mib(kib),
            met(kib < RSS_TARGET_KIB)
        )
    };
    let (count, bytes) = ours.manifests;
    let b = ours.backup.secs;
    println!(
        "growth   [small] level-0 zstd-1 backup of {} files, confd child: ours {b:.2} s = {:.0} MB/s = {:.0} files/s, manifests {bytes} bytes in {count} metadata_* objects ({:.1} bytes a file), peak RSS {} | `tar -cf - DIR | zstd -1 -T0 > FILE && sync` {ref_backup:.2} s = {:.0} MB/s | ours/reference {}",
        data.files,
        mb_s(data.bytes, b),
        files_s(b),
        bytes as f64 / data.files.max(1) as f64,
        rss(ours.backup_peak_kib),
        mb_s(data.bytes, ref_backup),
        verdict(ref_backup / b, 1.5),
    );
    let r = ours.restore.secs;
    println!(
        "growth   [small] restore of that backup, same confd child, every chunk BLAKE3-verified: ours {r:.2} s = {:.0} MB/s = {:.0} files/s, peak RSS since VmHWM was reset before it (the RSS the backup left: {:.1} MiB) {} | `zstd -d < FILE | tar -xf - -C DEST && sync` {ref_restore:.2} s = {:.0} MB/s | ours/reference {} | {}",
        mb_s(data.bytes, r),
        files_s(r),
        mib(ours.restore_from_kib),
        rss(ours.restore_peak_kib),
        mb_s(data.bytes, ref_restore),
        verdict(ref_restore / r, 1.5),
        ours.check,
    );
}
