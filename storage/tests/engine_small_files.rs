//! Trees of many small files, which the pipeline workers read themselves in batches: they
//! back up and restore byte for byte, and a small file that changes while a worker reads
//! it fails the backup naming it, exactly like a large file read by the reader thread.
#![allow(clippy::unwrap_used)] // helpers and hooks outside #[test] fns panic on failed setup

mod engine_support;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use confd_storage::archive::CHUNK_SIZE;
use confd_storage::engine::{self, BackupPlan, EngineError, EngineHooks, Progress};
use engine_support::*;
use tokio_util::sync::CancellationToken;

/// Hundreds of small files per node in nested directories, mixed with files of every size
/// around the one-chunk boundary (where the reader hands over to the workers) and the
/// direct-write boundary, empty files and duplicates within and across nodes.
fn small_tree(root: &Path, seed: u64) {
    for d in 0..8u64 {
        let dir = root.join(format!("dir_{d:02}/sub"));
        fs::create_dir_all(&dir).unwrap();
        for f in 0..40u64 {
            let n = (seed * 7 + d * 131 + f * 977) % 20_000;
            let content = match f % 4 {
                0 => text(n as usize / 30 + 1).into_bytes(),
                1 => random_bytes(seed * 1000 + d * 40 + f, n as usize),
                2 => Vec::new(),
                _ => b"the same in every node\n".to_vec(),
            };
            fs::write(dir.join(format!("f_{f:03}")), content).unwrap();
        }
    }
    for (name, len) in [
        ("at_chunk", CHUNK_SIZE),
        ("below_chunk", CHUNK_SIZE - 1),
        ("above_chunk", CHUNK_SIZE + 1),
        ("two_chunks", 2 * CHUNK_SIZE + 17),
        // Around the size from which a restore writes past the page cache, padding the
        // last block and cutting the file to size.
        ("below_direct", (1 << 20) - 1),
        ("above_direct", (1 << 20) + 3),
    ] {
        fs::write(root.join(name), random_bytes(seed + len as u64, len)).unwrap();
    }
}

async fn round_trip(threads: Option<usize>) {
    let fx = Fixture::new(3);
    for (k, n) in fx.nodes.iter().enumerate() {
        small_tree(n, k as u64 + 1);
    }
    let before = fx.snapshots();
    let mut plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    plan.threads = threads;
    let s = fx.run(&plan).await;
    assert_eq!(s.marker.totals.files, 3 * (8 * 40 + 6));
    assert!(
        s.marker.totals.chunks_reused > 0,
        "duplicates are stored once"
    );

    let targets = fx.restore_dirs("restore");
    fx.restore(&s.marker, &targets).await.unwrap();
    for (b, t) in before.iter().zip(&targets) {
        assert_same_tree(b, t);
    }

    // A level 1 after changing a few small files reads only those and restores exactly.
    for n in &fx.nodes {
        fs::write(n.join("dir_03/sub/f_001"), "changed").unwrap();
        fs::remove_file(n.join("dir_07/sub/f_010")).unwrap();
        fs::write(n.join("dir_06/new"), text(10)).unwrap();
    }
    let after = fx.snapshots();
    let s1 = fx.incremental(&s.marker, 2, "202611251209").await;
    assert_eq!(s1.files_read, 6);
    let targets = fx.restore_dirs("restore_1");
    fx.restore(&s1.marker, &targets).await.unwrap();
    for (a, t) in after.iter().zip(&targets) {
        assert_same_tree(a, t);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_small_files_across_nodes_restore_byte_for_byte() {
    round_trip(None).await;
}

#[tokio::test]
async fn one_worker_thread_keeps_every_file_in_its_place() {
    round_trip(Some(1)).await;
}

#[tokio::test]
async fn many_workers_keep_every_file_in_its_place() {
    round_trip(Some(7)).await;
}

/// What a hook does to `target` once its (only) chunk has been read.
#[derive(Clone, Copy)]
enum Change {
    Append,
    ReplaceByRename,
    Touch,
}

struct ChangeWhileRead {
    target: PathBuf,
    change: Change,
    done: AtomicBool,
}

impl EngineHooks for ChangeWhileRead {
    fn on_chunk(&self, file: &Path, offset: u64) {
        if file != self.target || offset != 0 || self.done.swap(true, Ordering::SeqCst) {
            return;
        }
        match self.change {
            Change::Append => {
                let mut f = OpenOptions::new().append(true).open(file).unwrap();
                f.write_all(b"late write").unwrap();
            }
            Change::ReplaceByRename => {
                let tmp = file.with_extension("new");
                fs::copy(file, &tmp).unwrap();
                fs::rename(&tmp, file).unwrap();
            }
            Change::Touch => {
                let t = filetime::FileTime::from_unix_time(1_500_000_000, 0);
                filetime::set_file_mtime(file, t).unwrap();
            }
        }
    }
}

async fn changed_while_read_fails_naming_it(change: Change) {
    let fx = Fixture::new(2);
    small_tree(&fx.nodes[0], 1);
    small_tree(&fx.nodes[1], 2);
    let target = fx.nodes[1].join("dir_05/sub/f_017");
    assert!(fs::metadata(&target).unwrap().len() > 0);
    let hooks = Arc::new(ChangeWhileRead {
        target: target.clone(),
        change,
        done: AtomicBool::new(false),
    });
    let progress = Arc::new(Progress::with_hooks(hooks.clone()));
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let err = engine::backup(&*fx.vol, &plan, &progress, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        hooks.done.load(Ordering::SeqCst),
        "the hook never saw the file"
    );
    match &err {
        EngineError::FileChanged { file } => assert_eq!(file, &target),
        other => panic!("expected FileChanged, got {other}"),
    }
    assert!(err.to_string().contains("dir_05/sub/f_017"), "{err}");
    assert_eq!(object_keys(&*fx.vol).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_small_file_appended_to_while_read_fails_the_backup_naming_it() {
    changed_while_read_fails_naming_it(Change::Append).await;
}

#[tokio::test]
async fn a_small_file_replaced_by_rename_while_read_fails_the_backup_naming_it() {
    changed_while_read_fails_naming_it(Change::ReplaceByRename).await;
}

#[tokio::test]
async fn a_small_file_whose_mtime_changes_while_read_fails_the_backup_naming_it() {
    changed_while_read_fails_naming_it(Change::Touch).await;
}

/// Chunks the chain already holds are only referenced (their workers skip compressing
/// them): a full re-read stores nothing for unchanged files and, for a large file that
/// grew, only its new tail.
#[tokio::test]
async fn a_full_re_read_stores_only_what_the_chain_lacks() {
    let fx = Fixture::new(2);
    small_tree(&fx.nodes[0], 1);
    small_tree(&fx.nodes[1], 2);
    let l0 = fx.full(1, "202611251208").await.marker;
    let grown = fx.nodes[1].join("two_chunks");
    let mut f = OpenOptions::new().append(true).open(&grown).unwrap();
    f.write_all(&random_bytes(99, 1000)).unwrap();
    drop(f);
    let before = fx.snapshots();

    let base = engine::BaseBackup::load(&*fx.vol, l0.clone())
        .await
        .unwrap();
    let mut plan = BackupPlan::incremental(2, "202611251209", fx.nodes.clone(), base);
    plan.full_read = true;
    let l1 = fx.run(&plan).await.marker;
    assert_eq!(l1.totals.bytes_read, l1.totals.bytes, "everything re-read");
    assert_eq!(
        l1.totals.chunks_stored, 1,
        "only the grown file's last chunk"
    );
    assert_eq!(
        l1.totals.bytes_stored,
        1000 + 17,
        "stored raw: it is random"
    );

    let targets = fx.restore_dirs("restore");
    fx.restore(&l1, &targets).await.unwrap();
    for (b, t) in before.iter().zip(&targets) {
        assert_same_tree(b, t);
    }
}
