//! What a backup and a restore cost in S3 requests (restic PR #2750: request counts are
//! what users pay for). A test binary of its own: the counters are per process, and no
//! other test may send requests while these are counted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns panic on failed setup

mod engine_support;
#[path = "../../tests/src/s3_server.rs"]
#[allow(dead_code)] // the kit's other helpers serve other binaries
mod s3_server;

use std::collections::HashMap;
use std::fs;
use std::sync::Arc;

use confd_storage::volume::{S3Request, S3Volume, s3_request_counts};
use engine_support::*;
use s3_server::{S3_ACCESS_KEY, S3_SECRET_KEY, S3Server};

fn counts() -> HashMap<S3Request, u64> {
    s3_request_counts().into_iter().collect()
}

fn since(before: &HashMap<S3Request, u64>) -> HashMap<S3Request, u64> {
    counts()
        .into_iter()
        .map(|(k, n)| (k, n - before.get(&k).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_lists_only_its_empty_prefix_and_a_restore_reads_small_files_together() {
    let server = S3Server::start();
    server.create_bucket("counted");
    let url = format!("{}/counted/confd", server.endpoint());
    let s3 = Arc::new(S3Volume::open(&url, Some(S3_ACCESS_KEY), Some(S3_SECRET_KEY), &[]).unwrap());
    let mut fx = Fixture::new(1);
    fx.vol = s3;
    // 200 small files and one of three parts.
    for i in 0..200u64 {
        fs::write(
            fx.nodes[0].join(format!("f{i:03}")),
            random_bytes(i, 10_000),
        )
        .unwrap();
    }
    fs::write(fx.nodes[0].join("big"), random_bytes(7, 20 * MIB)).unwrap();

    let before = counts();
    let s = fx.full(1, "202611251208").await;
    let backup = since(&before);
    // One listing, before any data: the backup's prefix must be empty. None per chunk.
    assert_eq!(backup.get(&S3Request::List), Some(&1), "{backup:?}");
    assert_eq!(backup.get(&S3Request::UploadPart), Some(&3), "{backup:?}");

    let before = counts();
    let targets = fx.restore_dirs("r");
    fx.restore(&s.marker, &targets).await.unwrap();
    let restore = since(&before);
    // 22 MB of data in spans of at most 8 MiB: a handful of ranged GETs, not one per file
    // (plus the status marker and the manifest).
    let gets = restore.get(&S3Request::Get).copied().unwrap_or(0);
    assert!((3..=10).contains(&gets), "{restore:?}");
    assert_eq!(restore.get(&S3Request::List), None, "{restore:?}");
}
