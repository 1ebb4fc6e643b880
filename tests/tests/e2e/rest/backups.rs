//! Backups over REST: start, list, abort, expiration, delete, restore.

use std::process::Command;
use std::time::{Duration, Instant};

use confd_tests::{Pause, PausePoint, TestDaemon, repo_root, stdout_ok};
use serde_json::{Value, json};

use super::{rest, rest_json};

/// Polls `GET .../backups` until it lists `count` backups (bounded; no timing asserted).
fn wait_for_backups(d: &TestDaemon, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, list) = rest(d, "GET", "/api/v1/databases/MY_DATABASE/backups", &[]);
        assert_eq!(status, 200, "{list}");
        let list = list.as_array().cloned().unwrap_or_default();
        if list.len() >= count || Instant::now() > deadline {
            return list;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls progress until no backup runs (the job refuses a second one while one runs).
fn wait_until_idle(d: &TestDaemon) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, progress) = rest(
            d,
            "GET",
            "/api/v1/databases/MY_DATABASE/backups/progress",
            &[],
        );
        assert_eq!(status, 200, "{progress}");
        let done = progress["progress"] == 100
            || progress["comment"].as_str().is_some_and(|c| {
                c.contains("finished") || c.contains("abort") || c.contains("fail")
            });
        if done || Instant::now() > deadline {
            return progress;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn seed_backup_start_runs_and_is_listed_then_abort_stops_a_second() {
    let d = TestDaemon::start();
    // Only the second backup is held, in its write phase, until the abort ends it.
    let gate = d.pause(Pause::backup(PausePoint::AfterChunks(2)).nth(2));
    let (status, started) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/start",
        &json!({"backupVolumeId": 10001, "backupVolumeName": "r0001", "level": 0, "expire": "1w"}),
    );
    assert_eq!(status, 200, "{started}");
    assert!(started["jobId"].is_string(), "{started}");
    let list = wait_for_backups(&d, 1);
    assert_eq!(list.len(), 1, "{list:?}");
    let backup = &list[0];
    assert_eq!(backup["level"], 0);
    assert_eq!(backup["volume"], "r0001");
    assert_eq!(backup["system"], "MY_DATABASE");
    assert!(
        backup["expireAlterable"].is_string() && backup["lastItem"].is_boolean(),
        "{backup}"
    );
    wait_until_idle(&d);
    // The same backup through XML-RPC's db_backup_list (what confd_client prints).
    let ids = stdout_ok(&d.python(
        "print([b['id'] for b in proxy.job_exec('db_backup_list', {'params': {'db_name': 'MY_DATABASE'}})['result_output']])",
    ));
    assert!(ids.contains(backup["id"].as_str().unwrap()), "{ids}");

    // A second backup, aborted while it runs: nothing of it stays.
    let (status, second) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/start",
        &json!({"backupVolumeName": "r0001", "level": 0}),
    );
    assert_eq!(status, 200, "{second}");
    gate.wait_reached();
    let (status, progress) = rest(
        &d,
        "GET",
        "/api/v1/databases/MY_DATABASE/backups/progress",
        &[],
    );
    assert_eq!(status, 200, "{progress}");
    assert_eq!(progress["comment"], "Backup is active", "{progress}");
    assert!(progress["progress"].as_u64().unwrap() < 100, "{progress}");
    let (status, aborted) = rest(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/abort",
        &[],
    );
    assert_eq!(status, 200, "{aborted}");
    assert!(aborted["jobId"].is_string());
    let progress = wait_until_idle(&d);
    assert_eq!(progress["comment"], "Backup has been aborted", "{progress}");
    let list = wait_for_backups(&d, 1);
    assert_eq!(list.len(), 1, "the aborted backup left something: {list:?}");
    // Abort with nothing running is the job's WRONG_STATE.
    let (status, _) = rest(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/abort",
        &[],
    );
    assert_eq!(status, 409);
}

#[test]
fn backups_expiration_delete_and_restore_map_onto_the_jobs() {
    let d = TestDaemon::start();
    let (status, _) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/start",
        &json!({"backupVolumeName": "r0001", "level": 0}),
    );
    assert_eq!(status, 200);
    let list = wait_for_backups(&d, 1);
    wait_until_idle(&d);
    let backup = &list[0];
    let alterable = backup["expireAlterable"].as_str().unwrap().to_owned();
    let (volume_id, files) = alterable.split_once(' ').unwrap();
    let (status, changed) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/expiration",
        &json!({"backupVolumeId": volume_id.parse::<u64>().unwrap(), "backupFiles": files, "expireTime": "2031-01-01 00:00:00"}),
    );
    assert_eq!(status, 200, "{changed}");
    let list = wait_for_backups(&d, 1);
    assert!(
        list[0]["expire"]
            .as_str()
            .unwrap()
            .starts_with("2031-01-01"),
        "{list:?}"
    );

    // Restore needs a stopped database.
    rest(&d, "PUT", "/api/v1/databases/MY_DATABASE/stop", &[]);
    let id = backup["id"].as_str().unwrap();
    let (status, restored) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/restore",
        &json!({"backupId": id}),
    );
    assert_eq!(status, 200, "{restored}");
    wait_until_idle(&d);

    let (status, deleted) = rest_json(
        &d,
        "POST",
        "/api/v1/databases/MY_DATABASE/backups/bulk_delete",
        &json!({"backupIds": [id]}),
    );
    assert_eq!(status, 200, "{deleted}");
    let (_, list) = rest(&d, "GET", "/api/v1/databases/MY_DATABASE/backups", &[]);
    assert_eq!(list, json!([]));
}

#[test]
fn rest_backup_example_runs_the_seed_procedure() {
    let d = TestDaemon::start();
    let out = stdout_ok(
        &Command::new("python3")
            .arg(repo_root().join("python-examples/rest_backup.py"))
            .envs(d.client_env())
            .output()
            .unwrap(),
    );
    assert!(out.contains("MY_DATABASE"), "{out}");
    assert!(out.contains("r0001 (ID 10001)"), "{out}");
    assert!(out.contains("backup started"), "{out}");
    assert!(out.contains("level 0"), "{out}");
}
