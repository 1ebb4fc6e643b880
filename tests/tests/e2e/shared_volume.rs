//! Several writers on one volume: two daemons with their own state directories share a
//! `file` volume or an S3 bucket. Bids never collide, neither daemon's start-up recovery
//! touches what the other is writing, and each lists and restores the other's backups.

use std::path::Path;

use confd_tests::{
    Pause, PausePoint, S3_ACCESS_KEY, S3_SECRET_KEY, S3Server, TestDaemon, stdout_ok, tree_hash,
};

use crate::volumes::{add_file_volume, backup, change_data, data_of, listed, restore};

/// Both daemons back up MY_DATABASE to `volume` one after the other (the second one has not
/// seen the first one's backup), then each restores the other's backup byte for byte.
fn exchange_backups(a: &TestDaemon, b: &TestDaemon, volume: &str) {
    change_data(&data_of(b, "MY_DATABASE"), 1);
    let (hash_a, hash_b) = (
        tree_hash(&data_of(a, "MY_DATABASE")),
        tree_hash(&data_of(b, "MY_DATABASE")),
    );
    assert_ne!(hash_a, hash_b);
    backup(a, "MY_DATABASE", volume, 0);
    backup(b, "MY_DATABASE", volume, 0);
    // A new database on B, for A's foreign list.
    stdout_ok(&b.python("ok('db_create', db_name='ONLY_ON_B', nodes=1)"));
    backup(b, "ONLY_ON_B", volume, 0);

    let bids = |d: &TestDaemon| -> Vec<u64> {
        listed(d, "MY_DATABASE", false)
            .iter()
            .filter(|e| e.4.starts_with(&volume_id(d, volume)))
            .map(|e| e.0)
            .collect()
    };
    assert_eq!(bids(a), [1, 2], "A sees B's backup under the next bid");
    assert_eq!(bids(b), [1, 2]);
    let foreign: Vec<String> = listed(a, "MY_DATABASE", true)
        .into_iter()
        .map(|e| e.3)
        .collect();
    assert!(foreign.contains(&"ONLY_ON_B".to_owned()), "{foreign:?}");

    let id_of = |d: &TestDaemon, bid: u64| {
        listed(d, "MY_DATABASE", false)
            .into_iter()
            .find(|e| e.0 == bid && e.4.starts_with(&volume_id(d, volume)))
            .map(|e| e.4)
            .unwrap()
    };
    restore(a, "MY_DATABASE", &id_of(a, 2));
    assert_eq!(
        tree_hash(&data_of(a, "MY_DATABASE")),
        hash_b,
        "A restored B's backup"
    );
    restore(b, "MY_DATABASE", &id_of(b, 1));
    assert_eq!(
        tree_hash(&data_of(b, "MY_DATABASE")),
        hash_a,
        "B restored A's backup"
    );
}

fn volume_id(d: &TestDaemon, name: &str) -> String {
    let out = stdout_ok(&d.python(&format!(
        "print(ok('remote_volume_info', remote_volume_name='{name}')['vid'])"
    )));
    format!("{} ", out.trim())
}

#[test]
fn two_daemons_share_a_file_volume() {
    let volume = tempfile::tempdir().unwrap();
    let a = TestDaemon::start();
    let b = TestDaemon::start();
    add_file_volume(&a, "shared", volume.path());
    add_file_volume(&b, "shared", volume.path());
    exchange_backups(&a, &b, "shared");
}

#[test]
fn two_daemons_share_an_s3_bucket() {
    let s3 = S3Server::start();
    s3.create_bucket("shared");
    let url = format!("{}/shared/confd", s3.endpoint());
    let (a, b) = (TestDaemon::start(), TestDaemon::start());
    for d in [&a, &b] {
        stdout_ok(&d.python(&format!(
            "ok('remote_volume_add', vol_type='s3', url={url:?}, remote_volume_name='shared', username={S3_ACCESS_KEY:?}, password={S3_SECRET_KEY:?})"
        )));
    }
    exchange_backups(&a, &b, "shared");
}

#[test]
fn a_restarting_daemon_leaves_the_other_daemons_backup_in_progress_alone() {
    let volume = tempfile::tempdir().unwrap();
    let b_state = tempfile::tempdir().unwrap();
    let a = TestDaemon::start();
    add_file_volume(&a, "shared", volume.path());
    {
        let b = TestDaemon::start_in(b_state.path(), |_| {});
        add_file_volume(&b, "shared", volume.path());
    }
    let gate = a.pause(Pause::backup(PausePoint::BeforeStatusMarker));
    stdout_ok(&a.python(
        "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='shared', level=0)",
    ));
    gate.wait_reached();
    // B's start-up recovery sees A's uncommitted backup on the shared volume.
    let b = TestDaemon::start_in(b_state.path(), |_| {});
    assert!(has_objects(&volume.path().join("MY_DATABASE/id_1/level_0")));
    gate.release();
    let done = stdout_ok(&a.python("print(wait('MY_DATABASE')['Comment'])"));
    assert_eq!(done, "Backup has been successfully finished\n");
    let seen: Vec<(u64, bool)> = listed(&b, "MY_DATABASE", false)
        .iter()
        .filter(|e| e.4.starts_with(&volume_id(&b, "shared")))
        .map(|e| (e.0, e.2))
        .collect();
    assert_eq!(seen, [(1, true)], "B lists A's backup once it is committed");
}

fn has_objects(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut e| e.next().is_some())
}
