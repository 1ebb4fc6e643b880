//! Failures must be loud and leave nothing half-done behind: cancellation, corruption,
//! files changing under the backup, bad plans.
#![allow(clippy::unwrap_used)] // helpers and hooks outside #[test] fns panic on failed setup

mod engine_support;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use confd_storage::engine::{self, BackupPlan, EngineError, EngineHooks, Phase, Progress};
use engine_support::*;
use tokio_util::sync::CancellationToken;

/// Cancels the token when the first chunk of the write phase has been read.
struct CancelOnFirstChunk(CancellationToken);

impl EngineHooks for CancelOnFirstChunk {
    fn on_chunk(&self, _file: &Path, _offset: u64) {
        self.0.cancel();
    }
}

#[tokio::test]
async fn cancel_during_write_returns_aborted_quickly_and_leaves_nothing_on_the_volume() {
    let fx = Fixture::new(2);
    for (k, n) in fx.nodes.iter().enumerate() {
        for i in 0..6 {
            fs::write(
                n.join(format!("f{i}")),
                random_bytes(k as u64 * 10 + i, 5 * MIB),
            )
            .unwrap();
        }
    }
    let cancel = CancellationToken::new();
    let progress = Arc::new(Progress::with_hooks(Arc::new(CancelOnFirstChunk(
        cancel.clone(),
    ))));
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let started = Instant::now();
    let err = engine::backup(&*fx.vol, &plan, &progress, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Aborted), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "abort took {:?}",
        started.elapsed()
    );
    assert_volume_empty(&*fx.vol).await;
    assert!(progress.snapshot().percent < 100);
}

/// Appends to `target` when its first chunk has been read: a database writing mid-backup.
struct ModifyDuringRead {
    target: PathBuf,
    done: AtomicBool,
}

impl EngineHooks for ModifyDuringRead {
    fn on_chunk(&self, file: &Path, offset: u64) {
        if file == self.target && offset == 0 && !self.done.swap(true, Ordering::SeqCst) {
            let mut f = OpenOptions::new().append(true).open(file).unwrap();
            f.write_all(b"late write").unwrap();
        }
    }
}

#[tokio::test]
async fn file_modified_during_backup_fails_it_naming_the_file() {
    let fx = Fixture::new(1);
    make_tree(&fx.nodes[0], 1);
    let target = fx.nodes[0].join("schema_a/big.dat");
    let hooks = Arc::new(ModifyDuringRead {
        target: target.clone(),
        done: AtomicBool::new(false),
    });
    let progress = Arc::new(Progress::with_hooks(hooks));
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let err = engine::backup(&*fx.vol, &plan, &progress, &CancellationToken::new())
        .await
        .unwrap_err();
    match &err {
        EngineError::FileChanged { file } => assert_eq!(file, &target),
        other => panic!("expected FileChanged, got {other}"),
    }
    assert!(err.to_string().contains("schema_a/big.dat"), "{err}");
    assert_eq!(
        object_keys(&*fx.vol).await,
        Vec::<String>::new(),
        "failed backup is removed"
    );
}

/// Removes `target` when the write phase begins: the scan saw it, the read will not.
struct RemoveBeforeWrite(PathBuf);

impl EngineHooks for RemoveBeforeWrite {
    fn on_phase(&self, phase: Phase) {
        if phase == Phase::Write {
            fs::remove_file(&self.0).unwrap();
        }
    }
}

/// Found by the hardening suite: a node whose file vanished left its empty
/// `level_0/node_k/` directory behind, since no file of it was there to remove.
#[tokio::test]
async fn a_failed_backup_leaves_no_empty_directory_on_the_volume() {
    let fx = Fixture::new(2);
    make_tree(&fx.nodes[0], 1);
    fs::write(fx.nodes[1].join("only.dat"), random_bytes(7, MIB)).unwrap();
    let hooks = Arc::new(RemoveBeforeWrite(fx.nodes[1].join("only.dat")));
    let progress = Arc::new(Progress::with_hooks(hooks));
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let err = engine::backup(&*fx.vol, &plan, &progress, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::FileChanged { .. }), "{err}");
    let vol = fx.tmp.path().join("vol");
    let left: Vec<_> = fs::read_dir(&vol)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "left on the volume: {left:?}");
}

#[tokio::test]
async fn flipped_byte_in_a_data_object_fails_restore_naming_the_file() {
    let fx = Fixture::new(1);
    // One file only, so the flipped byte is certainly in its data.
    fs::write(fx.nodes[0].join("precious.dat"), text(50_000)).unwrap();
    let s = fx.full(1, "202611251208").await;
    let key = s.marker.keys().unwrap().data(0).unwrap();
    let path = fx.tmp.path().join("vol").join(key.as_str());
    let mut bytes = fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    fs::write(&path, bytes).unwrap();

    let targets = fx.restore_dirs("r");
    let err = fx.restore(&s.marker, &targets).await.unwrap_err();
    assert!(matches!(err, EngineError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("precious.dat"), "{err}");
}

#[tokio::test]
async fn tampered_manifest_is_refused_before_any_file_is_touched() {
    let fx = Fixture::new(1);
    fs::write(fx.nodes[0].join("a"), "a").unwrap();
    let s = fx.full(1, "202611251208").await;
    let key = s.marker.keys().unwrap().manifest(0).unwrap();
    let path = fx.tmp.path().join("vol").join(key.as_str());
    let mut bytes = fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&path, bytes).unwrap();
    let targets = fx.restore_dirs("r");
    let err = fx.restore(&s.marker, &targets).await.unwrap_err();
    assert!(err.to_string().contains("metadata_202611251208"), "{err}");
    assert!(!targets[0].exists());
}

#[tokio::test]
async fn level_1_without_base_is_rejected_and_writes_nothing() {
    let fx = Fixture::new(1);
    let mut plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    plan.level = 1;
    let err = engine::backup(
        &*fx.vol,
        &plan,
        &Arc::new(Progress::new()),
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::MissingBase { .. }), "{err}");
    assert!(object_keys(&*fx.vol).await.is_empty());
}

#[tokio::test]
async fn a_second_backup_with_the_same_id_is_refused_and_the_first_survives() {
    let fx = Fixture::new(1);
    fs::write(fx.nodes[0].join("a"), "a").unwrap();
    let s = fx.full(1, "202611251208").await;
    let keys_before = object_keys(&*fx.vol).await;
    let plan = BackupPlan::full("DB1", 1, "202611251209", fx.nodes.clone());
    let err = engine::backup(
        &*fx.vol,
        &plan,
        &Arc::new(Progress::new()),
        &CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, EngineError::AlreadyExists { .. }), "{err}");
    assert_eq!(object_keys(&*fx.vol).await, keys_before);
    fx.restore(&s.marker, &fx.restore_dirs("r")).await.unwrap();
}

/// Records phases and the status-marker point, to check their order.
struct Phases(Mutex<Vec<Phase>>, Mutex<Vec<Phase>>);

impl EngineHooks for Phases {
    fn on_phase(&self, p: Phase) {
        self.0.lock().unwrap().push(p);
    }
    fn before_status_marker(&self) {
        let last = self.0.lock().unwrap().last().copied().unwrap();
        self.1.lock().unwrap().push(last);
    }
}

#[tokio::test]
async fn backup_and_restore_go_through_their_phases_in_order() {
    let fx = Fixture::new(1);
    fs::write(fx.nodes[0].join("a"), "a").unwrap();
    let hooks = Arc::new(Phases(Mutex::new(Vec::new()), Mutex::new(Vec::new())));
    let progress = Arc::new(Progress::with_hooks(hooks.clone()));
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let s = engine::backup(&*fx.vol, &plan, &progress, &CancellationToken::new())
        .await
        .unwrap();
    use Phase::*;
    assert_eq!(
        *hooks.0.lock().unwrap(),
        vec![Protect, Write, Validate, Unprotect, Done]
    );
    assert_eq!(
        *hooks.1.lock().unwrap(),
        vec![Validate],
        "marker point after Validate"
    );

    hooks.0.lock().unwrap().clear();
    let progress = Arc::new(Progress::with_hooks(hooks.clone()));
    let chain = engine::load_chain(&*fx.vol, s.marker).await.unwrap();
    engine::restore(
        &*fx.vol,
        &chain,
        &fx.restore_dirs("r"),
        &progress,
        &CancellationToken::new(),
    )
    .await
    .unwrap();
    assert_eq!(*hooks.0.lock().unwrap(), vec![Read, Write, Verify, Done]);
}

/// Cancels when the backup is about to write its status marker.
struct CancelBeforeMarker(CancellationToken);

impl EngineHooks for CancelBeforeMarker {
    fn before_status_marker(&self) {
        self.0.cancel();
    }
}

#[tokio::test]
async fn cancel_just_before_the_status_marker_still_aborts_and_leaves_nothing() {
    let fx = Fixture::new(2);
    make_tree(&fx.nodes[0], 1);
    make_tree(&fx.nodes[1], 2);
    let cancel = CancellationToken::new();
    let progress = Arc::new(Progress::with_hooks(Arc::new(CancelBeforeMarker(
        cancel.clone(),
    ))));
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let err = engine::backup(&*fx.vol, &plan, &progress, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Aborted), "{err}");
    assert_eq!(object_keys(&*fx.vol).await, Vec::<String>::new());
}

/// Blocks in every hook until the test lets it go, as a test gate does.
struct BlockUntil(Mutex<std::sync::mpsc::Receiver<()>>);

impl EngineHooks for BlockUntil {
    fn on_phase(&self, p: Phase) {
        if p == Phase::Validate {
            let waited = self.0.lock().unwrap().recv_timeout(Duration::from_secs(60));
            assert!(
                waited.is_ok(),
                "the hook blocked the runtime: nobody released it"
            );
        }
    }
}

/// A hook that blocks holds its own operation only: on a one-thread runtime, other tasks
/// still run while it waits (it is not called on the runtime's worker).
#[tokio::test(flavor = "current_thread")]
async fn a_blocking_phase_hook_does_not_stall_the_runtime() {
    let fx = Fixture::new(1);
    fs::write(fx.nodes[0].join("a"), "a").unwrap();
    let (release, held) = std::sync::mpsc::channel();
    let progress = Arc::new(Progress::with_hooks(Arc::new(BlockUntil(Mutex::new(held)))));
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let cancel = CancellationToken::new();
    let backup = engine::backup(&*fx.vol, &plan, &progress, &cancel);
    let other_task = async {
        while progress.snapshot().phase != Phase::Validate {
            tokio::task::yield_now().await;
        }
        release.send(()).unwrap();
    };
    let (summary, ()) = tokio::join!(backup, other_task);
    assert_eq!(summary.unwrap().marker.level, 0);
}

#[tokio::test]
async fn a_truncated_data_object_fails_restore_naming_the_file_whose_data_is_gone() {
    let fx = Fixture::new(1);
    // Small files are read back together, many per request: the error must still name the
    // one whose data is missing, not the first of its request.
    for i in 0..20u64 {
        fs::write(
            fx.nodes[0].join(format!("f{i:02}.dat")),
            random_bytes(i, 3_000),
        )
        .unwrap();
    }
    let s = fx.full(1, "202611251208").await;
    let manifest = engine::load_manifests(&*fx.vol, &s.marker).await.unwrap();
    let last = manifest[0]
        .entries
        .iter()
        .filter(|e| !e.chunks.is_empty())
        .max_by_key(|e| e.chunks[0].offset)
        .unwrap();
    let last_name = String::from_utf8_lossy(&last.path).into_owned();
    let key = s.marker.keys().unwrap().data(0).unwrap();
    let path = fx.tmp.path().join("vol").join(key.as_str());
    let len = fs::metadata(&path).unwrap().len();
    OpenOptions::new()
        .write(true)
        .open(&path)
        .unwrap()
        .set_len(len - 10)
        .unwrap();

    let targets = fx.restore_dirs("r");
    let err = fx.restore(&s.marker, &targets).await.unwrap_err();
    assert!(matches!(err, EngineError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains(&last_name), "{last_name}: {err}");
}
