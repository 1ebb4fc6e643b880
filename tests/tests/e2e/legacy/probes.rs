//! The probe (`check_backup_age.py`) and the legacy listing and restore
//! (`legacy_backup_list.py`), run as operators run them.

use confd_tests::{TestDaemon, stdout_ok, tree_hash};

fn probe(d: &TestDaemon, args: &[&str]) -> (i32, String) {
    let out = d.python_example("check_backup_age.py", args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn check_backup_age_follows_the_plugin_conventions() {
    let d = TestDaemon::start();
    let (code, out) = probe(&d, &[]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.starts_with(
            "BACKUP CRITICAL - no usable backup of MY_DATABASE | age_hours=U;26;50 usable=0"
        ),
        "{out}"
    );

    stdout_ok(&d.python("ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0, expire='1h'); wait('MY_DATABASE')"));
    let (code, out) = probe(&d, &["-w", "26", "-c", "50"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("BACKUP OK - newest usable backup of MY_DATABASE is 0.0 h old (10001 MY_DATABASE/id_1/level_0/"), "{out}");
    assert!(
        out.contains("| age_hours=0.") && out.ends_with(";26;50 usable=1\n"),
        "{out}"
    );

    stdout_ok(&d.python("ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=1, expire='1w'); wait('MY_DATABASE')"));
    let (code, out) = probe(&d, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("BACKUP WARNING - level 0 backup 1 expires "),
        "{out}"
    );
    assert!(
        out.contains("before level 1 backup 2 that depends on it"),
        "{out}"
    );
    assert!(out.contains("usable=2"), "{out}");

    let (code, out) = probe(&d, &["-p", "wrong"]);
    assert_eq!(code, 3, "{out}");
    assert!(out.starts_with("BACKUP UNKNOWN - cannot ask"), "{out}");
    let (code, out) = probe(&d, &["-d", "NO_SUCH_DB"]);
    assert_eq!(code, 3, "{out}");
}

#[test]
fn legacy_listing_and_restore_bring_the_data_back_byte_for_byte() {
    let d = TestDaemon::start();
    let data = d.state_dir().join("databases/MY_DATABASE");
    let before = tree_hash(&data);
    let out = stdout_ok(&d.python_example("legacy_backup_list.py", &[]));
    assert_eq!(out, "no backups of MY_DATABASE\n");
    stdout_ok(&d.python("ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0, expire='1w'); wait('MY_DATABASE')"));
    std::fs::write(data.join("node_1/CHANGED"), "after the level 0").unwrap();
    let changed = tree_hash(&data);
    stdout_ok(&d.python("ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=1); wait('MY_DATABASE')"));
    std::fs::write(data.join("node_0/VERSION"), "damaged after the backups").unwrap();
    std::fs::remove_file(data.join("node_1/CHANGED")).unwrap();
    assert_ne!(tree_hash(&data), before);

    let out = stdout_ok(&d.python_example("legacy_backup_list.py", &["--restore-newest"]));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("   1  level 0  ")
            && lines[0].contains("usable    r0001  depends on -  8 files"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("   2  level 1  ")
            && lines[1].contains("expires never")
            && lines[1].contains("depends on [1]"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("restoring 10001 MY_DATABASE/id_2/level_1/"),
        "{out}"
    );
    assert_eq!(
        &lines[3..],
        [
            "Restore has been successfully finished",
            "database is running"
        ],
        "{out}"
    );
    assert_eq!(
        tree_hash(&data),
        changed,
        "the restore did not bring back the level 1 state"
    );
    assert_ne!(changed, before);
}
