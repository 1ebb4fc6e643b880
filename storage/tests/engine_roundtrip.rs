//! Backups and restores of real directory trees, compared byte for byte.
#![allow(clippy::unwrap_used)] // helpers and hooks outside #[test] fns panic on failed setup

mod engine_support;

use std::fs;
use std::os::unix::fs::symlink;
use std::sync::Arc;

use confd_storage::archive::{Compression, EntryKind};
use confd_storage::engine::{self, BackupPlan, Phase, Progress};
use engine_support::*;
use tokio_util::sync::CancellationToken;

/// Large files are read chunk by chunk on every worker, past the page cache in whole 4 KiB
/// blocks where the file system allows: every length of a last chunk, aligned or not,
/// comes back exactly, compressible or not.
#[tokio::test]
async fn large_files_of_every_tail_length_come_back_exactly() {
    const CHUNK: usize = confd_storage::archive::CHUNK_SIZE;
    let fx = Fixture::new(1);
    let lens = [
        CHUNK + 1,
        CHUNK + 4095,
        CHUNK + 4096,
        CHUNK + 4097,
        2 * CHUNK,
        3 * CHUNK - 1,
    ];
    for (i, len) in lens.into_iter().enumerate() {
        let mut bytes = if i % 2 == 0 {
            random_bytes(90 + i as u64, len)
        } else {
            text(len / 20 + 1).into_bytes()
        };
        bytes.truncate(len);
        assert_eq!(bytes.len(), len);
        fs::write(fx.nodes[0].join(format!("large_{i}")), bytes).unwrap();
    }
    let before = fx.snapshots();
    let s = fx.full(1, "202611251208").await;
    assert_eq!(s.marker.totals.bytes, lens.iter().sum::<usize>() as u64);
    let targets = fx.restore_dirs("restore");
    fx.restore(&s.marker, &targets).await.unwrap();
    assert_same_tree(&before[0], &targets[0]);
}

#[tokio::test]
async fn level_0_restored_into_empty_dirs_is_byte_for_byte_equal() {
    let fx = Fixture::new(2);
    make_tree(&fx.nodes[0], 1);
    make_tree(&fx.nodes[1], 2);
    let before = fx.snapshots();
    let s = fx.full(1, "202611251208").await;
    assert_eq!(s.marker.nodes, 2);
    assert_eq!(s.files_reused, 0);
    assert!(
        s.marker.totals.bytes_stored < s.marker.totals.bytes,
        "text should compress"
    );

    let targets = fx.restore_dirs("restore");
    let r = fx.restore(&s.marker, &targets).await.unwrap();
    assert_eq!(r.bytes, s.marker.totals.bytes);
    for (b, t) in before.iter().zip(&targets) {
        assert_same_tree(b, t);
    }
    // The source was not touched by the backup.
    for (b, n) in before.iter().zip(&fx.nodes) {
        assert_same_tree(b, n);
    }
}

#[tokio::test]
async fn restore_over_a_changed_tree_removes_extras_and_rewrites_everything() {
    let fx = Fixture::new(1);
    make_tree(&fx.nodes[0], 3);
    let before = fx.snapshots();
    let s = fx.full(1, "202611251208").await;

    let n = &fx.nodes[0];
    fs::write(n.join("schema_a/tables/orders.csv"), "overwritten").unwrap();
    fs::write(n.join("extra_file"), "not in the backup").unwrap();
    fs::create_dir_all(n.join("extra_dir/sub")).unwrap();
    fs::write(n.join("extra_dir/sub/f"), "x").unwrap();
    fs::remove_file(n.join("empty")).unwrap();
    fs::create_dir(n.join("empty")).unwrap(); // a directory where a file was
    fs::remove_file(n.join("link_rel")).unwrap();
    symlink("elsewhere", n.join("link_rel")).unwrap();
    fs::remove_dir_all(n.join("schema_a/tables/deep")).unwrap();

    let r = fx.restore(&s.marker, &fx.nodes).await.unwrap();
    assert!(r.removed >= 2, "extras removed: {}", r.removed);
    assert_same_tree(&before[0], n);
}

fn change_for_level_1(n: &std::path::Path) {
    fs::write(n.join("schema_a/tables/orders.csv"), text(25_000)).unwrap();
    fs::write(n.join("new_in_1.txt"), "added at level 1").unwrap();
    fs::remove_file(n.join("random.bin")).unwrap();
    fs::remove_file(n.join("link_dangling")).unwrap();
    fs::create_dir(n.join("dir_in_1")).unwrap();
}

fn change_for_level_2(n: &std::path::Path) {
    fs::write(n.join("new_in_1.txt"), "changed at level 2, longer").unwrap();
    fs::remove_dir_all(n.join("dir_in_1")).unwrap();
    fs::write(n.join("random.bin"), random_bytes(99, 70_000)).unwrap();
    symlink("new_in_1.txt", n.join("link_in_2")).unwrap();
}

#[tokio::test]
async fn each_level_of_a_chain_restores_exactly_its_own_state() {
    let fx = Fixture::new(2);
    make_tree(&fx.nodes[0], 4);
    make_tree(&fx.nodes[1], 5);
    let state0 = fx.snapshots();
    let l0 = fx.full(1, "202611251200").await.marker;

    fx.nodes.iter().for_each(|n| change_for_level_1(n));
    let state1 = fx.snapshots();
    let s1 = fx.incremental(&l0, 2, "202611251300").await;
    assert_eq!(s1.marker.level, 1);
    assert_eq!(s1.marker.base_bid(), Some(1));
    assert!(s1.files_reused > 0);

    fx.nodes.iter().for_each(|n| change_for_level_2(n));
    let state2 = fx.snapshots();
    let s2 = fx.incremental(&s1.marker, 3, "202611251400").await;
    assert_eq!(s2.marker.level, 2);

    for (marker, state, name) in [
        (&s1.marker, &state1, "r1"),
        (&s2.marker, &state2, "r2"),
        (&l0, &state0, "r0"),
    ] {
        let targets = fx.restore_dirs(name);
        fx.restore(marker, &targets).await.unwrap();
        for (s, t) in state.iter().zip(&targets) {
            assert_same_tree(s, t);
        }
    }
    // Restoring level 1 over the level-2 restore gives level 1 again (extras removed).
    let targets = fx.restore_dirs("r2");
    fx.restore(&s1.marker, &targets).await.unwrap();
    for (s, t) in state1.iter().zip(&targets) {
        assert_same_tree(s, t);
    }
}

#[tokio::test]
async fn incremental_reads_and_stores_only_changed_data() {
    let fx = Fixture::new(1);
    let n = &fx.nodes[0];
    // Three incompressible single-chunk files, so stored bytes are exactly predictable.
    for i in 0..3u64 {
        fs::write(n.join(format!("f{i}")), random_bytes(10 + i, 2 * MIB)).unwrap();
    }
    let l0 = fx.full(1, "202611251200").await.marker;
    assert_eq!(l0.totals.bytes_read, 6 * MIB as u64);

    let l1 = fx.incremental(&l0, 2, "202611251201").await;
    assert_eq!(
        (l1.marker.totals.bytes_read, l1.marker.totals.bytes_stored),
        (0, 0)
    );
    assert_eq!(l1.files_reused, 3);

    // Rewrite f1 with a new first MiB: same size, new content, new mtime.
    let mut f1 = random_bytes(11, 2 * MIB);
    f1[..MIB].copy_from_slice(&random_bytes(77, MIB));
    std::thread::sleep(std::time::Duration::from_millis(20));
    fs::write(n.join("f1"), &f1).unwrap();
    // A new file whose content is an existing chunk: read, but deduplicated.
    fs::write(n.join("copy_of_f2"), random_bytes(12, 2 * MIB)).unwrap();
    let l2 = fx.incremental(&l1.marker, 3, "202611251202").await;
    let t = &l2.marker.totals;
    assert_eq!(
        t.bytes_read,
        4 * MIB as u64,
        "only f1 and the copy are read"
    );
    assert_eq!(
        t.bytes_stored,
        2 * MIB as u64,
        "only f1's new chunk is stored"
    );
    assert_eq!((t.chunks_stored, t.chunks_reused), (1, 1));

    let manifests = engine::load_manifests(&*fx.vol, &l2.marker).await.unwrap();
    let f0 = manifests[0]
        .entries
        .iter()
        .find(|e| e.path == b"f0")
        .unwrap();
    assert_eq!(
        (f0.chunks[0].bid, f0.chunks[0].level),
        (1, 0),
        "unchanged file points into level 0"
    );
    let targets = fx.restore_dirs("r");
    let before = fx.snapshots();
    fx.restore(&l2.marker, &targets).await.unwrap();
    assert_same_tree(&before[0], &targets[0]);
}

#[tokio::test]
async fn nocompression_stores_every_chunk_raw() {
    let fx = Fixture::new(1);
    make_tree(&fx.nodes[0], 6);
    let before = fx.snapshots();
    let plan = no_compression(BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone()));
    let s = fx.run(&plan).await;
    assert_eq!(s.marker.compression, Compression::None);
    let m = &engine::load_manifests(&*fx.vol, &s.marker).await.unwrap()[0];
    let refs: Vec<_> = m.entries.iter().flat_map(|e| &e.chunks).collect();
    assert!(
        refs.iter()
            .all(|r| !r.compressed && r.stored_len == r.raw_len)
    );
    let data = fx
        .vol
        .head(&s.marker.keys().unwrap().data(0).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(data.size, s.marker.totals.bytes_stored);
    let targets = fx.restore_dirs("r");
    fx.restore(&s.marker, &targets).await.unwrap();
    assert_same_tree(&before[0], &targets[0]);
}

#[tokio::test]
async fn progress_has_fixed_totals_and_reaches_100_only_at_the_end() {
    let fx = Fixture::new(1);
    make_tree(&fx.nodes[0], 7);
    let progress = Arc::new(Progress::new());
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let s = engine::backup(&*fx.vol, &plan, &progress, &CancellationToken::new())
        .await
        .unwrap();
    let snap = progress.snapshot();
    assert_eq!(
        (snap.percent, snap.phase, snap.finished),
        (100, Phase::Done, true)
    );
    assert_eq!(snap.bytes_total, s.marker.totals.bytes);
    assert_eq!(snap.bytes_done, snap.bytes_total);
    assert_eq!(snap.files_done, s.marker.totals.files);
    let m = &engine::load_manifests(&*fx.vol, &s.marker).await.unwrap()[0];
    assert_eq!(m.entries[0].kind, EntryKind::Dir);
    assert!(
        m.entries[0].path.is_empty(),
        "node directory itself comes first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_of_many_chunks_restores_byte_for_byte_whatever_order_they_land_in() {
    use confd_storage::archive::CHUNK_SIZE;
    let fx = Fixture::new(1);
    // Text chunks compress, random ones are stored raw, the tail is a partial chunk; the
    // chunks are written back by several threads at their own offsets.
    let mut big = Vec::new();
    for i in 0..5u64 {
        if i % 2 == 0 {
            big.extend_from_slice(&text(CHUNK_SIZE / 20).as_bytes()[..CHUNK_SIZE]);
        } else {
            big.extend(random_bytes(i, CHUNK_SIZE));
        }
    }
    big.extend(random_bytes(9, 12_345));
    fs::write(fx.nodes[0].join("big.dat"), &big).unwrap();
    fs::write(fx.nodes[0].join("small.dat"), b"small").unwrap();
    fs::write(fx.nodes[0].join("empty.dat"), b"").unwrap();
    let before = fx.snapshots();
    let s = fx.full(1, "202611251208").await;
    let targets = fx.restore_dirs("restore");
    let r = fx.restore(&s.marker, &targets).await.unwrap();
    assert_eq!(r.bytes, big.len() as u64 + 5);
    assert_same_tree(&before[0], &targets[0]);
}
