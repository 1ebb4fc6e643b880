//! The stdlib-only programs in `python-examples/` run against the daemon.

use confd_tests::{Pause, PausePoint, TestDaemon, stdout_ok};

#[test]
fn list_databases_prints_the_demo_database() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python_example("list_databases.py", &[]));
    assert!(out.contains("MY_DATABASE"), "{out}");
    assert!(out.contains("running"), "{out}");
}

#[test]
fn volumes_lists_and_adds_a_file_volume() {
    let d = TestDaemon::start();
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_ok(&d.python_example(
        "volumes.py",
        &["--add-file-volume", &dir.path().display().to_string()],
    ));
    assert!(out.contains("r0001"), "{out}");
    assert!(out.contains("ArchiveVolume1"), "{out}");
    assert!(out.contains("added remote volume r0002"), "{out}");
    let listed =
        stdout_ok(&d.python("print(proxy.job_exec('remote_volume_list')['result_output'])"));
    assert_eq!(listed, "['r0001', 'r0002']\n");
}

#[test]
fn backup_restore_and_abort_examples_run_the_documented_procedures() {
    let d = TestDaemon::start();
    let data = d.state_dir().join("databases/MY_DATABASE");
    let before = confd_tests::tree_hash(&data);
    let out = stdout_ok(&d.python_example(
        "backup.py",
        &["--volume", "r0001", "--level", "0", "--expire", "1w"],
    ));
    assert!(
        out.contains("Backup has been successfully finished"),
        "{out}"
    );
    assert!(
        out.contains("10001 MY_DATABASE/id_1/level_0/node_0/backup_"),
        "{out}"
    );
    assert!(out.contains("100%"), "{out}");

    std::fs::write(data.join("node_0/VERSION"), "changed after the backup").unwrap();
    let out = stdout_ok(&d.python_example("restore.py", &[]));
    assert!(
        out.contains("Restore has been successfully finished"),
        "{out}"
    );
    assert!(out.ends_with("database MY_DATABASE is running\n"), "{out}");
    assert_eq!(
        confd_tests::tree_hash(&data),
        before,
        "restore.py did not bring the data back"
    );

    let out = stdout_ok(&d.python_example("abort_backup.py", &[]));
    assert_eq!(
        out,
        "nothing aborted: No backup or restore is running for database 'MY_DATABASE'\n"
    );
}

#[test]
fn abort_example_stops_a_running_backup() {
    let d = TestDaemon::start();
    // The backup cannot finish before the example's abort arrives: it is held in its
    // write phase, and the abort ends the hold (or stops it earlier, in its scan).
    let _gate = d.pause(Pause::backup(PausePoint::AfterChunks(1)));
    let out = stdout_ok(&d.python_example("abort_backup.py", &["--start", "r0001"]));
    assert_eq!(
        out,
        "Backup has been aborted\nnew backups listed after the abort: 0\n"
    );
}

#[test]
fn schedules_example_adds_a_nightly_and_an_hourly_backup_and_removes_them() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python_example("schedules.py", &[]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[..2], ["added nightly", "added hourly"], "{out}");
    assert!(
        lines[2].starts_with(
            "hourly   level 1 to r0001, expire 2d, cron '30 * * * *' (UTC), enabled; next run 20"
        ),
        "{out}"
    );
    assert!(lines[2].ends_with("UTC; last: never ran"), "{out}");
    assert!(
        lines[3].starts_with(
            "nightly  level 0 to r0001, expire 1w, cron '0 2 * * *' (UTC), enabled; next run 20"
        ),
        "{out}"
    );
    assert!(lines[3].contains(" 02:00 UTC;"), "{out}");
    let again = d.python_example("schedules.py", &[]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr)
            .contains("already has a schedule 'nightly' (INVALID_PARAMETER)"),
        "{again:?}"
    );
    let removed = stdout_ok(&d.python_example("schedules.py", &["--remove"]));
    assert_eq!(removed, "removed nightly\nremoved hourly\nno schedules\n");
}

#[test]
fn verify_example_exits_0_on_an_intact_backup_and_2_on_a_damaged_one() {
    let d = TestDaemon::start();
    stdout_ok(&d.python_example("backup.py", &["--volume", "r0001", "--level", "0"]));
    let out = stdout_ok(&d.python_example("verify.py", &[]));
    assert!(
        out.starts_with("intact: 10001 MY_DATABASE/id_1/level_0/node_0/backup_"),
        "{out}"
    );
    assert_eq!(out.lines().count(), 1, "{out}");

    let id = stdout_ok(&d.python("print(ids()[0].split(' ')[1])"));
    let (dir, ts) = id.trim().rsplit_once("/node_0/backup_").unwrap();
    let key = format!("{dir}/node_2/backup_{ts}");
    let object = d.state_dir().join("remote/r0001").join(&key);
    let mut bytes = std::fs::read(&object).unwrap();
    bytes[10] ^= 0x01;
    std::fs::write(&object, bytes).unwrap();
    let damaged = d.python_example("verify.py", &[]);
    assert_eq!(damaged.status.code(), Some(2), "{damaged:?}");
    let out = String::from_utf8_lossy(&damaged.stdout);
    assert!(
        out.starts_with("DAMAGED: 10001 MY_DATABASE/id_1/level_0/")
            && out.contains(": 1 damaged file: node_2/")
            && out.ends_with(&format!(" in {key}\n")),
        "{out}"
    );
}
