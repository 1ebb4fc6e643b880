//! The volume as the source of truth: a fresh daemon that is given the surviving volume
//! and the same database lists every complete backup and restores each byte for byte;
//! damaged backups are reported and left out; backups of other databases are listed with
//! `show_foreign` and restore into a database with the same node count.

use std::path::{Path, PathBuf};

use confd_tests::{TestDaemon, stdout_ok, tree_hash};

fn py(d: &TestDaemon, code: &str) -> String {
    stdout_ok(&d.python(code))
}

pub fn data_of(d: &TestDaemon, db: &str) -> PathBuf {
    d.state_dir().join("databases").join(db)
}

/// A change a database might make between two backups.
pub fn change_data(dir: &Path, round: u32) {
    let table = dir.join("node_0/schemas/SCHEMA_0/TABLE_0.csv");
    let mut text = std::fs::read(&table).unwrap();
    text.extend_from_slice(format!("appended in round {round}\n").as_bytes());
    std::fs::write(&table, text).unwrap();
    std::fs::write(dir.join(format!("node_1/round_{round}.txt")), "new").unwrap();
}

/// Python: adds the `file` volume `name` at `dir` and prints the answer's message.
pub fn add_file_volume(d: &TestDaemon, name: &str, dir: &Path) -> String {
    py(
        d,
        &format!(
            "print(ok('remote_volume_add', vol_type='file', url='file://{}', remote_volume_name='{name}')[0][2])",
            dir.display()
        ),
    )
}

/// Backs up `db` to `volume` at `level` and waits for success.
pub fn backup(d: &TestDaemon, db: &str, volume: &str, level: u8) {
    let out = py(
        d,
        &format!(
            "ok('db_backup_start', db_name='{db}', backup_volume_name='{volume}', level={level})\n\
             print(wait('{db}')['Comment'])"
        ),
    );
    assert_eq!(out, "Backup has been successfully finished\n");
}

/// Stops `db`, restores `id` into it and waits for success (the database runs again).
pub fn restore(d: &TestDaemon, db: &str, id: &str) {
    let out = py(
        d,
        &format!(
            "ok('db_stop', db_name='{db}')\n\
             ok('db_restore', db_name='{db}', backup_id={id:?}, restore_type='blocking')\n\
             print(wait('{db}')['Comment'])"
        ),
    );
    assert_eq!(out, "Restore has been successfully finished\n");
}

/// `bid level usable system id` per listed backup of `db`.
pub fn listed(d: &TestDaemon, db: &str, foreign: bool) -> Vec<(u64, u8, bool, String, String)> {
    let foreign = if foreign { "True" } else { "False" };
    py(
        d,
        &format!(
            "for b in ok('db_backup_list', db_name='{db}', show_foreign={foreign}):\n    print(b['bid'], b['level'], b['usable'], b['system'], b['id'], sep='|')"
        ),
    )
    .lines()
    .map(|l| {
        let f: Vec<&str> = l.split('|').collect();
        (
            f[0].parse().unwrap(),
            f[1].parse().unwrap(),
            f[2] == "True",
            f[3].to_owned(),
            f[4].to_owned(),
        )
    })
    .collect()
}

fn no_demo() -> TestDaemon {
    TestDaemon::start_with(|c| c.demo = false)
}

#[test]
fn a_fresh_daemon_rebuilds_the_catalogue_from_the_volume_and_restores_every_backup() {
    let volume = tempfile::tempdir().unwrap();
    let mut hashes = Vec::new();
    {
        let a = TestDaemon::start();
        add_file_volume(&a, "shared", volume.path());
        let data = data_of(&a, "MY_DATABASE");
        for level in 0..3 {
            hashes.push(tree_hash(&data));
            backup(&a, "MY_DATABASE", "shared", level);
            change_data(&data, u32::from(level) + 1);
        }
        // Daemon and its whole state directory are gone after this block.
    }
    let b = no_demo();
    let message = add_file_volume(&b, "survivor", volume.path());
    assert!(message.contains("3 backup(s) imported"), "{message}");
    py(&b, "ok('db_create', db_name='MY_DATABASE', nodes=4)");
    let list = listed(&b, "MY_DATABASE", false);
    let summary: Vec<(u64, u8, bool)> = list.iter().map(|e| (e.0, e.1, e.2)).collect();
    assert_eq!(summary, [(1, 0, true), (2, 1, true), (3, 2, true)]);
    let data = data_of(&b, "MY_DATABASE");
    for (entry, hash) in list.iter().zip(&hashes) {
        restore(&b, "MY_DATABASE", &entry.4);
        assert_eq!(&tree_hash(&data), hash, "restore of {}", entry.4);
    }
    // Bids seen on the volume are never reused.
    backup(&b, "MY_DATABASE", "survivor", 0);
    let bids: Vec<u64> = listed(&b, "MY_DATABASE", false)
        .iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(bids, [1, 2, 3, 4]);
}

#[test]
fn damaged_markers_and_manifests_are_reported_and_not_imported() {
    let volume = tempfile::tempdir().unwrap();
    {
        let a = TestDaemon::start();
        add_file_volume(&a, "shared", volume.path());
        for _ in 0..3 {
            backup(&a, "MY_DATABASE", "shared", 0);
        }
    }
    let only = |bid: u64, prefix: &str| -> PathBuf {
        let dir = volume.path().join(format!("MY_DATABASE/id_{bid}/level_0"));
        let found = walk(&dir)
            .into_iter()
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix));
        found.unwrap_or_else(|| panic!("no {prefix}* under {}", dir.display()))
    };
    // Bid 1: a manifest that no longer matches its hash; bid 2: an unreadable marker.
    let manifest = only(1, "metadata_");
    let mut bytes = std::fs::read(&manifest).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&manifest, bytes).unwrap();
    std::fs::write(only(2, "status_"), b"{ not json").unwrap();

    let b = no_demo();
    let message = add_file_volume(&b, "survivor", volume.path());
    assert!(message.contains("1 backup(s) imported"), "{message}");
    assert!(
        message.contains("2 damaged backup(s) not imported"),
        "{message}"
    );
    py(&b, "ok('db_create', db_name='MY_DATABASE', nodes=4)");
    let bids: Vec<u64> = listed(&b, "MY_DATABASE", false)
        .iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(bids, [3]);
    // Damaged bids count as seen: the next backup goes above them.
    backup(&b, "MY_DATABASE", "survivor", 0);
    let bids: Vec<u64> = listed(&b, "MY_DATABASE", false)
        .iter()
        .map(|e| e.0)
        .collect();
    assert_eq!(bids, [3, 4]);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn foreign_backups_are_listed_and_restore_only_into_the_same_node_count() {
    let d = TestDaemon::start();
    backup(&d, "MY_DATABASE", "r0001", 0);
    let source = tree_hash(&data_of(&d, "MY_DATABASE"));
    py(
        &d,
        "ok('db_create', db_name='OTHER', nodes=4)\nok('db_create', db_name='SMALL', nodes=2)",
    );
    assert!(listed(&d, "OTHER", false).is_empty());
    let foreign = listed(&d, "OTHER", true);
    assert_eq!(foreign.len(), 1);
    assert_eq!(
        foreign[0].3, "MY_DATABASE",
        "system names the other database"
    );
    let id = &foreign[0].4;

    restore(&d, "OTHER", id);
    assert_eq!(tree_hash(&data_of(&d, "OTHER")), source);

    let out = py(
        &d,
        &format!(
            "ok('db_stop', db_name='SMALL')\n\
             r = job('db_restore', db_name='SMALL', backup_id={id:?}, restore_type='blocking')\n\
             print(r['result_name'], r['result_desc'])"
        ),
    );
    assert!(out.starts_with("WRONG_STATE "), "{out}");
    assert!(
        out.contains("4 nodes") && out.contains("'SMALL' has 2"),
        "{out}"
    );
}
