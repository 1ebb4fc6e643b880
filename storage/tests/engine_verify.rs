//! `engine::verify` on real backups on a local volume: an intact chain checks out, a
//! flipped byte in a level-0 data object is found from the level 1 that builds on it and
//! named by file, damaged and missing manifests and markers are reported, cancellation
//! stops it, and nothing is ever written.
#![allow(clippy::unwrap_used)] // helpers and hooks outside #[test] fns panic on failed setup

mod engine_support;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use confd_storage::archive::StatusMarker;
use confd_storage::engine::{self, EngineError, EngineHooks, Phase, Progress, VerifyReport};
use engine_support::*;
use tokio_util::sync::CancellationToken;

async fn verify(fx: &Fixture, top: &StatusMarker) -> Result<VerifyReport, EngineError> {
    let chain = engine::load_chain(&*fx.vol, top.clone()).await.unwrap();
    let progress = Arc::new(Progress::new());
    engine::verify(&*fx.vol, &chain, &progress, &CancellationToken::new()).await
}

fn flip_byte(fx: &Fixture, key: &str, at: impl FnOnce(usize) -> usize) {
    let path = fx.tmp.path().join("vol").join(key);
    let mut bytes = fs::read(&path).unwrap();
    let i = at(bytes.len());
    bytes[i] ^= 0x01;
    fs::write(&path, bytes).unwrap();
}

/// A level 0 of two nodes (one file each plus the standard tree on node 1) and a level 1
/// after one file changed.
async fn chain(fx: &Fixture) -> (StatusMarker, StatusMarker) {
    fs::write(fx.nodes[0].join("precious.dat"), text(50_000)).unwrap();
    make_tree(&fx.nodes[1], 7);
    let l0 = fx.full(1, "202611251208").await.marker;
    fs::write(fx.nodes[1].join("random.bin"), random_bytes(99, 10_000)).unwrap();
    let l1 = fx.incremental(&l0, 2, "202611251209").await.marker;
    (l0, l1)
}

#[tokio::test]
async fn an_intact_chain_checks_out_and_every_byte_is_read() {
    let fx = Fixture::new(2);
    let (l0, l1) = chain(&fx).await;
    let before = object_keys(&*fx.vol).await;
    let report = verify(&fx, &l1).await.unwrap();
    assert!(report.intact(), "{:?}", report.summary());
    assert_eq!(report.backups, 2);
    // Every chunk of level 0 (the changed file's old one too) and level 1's new one.
    assert_eq!(report.bytes, l0.totals.bytes + 10_000);
    assert_eq!(object_keys(&*fx.vol).await, before, "verify writes nothing");
}

#[tokio::test]
async fn a_flipped_byte_in_level_0_is_found_from_level_1_and_named_by_file() {
    let fx = Fixture::new(2);
    let (l0, l1) = chain(&fx).await;
    let key = l0.keys().unwrap().data(0).unwrap();
    flip_byte(&fx, key.as_str(), |len| len / 2);
    let report = verify(&fx, &l1).await.unwrap();
    assert_eq!(
        report.summary().unwrap(),
        format!("1 damaged file: node_0/precious.dat in {key}")
    );
    assert!(
        report.named[0].detail.contains("BLAKE3") || report.named[0].detail.contains("zstd"),
        "{:?}",
        report.named
    );
}

#[tokio::test]
async fn a_damaged_and_a_missing_manifest_are_reported_and_the_rest_is_still_checked() {
    let fx = Fixture::new(2);
    let (l0, l1) = chain(&fx).await;
    let m0 = l0.keys().unwrap().manifest(1).unwrap();
    flip_byte(&fx, m0.as_str(), |len| len - 1);
    let m1 = l1.keys().unwrap().manifest(0).unwrap();
    fs::remove_file(fx.tmp.path().join("vol").join(m1.as_str())).unwrap();
    let report = verify(&fx, &l1).await.unwrap();
    assert_eq!(
        report.summary().unwrap(),
        format!(
            "2 damaged files: {m0} (manifest does not match the hash in the status marker), {m1} (missing)"
        )
    );
    assert!(
        report.chunks > 0,
        "node 0 of level 0 and node 1 of level 1 were read"
    );
}

#[tokio::test]
async fn a_truncated_data_object_and_a_missing_status_marker_are_damage() {
    let fx = Fixture::new(2);
    let (l0, l1) = chain(&fx).await;
    let status = l0.keys().unwrap().status().unwrap();
    fs::remove_file(fx.tmp.path().join("vol").join(status.as_str())).unwrap();
    let data = l0.keys().unwrap().data(0).unwrap();
    let path = fx.tmp.path().join("vol").join(data.as_str());
    let len = fs::metadata(&path).unwrap().len();
    fs::OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    // The catalogue's copy of the chain stands in for the missing marker.
    let chain = vec![l0.clone(), l1.clone()];
    let report = engine::verify(
        &*fx.vol,
        &chain,
        &Arc::new(Progress::new()),
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    let summary = report.summary().unwrap();
    assert!(
        summary.starts_with(&format!(
            "3 damaged files: {status} (missing), {data} (is {} bytes, its status marker says {len}), node_0/precious.dat in {data}",
            len - 10
        )),
        "{summary}"
    );
}

#[tokio::test]
async fn more_than_twenty_damaged_files_are_counted_past_the_named_ones() {
    let fx = Fixture::new(1);
    for i in 0..25 {
        fs::write(fx.nodes[0].join(format!("f{i:02}")), format!("file {i}")).unwrap();
    }
    let l0 = fx.full(1, "202611251208").await.marker;
    let key = l0.keys().unwrap().data(0).unwrap();
    let path = fx.tmp.path().join("vol").join(key.as_str());
    let bytes: Vec<u8> = fs::read(&path).unwrap().iter().map(|b| b ^ 0x55).collect();
    fs::write(&path, bytes).unwrap();
    let report = verify(&fx, &l0).await.unwrap();
    assert_eq!(report.damaged, 25);
    assert_eq!(report.named.len(), 20);
    assert!(
        report.summary().unwrap().ends_with(", ... and 5 more"),
        "{:?}",
        report.summary()
    );
}

struct CancelInVerify(CancellationToken);

impl EngineHooks for CancelInVerify {
    fn on_phase(&self, phase: Phase) {
        if phase == Phase::Verify {
            self.0.cancel();
        }
    }
    fn on_chunk(&self, _file: &Path, _offset: u64) {
        self.0.cancel();
    }
}

#[tokio::test]
async fn cancellation_stops_a_verify() {
    let fx = Fixture::new(2);
    let (_, l1) = chain(&fx).await;
    let chain = engine::load_chain(&*fx.vol, l1).await.unwrap();
    let cancel = CancellationToken::new();
    let progress = Arc::new(Progress::with_hooks(Arc::new(CancelInVerify(
        cancel.clone(),
    ))));
    let err = engine::verify(&*fx.vol, &chain, &progress, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Aborted), "{err}");
    assert!(progress.snapshot().percent < 100);
}
