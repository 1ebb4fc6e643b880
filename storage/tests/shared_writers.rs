//! Several writers on one volume: create-new writes never replace, bids are claimed once,
//! and each writer can tell its own uncommitted backups from the others'.
#![allow(clippy::unwrap_used)]

use bytes::Bytes;
use confd_storage::engine;
use confd_storage::volume::{ArchiveVolume, LocalVolume, ObjectKey, Prefix, VolumeError};

fn volume() -> (tempfile::TempDir, LocalVolume) {
    let dir = tempfile::tempdir().unwrap();
    let vol = LocalVolume::open(dir.path()).unwrap();
    (dir, vol)
}

#[tokio::test]
async fn create_new_writes_refuse_an_existing_key_and_leave_it_unchanged() {
    let (_dir, vol) = volume();
    let key = ObjectKey::new("DB/id_1/level_0/status_202611251200").unwrap();
    vol.put_new(&key, Bytes::from_static(b"first"))
        .await
        .unwrap();
    let again = vol.put_new(&key, Bytes::from_static(b"second")).await;
    assert!(
        matches!(again, Err(VolumeError::AlreadyExists { .. })),
        "{again:?}"
    );
    let mut w = vol.create(&key).await.unwrap();
    w.write(Bytes::from_static(b"streamed")).await.unwrap();
    let finished = w.finish().await;
    assert!(
        matches!(finished, Err(VolumeError::AlreadyExists { .. })),
        "{finished:?}"
    );
    assert_eq!(&vol.get(&key).await.unwrap()[..], b"first");
    assert!(
        vol.list_incomplete(&Prefix::root())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_bid_is_claimed_once_and_others_claims_are_theirs() {
    let (_dir, vol) = volume();
    assert!(engine::claim_bid(&vol, "DB", 1, "writer-a").await.unwrap());
    assert!(!engine::claim_bid(&vol, "DB", 1, "writer-b").await.unwrap());
    assert!(engine::claim_bid(&vol, "DB", 2, "writer-b").await.unwrap());
    // Objects of a backup written without a claim take the bid too.
    let legacy = ObjectKey::new("DB/id_5/level_0/node_0/backup_202611251200").unwrap();
    vol.put(&legacy, Bytes::new()).await.unwrap();
    assert!(!engine::claim_bid(&vol, "DB", 5, "writer-a").await.unwrap());
    assert_eq!(engine::highest_bid(&vol, "DB").await.unwrap(), Some(5));

    let theirs = engine::claimed_by_others(&vol, "writer-a").await.unwrap();
    assert_eq!(theirs, [("DB".to_owned(), 2)].into_iter().collect());
}
