//! S3 figures: a level-0 backup to an S3 remote volume (s3s-fs on loopback, from the test
//! kit) and the restore of it, each beside what object_store alone does with the same
//! objects ([`s3_plain`](super::s3_plain)), and the requests each sent, by kind, per GiB
//! (the daemon's own counters on `/metrics`). Loopback and a file-backed server make these
//! CPU and local-disk figures, not network ones: they show what the engine adds to the
//! object store client.

use std::path::Path;

use anyhow::Context as _;
use confd_storage::archive::CHUNK_SIZE;
use serde_json::json;

use super::backup::{Bench, detail};
use super::data::{dir_bytes, tree_check, walk};
use super::restore::{level0_id, restore_as_new};
use super::s3_metrics::Requests;
use super::s3_plain::{IN_FLIGHT, Object, PART, Plain};
use super::{mb_s, verdict};
use crate::{S3_ACCESS_KEY, S3_SECRET_KEY, S3Server};

const VOL_S3: &str = "bench_s3";
const BUCKET: &str = "confd-bench";
/// The volume's prefix in the bucket.
const PREFIX: &str = "confd";
const RESTORED: &str = "BENCH_S3_RESTORED";
/// Both sides against object_store alone: the engine may cost at most a fifth.
const TARGET: f64 = 0.8;

/// Runs the S3 figures on `b`'s data set, with a server of their own.
pub(super) fn figures(b: &Bench) -> anyhow::Result<()> {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let url = format!("{}/{BUCKET}/{PREFIX}", server.endpoint());
    b.client.call(
        "remote_volume_add",
        json!({"vol_type": "s3", "url": url, "remote_volume_name": VOL_S3,
               "username": S3_ACCESS_KEY, "password": S3_SECRET_KEY}),
    )?;
    let plain = Plain::new(&server.endpoint(), BUCKET)?;
    let chunks = chunks(b)?;
    let objects = backup(b, &server, &plain, chunks)?;
    restore(b, &server, &plain, &objects, chunks)
}

/// Chunks the engine cuts the set into (each file in [`CHUNK_SIZE`] slices).
fn chunks(b: &Bench) -> anyhow::Result<u64> {
    Ok(b.data
        .file_list()?
        .iter()
        .map(|(_, len)| len.div_ceil(CHUNK_SIZE as u64))
        .sum())
}

/// The data objects (`.../node_<k>/backup_<ts>`) under the volume's prefix, by node.
fn data_objects(bucket_dir: &Path) -> anyhow::Result<Vec<Object>> {
    let mut objects = Vec::new();
    for (file, len) in walk(&bucket_dir.join(PREFIX))? {
        let Some(len) = len else { continue };
        let is_data = file
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("backup_"));
        if is_data {
            let key = file
                .strip_prefix(bucket_dir)
                .with_context(|| file.display().to_string())?
                .display()
                .to_string();
            objects.push(Object { file, key, len });
        }
    }
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(objects)
}

fn backup(b: &Bench, server: &S3Server, plain: &Plain, chunks: u64) -> anyhow::Result<Vec<Object>> {
    let data = &b.data;
    b.cache.prepare(&[&data.root])?;
    let before = Requests::scrape(&b.metrics_url)?;
    let (ours, ours_cpu) = b.backup(VOL_S3, 0)?;
    let sent = Requests::scrape(&b.metrics_url)?.since(&before);
    let bucket_dir = server.root().join(BUCKET);
    let objects = data_objects(&bucket_dir)?;
    let object_bytes: u64 = objects.iter().map(|o| o.len).sum();
    let stored = dir_bytes(&bucket_dir.join(PREFIX))?;
    b.cache.prepare(&[&bucket_dir])?;
    let reference = plain.put(&objects)?;
    println!(
        "s3       [{}] level-0 zstd-1 backup to an S3 volume (s3s-fs on loopback): ours {:.2} s = {:.0} MB/s of data, {:.0} MB/s sent ({} data objects of {:.3} GB, {:.3} GB stored in all) | plain object_store multipart put of the same {} objects, read from the server's files ({} MiB parts, {IN_FLIGHT} in flight, one object after another, as the engine writes them) {reference:.2} s = {:.0} MB/s sent | ours/plain {}",
        b.set(),
        ours.secs,
        mb_s(data.bytes, ours.secs),
        mb_s(object_bytes, ours.secs),
        objects.len(),
        object_bytes as f64 / 1e9,
        stored as f64 / 1e9,
        objects.len(),
        PART >> 20,
        mb_s(object_bytes, reference),
        verdict(reference / ours.secs, TARGET),
    );
    detail(b.set(), &ours, &ours_cpu, None);
    println!(
        "s3 reqs  [{}] backup of {:.3} GB ({chunks} chunks): {}; {} (a backup lists at its start, to check its prefix is empty and to claim a backup ID: expected)",
        b.set(),
        data.bytes as f64 / 1e9,
        sent.describe(data.bytes),
        sent.lists_per_chunk(chunks),
    );
    Ok(objects)
}

fn restore(
    b: &Bench,
    server: &S3Server,
    plain: &Plain,
    objects: &[Object],
    chunks: u64,
) -> anyhow::Result<()> {
    let data = &b.data;
    let id = level0_id(b, VOL_S3)?;
    let target = b.scratch.join("s3_restored");
    let before = Requests::scrape(&b.metrics_url)?;
    let (ours, ours_cpu) = restore_as_new(b, RESTORED, &id, &target, server.root())?;
    let fetched = Requests::scrape(&b.metrics_url)?.since(&before);
    // The restored tree must be the data as backed up; checked after the clock stopped.
    let check = tree_check(&data.root, &target, "the data set")?;
    std::fs::remove_dir_all(&target).with_context(|| target.display().to_string())?;
    b.cache.prepare(&[server.root()])?;
    let reference = plain.get(objects)?;
    let object_bytes: u64 = objects.iter().map(|o| o.len).sum();
    println!(
        "s3       [{}] restore of that backup from S3, every chunk BLAKE3-verified: ours {:.2} s = {:.0} MB/s of data, {:.0} MB/s of data objects | plain object_store ranged GETs of the same {} objects ({} MiB ranges, {IN_FLIGHT} in flight, one object after another, bytes dropped) {reference:.2} s = {:.0} MB/s | ours/plain {} | {check}",
        b.set(),
        ours.secs,
        mb_s(data.bytes, ours.secs),
        mb_s(object_bytes, ours.secs),
        objects.len(),
        PART >> 20,
        mb_s(object_bytes, reference),
        verdict(reference / ours.secs, TARGET),
    );
    detail(b.set(), &ours, &ours_cpu, None);
    println!(
        "s3 reqs  [{}] restore of {:.3} GB ({chunks} chunks): {}; {}",
        b.set(),
        data.bytes as f64 / 1e9,
        fetched.describe(data.bytes),
        fetched.lists_per_chunk(chunks),
    );
    Ok(())
}
