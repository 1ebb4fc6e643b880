//! Start-up recovery, deletion, and the local volume's object semantics.
#![allow(clippy::unwrap_used)] // helpers and hooks outside #[test] fns panic on failed setup

mod engine_support;

use std::collections::HashSet;
use std::fs;

use bytes::Bytes;
use confd_storage::engine;
use confd_storage::volume::{LocalVolume, ObjectKey, Prefix, VolumeError};
use engine_support::*;

#[tokio::test]
async fn scan_finds_every_committed_backup() {
    let fx = Fixture::new(2);
    fs::write(fx.nodes[0].join("a"), "a").unwrap();
    let l0 = fx.full(1, "202611251200").await.marker;
    let l1 = fx.incremental(&l0, 2, "202611251201").await.marker;
    let found = engine::scan(&*fx.vol).await.unwrap();
    assert_eq!(found, vec![l0, l1]);
}

#[tokio::test]
async fn remove_uncommitted_deletes_backups_without_marker_and_partial_leftovers_only() {
    let fx = Fixture::new(1);
    fs::write(fx.nodes[0].join("a"), "a").unwrap();
    let good = fx.full(1, "202611251200").await.marker;
    let crashed = fx.full(2, "202611251201").await.marker;
    let in_flight = fx.full(3, "202611251202").await.marker;
    for m in [&crashed, &in_flight] {
        fx.vol
            .delete(&m.keys().unwrap().status().unwrap())
            .await
            .unwrap();
    }
    // A crash mid-write leaves a .partial file.
    let vol_dir = fx.tmp.path().join("vol");
    fs::write(
        vol_dir.join("DB1/id_1/level_0/node_0/backup_x.partial"),
        "torn",
    )
    .unwrap();
    fs::write(
        vol_dir.join("DB1/id_3/level_0/node_0/backup_y.partial"),
        "being written",
    )
    .unwrap();
    fs::write(vol_dir.join("unrelated.txt"), "not ours").unwrap();

    let busy = HashSet::from([("DB1".to_owned(), 3)]);
    let report = engine::remove_uncommitted(&*fx.vol, &busy).await.unwrap();
    assert_eq!(report.removed_backups, vec!["DB1/id_2/level_0".to_owned()]);
    assert_eq!(
        report.removed_incomplete,
        vec!["DB1/id_1/level_0/node_0/backup_x".to_owned()]
    );

    let keys = object_keys(&*fx.vol).await;
    assert!(!keys.iter().any(|k| k.starts_with("DB1/id_2/")), "{keys:?}");
    assert!(
        keys.iter().any(|k| k.starts_with("DB1/id_3/")),
        "in-flight backup kept"
    );
    assert!(keys.contains(&"unrelated.txt".to_owned()));
    assert!(
        vol_dir
            .join("DB1/id_3/level_0/node_0/backup_y.partial")
            .exists()
    );
    assert!(
        !vol_dir.join("DB1/id_2").exists(),
        "empty directories pruned"
    );
    fx.restore(&good, &fx.restore_dirs("r")).await.unwrap();
}

#[tokio::test]
async fn delete_backup_removes_all_its_objects_and_nothing_else() {
    let fx = Fixture::new(2);
    fs::write(fx.nodes[1].join("b"), "b").unwrap();
    let keep = fx.full(1, "202611251200").await.marker;
    let gone = fx.full(2, "202611251201").await.marker;
    engine::delete_backup(&*fx.vol, "DB1", gone.bid, gone.level)
        .await
        .unwrap();
    let keys = object_keys(&*fx.vol).await;
    assert!(keys.iter().all(|k| k.starts_with("DB1/id_1/")), "{keys:?}");
    assert_eq!(engine::scan(&*fx.vol).await.unwrap(), vec![keep]);
    // Deleting again is fine.
    engine::delete_backup(&*fx.vol, "DB1", gone.bid, gone.level)
        .await
        .unwrap();
}

#[tokio::test]
async fn restore_of_an_incremental_whose_base_was_deleted_fails_with_missing_base() {
    let fx = Fixture::new(1);
    fs::write(fx.nodes[0].join("a"), "a").unwrap();
    let l0 = fx.full(1, "202611251200").await.marker;
    let l1 = fx.incremental(&l0, 2, "202611251201").await.marker;
    engine::delete_backup(&*fx.vol, "DB1", 1, 0).await.unwrap();
    let err = fx.restore(&l1, &fx.restore_dirs("r")).await.unwrap_err();
    assert!(
        matches!(err, engine::EngineError::MissingBase { .. }),
        "{err}"
    );
}

#[tokio::test]
async fn local_volume_objects_appear_only_when_finished() {
    let tmp = tempfile::tempdir().unwrap();
    let vol = LocalVolume::open(tmp.path()).unwrap();
    let key = ObjectKey::new("a/b/obj").unwrap();
    let vol: &dyn confd_storage::volume::ArchiveVolume = &vol;

    let mut w = vol.create(&key).await.unwrap();
    w.write(Bytes::from_static(b"hello ")).await.unwrap();
    w.write(Bytes::from_static(b"world")).await.unwrap();
    assert!(
        vol.head(&key).await.unwrap().is_none(),
        "invisible before finish"
    );
    assert_eq!(
        vol.list_incomplete(&Prefix::root()).await.unwrap(),
        vec![key.clone()]
    );
    assert_eq!(w.finish().await.unwrap(), 11);
    assert_eq!(&vol.get(&key).await.unwrap()[..], b"hello world");
    assert_eq!(&vol.get_range(&key, 6..11).await.unwrap()[..], b"world");
    assert!(matches!(
        vol.get_range(&key, 6..12).await,
        Err(VolumeError::OutOfRange { .. })
    ));

    let key2 = ObjectKey::new("a/c").unwrap();
    let mut w = vol.create(&key2).await.unwrap();
    w.write(Bytes::from_static(b"x")).await.unwrap();
    w.abort().await.unwrap();
    assert!(vol.head(&key2).await.unwrap().is_none());
    assert!(
        vol.list_incomplete(&Prefix::root())
            .await
            .unwrap()
            .is_empty()
    );

    vol.put(&key2, Bytes::from_static(b"small")).await.unwrap();
    let listed: Vec<_> = vol.list(&Prefix::new("a").unwrap()).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|o| (o.key.as_str(), o.size))
            .collect::<Vec<_>>(),
        vec![("a/b/obj", 11), ("a/c", 5)]
    );
    assert!(
        vol.list(&Prefix::new("a/b/o").unwrap())
            .await
            .unwrap()
            .is_empty(),
        "component-wise"
    );
    assert_eq!(
        vol.delete_prefix(&Prefix::new("a/b").unwrap())
            .await
            .unwrap(),
        1
    );
    vol.delete(&key2).await.unwrap();
    vol.delete(&key2).await.unwrap();
    assert!(matches!(
        vol.get(&key2).await,
        Err(VolumeError::NotFound { .. })
    ));
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "empty directories pruned"
    );
}

#[tokio::test]
async fn recovery_removes_empty_directories_a_crash_left_behind() {
    let root = tempfile::tempdir().unwrap();
    let volume = confd_storage::volume::LocalVolume::open(root.path()).unwrap();
    for d in ["DB/id_7/level_0/node_0", "DB/id_8", "OTHER/id_1/level_1"] {
        std::fs::create_dir_all(root.path().join(d)).unwrap();
    }
    std::fs::create_dir_all(root.path().join("DB/keep_me")).unwrap();
    let report =
        confd_storage::engine::remove_uncommitted(&volume, &std::collections::HashSet::new())
            .await
            .unwrap();
    assert!(report.pruned_dirs >= 3, "{report:?}");
    assert!(!root.path().join("DB/id_7").exists());
    assert!(!root.path().join("DB/id_8").exists());
    assert!(
        !root.path().join("OTHER").exists(),
        "an emptied database directory goes too"
    );
    assert!(
        root.path().join("DB/keep_me").is_dir(),
        "directories outside the layout stay"
    );
}
