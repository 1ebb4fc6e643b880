//! Restore and verify figures: `db_restore` of the level-0 backup into a second database
//! beside `zstd -d | tar -x` of the reference archive and the write ceiling, then
//! `db_backup_verify` of the same backup beside that restore.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde_json::{Value, json};

use super::backup::{Bench, DB, VOL_ZSTD, against_ceiling, detail};
use super::ceilings;
use super::client::Timed;
use super::cpu::{CpuTimes, Spent};
use super::data::{quote, time_sh, tree_check};
use super::{mb_s, verdict};

const RESTORED: &str = "BENCH_RESTORED";

/// The ID of the level-0 backup on `volume`.
pub(super) fn level0_id(b: &Bench, volume: &str) -> anyhow::Result<String> {
    let list = b.client.call("db_backup_list", json!({"db_name": DB}))?;
    let id = list
        .as_array()
        .and_then(|l| {
            l.iter().find(|e| {
                e.get("level").and_then(Value::as_u64) == Some(0)
                    && e.get("volume").and_then(Value::as_str) == Some(volume)
            })
        })
        .and_then(|e| e.get("id").and_then(Value::as_str))
        .with_context(|| format!("no level-0 backup on {volume} in {list}"))?
        .to_owned();
    Ok(id)
}

/// Creates database `db` over the empty directory `target` and restores backup `id` into
/// it, timed, from a cold `volume`: our restore figure, locally and from S3 alike.
pub(super) fn restore_as_new(
    b: &Bench,
    db: &str,
    id: &str,
    target: &Path,
    volume: &Path,
) -> anyhow::Result<(Timed, Spent)> {
    std::fs::create_dir_all(target)?;
    b.client.call(
        "db_create",
        json!({"db_name": db, "nodes": b.data.nodes, "auto_start": false,
               "data_path": target.display().to_string()}),
    )?;
    b.cache.prepare(&[volume])?;
    CpuTimes::measure(|| {
        b.client.timed(
            "db_restore",
            json!({"db_name": db, "backup_id": id, "restore_type": "blocking"}),
            db,
            "Restore",
        )
    })
}

fn target(b: &Bench) -> PathBuf {
    b.scratch.join("restored")
}

/// Restores the level-0 backup; returns our seconds. The reference archive is removed
/// afterwards, nothing later needs it.
pub(super) fn restore(b: &Bench, ref_zst: &Path) -> anyhow::Result<f64> {
    let data = &b.data;
    let id = level0_id(b, VOL_ZSTD)?;
    let target = target(b);
    let (ours, ours_cpu) = restore_as_new(b, RESTORED, &id, &target, &b.vol_dir(VOL_ZSTD))?;
    let ref_dest = b.scratch.join("ref_restored");
    std::fs::create_dir_all(&ref_dest)?;
    b.cache.prepare(&[ref_zst])?;
    let script = format!(
        "zstd -q -d < {} | tar -xf - -C {} && sync",
        quote(ref_zst),
        quote(&ref_dest)
    );
    let (reference, ref_cpu) = CpuTimes::measure(|| time_sh(&script))?;
    // Both trees must be the data at level-0 time; checked after the clocks stopped.
    let check = tree_check(&target, &ref_dest, "the reference's tree")?;
    std::fs::remove_dir_all(&ref_dest)?;
    std::fs::remove_file(ref_zst)?;
    let device = ceilings::device(b.cache, &b.vol_dir(VOL_ZSTD), data.bytes, &b.scratch)?;
    println!(
        "restore  [{}] level-0 zstd-1, every chunk BLAKE3-verified: ours {:.2} s = {:.0} MB/s | `zstd -d < FILE | tar -xf - -C DEST && sync` {reference:.2} s = {:.0} MB/s | ours/reference {}{}{}{} | {check}",
        b.set(),
        ours.secs,
        mb_s(data.bytes, ours.secs),
        mb_s(data.bytes, reference),
        verdict(reference / ours.secs, 1.5),
        against_ceiling("write", b.ceilings.write, ours.secs, 0.85),
        b.ceilings.direct_write.map_or(String::new(), |c| format!(
            " | ours/direct write {:.2}x",
            c / ours.secs
        )),
        ceilings::device_line(
            device,
            ours.secs,
            "reading the backup while writing the set"
        ),
    );
    detail(b.set(), &ours, &ours_cpu, Some(&ref_cpu));
    Ok(ours.secs)
}

/// Verifies the level-0 backup the restore just read, from a cold cache like it.
pub(super) fn verify(b: &Bench, restore_secs: f64) -> anyhow::Result<()> {
    let data = &b.data;
    let id = level0_id(b, VOL_ZSTD)?;
    b.cache.prepare(&[&b.vol_dir(VOL_ZSTD)])?;
    let (ours, ours_cpu) = CpuTimes::measure(|| {
        b.client.timed(
            "db_backup_verify",
            json!({"db_name": DB, "backup_id": id}),
            DB,
            "Verify",
        )
    })?;
    println!(
        "verify   [{}] level-0 zstd-1, every chunk BLAKE3-verified, nothing written: ours {:.2} s = {:.0} MB/s | restore of the same backup in this run {restore_secs:.2} s = {:.0} MB/s | verify/restore speed {}",
        b.set(),
        ours.secs,
        mb_s(data.bytes, ours.secs),
        mb_s(data.bytes, restore_secs),
        verdict(restore_secs / ours.secs, 1.0)
    );
    detail(b.set(), &ours, &ours_cpu, None);
    Ok(())
}

/// Frees the restored copy once the figures that read it are done.
pub(super) fn remove_restored(b: &Bench) -> anyhow::Result<()> {
    let target = target(b);
    if target.exists() {
        std::fs::remove_dir_all(&target).with_context(|| target.display().to_string())?;
    }
    Ok(())
}
