//! S3 archive volumes against a real S3 server (s3s-fs, started per test): backups and
//! restores byte for byte, multipart uploads, cancel and abort leaving nothing behind,
//! and the reachability check.
#![allow(clippy::unwrap_used, clippy::expect_used)] // helpers outside #[test] fns panic on failed setup

mod engine_support;
// Shared with the end-to-end kit; included by path because a dev-dependency on
// confd-tests would be a cycle (confd-tests depends on this crate).
#[path = "../../tests/src/s3_server.rs"]
mod s3_server;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use confd_storage::engine::{self, BackupPlan, EngineError, EngineHooks, Progress};
use confd_storage::volume::{ArchiveVolume, ObjectKey, Prefix, S3Volume, VolumeError};
use engine_support::*;
use s3_server::{S3_ACCESS_KEY, S3_SECRET_KEY, S3Server};
use tokio_util::sync::CancellationToken;

const BUCKET: &str = "confd-bucket";

/// A server with the bucket, and a volume on `<bucket>/confd`.
fn s3_volume(server: &S3Server) -> Arc<S3Volume> {
    server.create_bucket(BUCKET);
    let url = format!("{}/{BUCKET}/confd", server.endpoint());
    Arc::new(S3Volume::open(&url, Some(S3_ACCESS_KEY), Some(S3_SECRET_KEY), &[]).unwrap())
}

/// Regular files under `dir`, relative, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn level_0_and_1_on_s3_restore_byte_for_byte_and_big_objects_go_multipart() {
    let server = S3Server::start();
    let s3 = s3_volume(&server);
    let mut fx = Fixture::new(2);
    fx.vol = s3.clone();
    make_tree(&fx.nodes[0], 11);
    make_tree(&fx.nodes[1], 12);
    // Incompressible and larger than two parts: node 0's data object is a multipart upload.
    fs::write(fx.nodes[0].join("big.bin"), random_bytes(13, 20 * MIB)).unwrap();
    let level0 = fx.snapshots();
    let s0 = fx.full(1, "202611251208").await;
    assert!(s3.parts_uploaded() >= 3, "parts: {}", s3.parts_uploaded());

    // What S3 holds is what the volume lists, under the URL's prefix.
    let on_disk = files_under(&server.root().join(BUCKET));
    let listed: Vec<String> = object_keys(&*fx.vol)
        .await
        .into_iter()
        .map(|k| format!("confd/{k}"))
        .collect();
    assert_eq!(on_disk, listed);
    assert!(
        on_disk.contains(&"confd/DB1/id_1/level_0/node_0/backup_202611251208".to_owned()),
        "{on_disk:?}"
    );

    fs::write(fx.nodes[0].join("schema_a/tables/orders.csv"), text(500)).unwrap();
    fs::write(fx.nodes[1].join("new_file"), random_bytes(14, 100_000)).unwrap();
    fs::remove_file(fx.nodes[1].join("random.bin")).unwrap();
    let level1 = fx.snapshots();
    let s1 = fx.incremental(&s0.marker, 2, "202611251310").await;
    assert!(
        s1.files_reused > 0,
        "unchanged files reuse the base's chunks"
    );
    assert!(s1.marker.totals.bytes_stored < s0.marker.totals.bytes_stored);

    for (marker, expected, name) in [(&s0.marker, &level0, "r0"), (&s1.marker, &level1, "r1")] {
        let targets = fx.restore_dirs(name);
        fx.restore(marker, &targets).await.unwrap();
        for (e, t) in expected.iter().zip(&targets) {
            assert_same_tree(e, t);
        }
    }

    // Deleting a backup removes its objects from the bucket.
    engine::delete_backup(&*fx.vol, "DB1", 2, 1).await.unwrap();
    let left = files_under(&server.root().join(BUCKET));
    assert!(left.iter().all(|f| !f.contains("id_2")), "{left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_objects_round_trip_across_parts_with_ranges_and_errors() {
    let server = S3Server::start();
    let vol = s3_volume(&server);
    let data = random_bytes(21, 19 * MIB + 12_345);
    let key = ObjectKey::new("DB1/id_1/level_0/node_0/backup_1").unwrap();
    let mut w = vol.create(&key).await.unwrap();
    // Odd write sizes, so parts are cut inside writes.
    for piece in data.chunks(MIB + 7) {
        w.write(Bytes::copy_from_slice(piece)).await.unwrap();
    }
    assert!(
        vol.head(&key).await.unwrap().is_none(),
        "invisible before finish"
    );
    assert_eq!(w.finish().await.unwrap(), data.len() as u64);
    assert_eq!(vol.parts_uploaded(), 3);
    assert!(server.open_upload_parts().is_empty());

    assert_eq!(vol.get(&key).await.unwrap(), data);
    assert_eq!(
        vol.head(&key).await.unwrap().unwrap().size,
        data.len() as u64
    );
    let boundary = 8 * MIB as u64;
    let r = (boundary - 100)..(boundary + 100);
    let got = vol.get_range(&key, r.clone()).await.unwrap();
    assert_eq!(&got[..], &data[r.start as usize..r.end as usize]);
    assert!(vol.get_range(&key, 5..5).await.unwrap().is_empty());
    let past = vol.get_range(&key, 10..data.len() as u64 + 1).await;
    assert!(
        matches!(past, Err(VolumeError::OutOfRange { .. })),
        "{past:?}"
    );

    let missing = ObjectKey::new("DB1/nothing").unwrap();
    assert!(vol.head(&missing).await.unwrap().is_none());
    let err = vol.get(&missing).await.unwrap_err();
    assert!(matches!(err, VolumeError::NotFound { .. }), "{err}");
    vol.delete(&missing).await.unwrap();

    // A small streamed object is one PUT; prefixes match whole components.
    let small = ObjectKey::new("DB10/x").unwrap();
    let mut w = vol.create(&small).await.unwrap();
    w.write(Bytes::from_static(b"tiny")).await.unwrap();
    assert_eq!(w.finish().await.unwrap(), 4);
    assert_eq!(vol.parts_uploaded(), 3);
    let db1 = Prefix::new("DB1").unwrap();
    let listed = vol.list(&db1).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(vol.delete_prefix(&db1).await.unwrap(), 1);
    assert_eq!(object_keys(&*vol).await, vec!["DB10/x".to_owned()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aborted_and_dropped_writers_leave_no_upload_behind() {
    let server = S3Server::start();
    let vol = s3_volume(&server);
    let data = Bytes::from(random_bytes(31, 17 * MIB));

    let key = ObjectKey::new("DB1/aborted").unwrap();
    let mut w = vol.create(&key).await.unwrap();
    w.write(data.clone()).await.unwrap();
    w.abort().await.unwrap();
    assert!(server.open_upload_parts().is_empty());

    let key = ObjectKey::new("DB1/dropped").unwrap();
    let mut w = vol.create(&key).await.unwrap();
    w.write(data).await.unwrap();
    drop(w);
    // The abort of a dropped writer runs as a task: give it a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.open_upload_parts().is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(server.open_upload_parts(), Vec::<PathBuf>::new());
    assert!(object_keys(&*vol).await.is_empty());
    assert!(files_under(&server.root().join(BUCKET)).is_empty());
}

/// Cancels the backup mid multipart upload: the fourth chunk read (16 MiB handed on, so
/// the writer has a full 8 MiB part) waits until the volume has uploaded a part, then
/// cancels. Waiting rather than checking: reading can run far ahead of the uploads, and
/// the backup would otherwise finish before any part landed.
struct CancelAfterFirstPart {
    cancel: CancellationToken,
    volume: Arc<S3Volume>,
    chunks: std::sync::atomic::AtomicU64,
}

impl EngineHooks for CancelAfterFirstPart {
    fn on_chunk(&self, _file: &Path, _offset: u64) {
        let n = self
            .chunks
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        if n != 4 {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.volume.parts_uploaded() == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.cancel.cancel();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_mid_upload_leaves_no_object_in_the_bucket() {
    let server = S3Server::start();
    let s3 = s3_volume(&server);
    let mut fx = Fixture::new(1);
    fx.vol = s3.clone();
    for i in 0..12 {
        fs::write(
            fx.nodes[0].join(format!("f{i}")),
            random_bytes(40 + i, 5 * MIB),
        )
        .unwrap();
    }
    let cancel = CancellationToken::new();
    let hooks = CancelAfterFirstPart {
        cancel: cancel.clone(),
        volume: s3.clone(),
        chunks: Default::default(),
    };
    let progress = Arc::new(Progress::with_hooks(Arc::new(hooks)));
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let err = engine::backup(&*fx.vol, &plan, &progress, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Aborted), "{err}");
    assert!(s3.parts_uploaded() >= 1);
    assert!(object_keys(&*fx.vol).await.is_empty());
    assert_eq!(
        files_under(&server.root().join(BUCKET)),
        Vec::<String>::new()
    );
    assert_eq!(server.open_upload_parts(), Vec::<PathBuf>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reachability_check_names_what_is_wrong() {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let probe = |url: &str, secret: &str| {
        S3Volume::open_probe(url, Some(S3_ACCESS_KEY), Some(secret), &[]).unwrap()
    };
    let good = format!("{}/{BUCKET}/confd", server.endpoint());
    probe(&good, S3_SECRET_KEY).check_online().await.unwrap();

    let e = probe(&good, "wrong").check_online().await.unwrap_err();
    assert!(e.contains("403") && e.contains("credentials"), "{e}");
    let nobucket = format!("{}/no-such-bucket", server.endpoint());
    let e = probe(&nobucket, S3_SECRET_KEY)
        .check_online()
        .await
        .unwrap_err();
    assert!(e.contains("404") && e.contains("no-such-bucket"), "{e}");

    let port = server.port();
    drop(server);
    let started = Instant::now();
    let down = format!("http://127.0.0.1:{port}/{BUCKET}");
    let e = probe(&down, S3_SECRET_KEY)
        .check_online()
        .await
        .unwrap_err();
    assert!(e.contains("cannot reach") && e.contains("refused"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    let e = S3Volume::open(&good, Some("key-only"), None, &[]).unwrap_err();
    assert!(e.to_string().contains("both"), "{e}");
}
