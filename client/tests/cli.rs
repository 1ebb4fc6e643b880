//! The real `confd_client` binary against an in-process daemon (style 4.8): stdout is
//! compared with files under `tests/expected/`, exit codes and stderr with the contract in
//! the crate doc (0 ok, 1 job failed, 2 usage, 3 transport).

// Helpers of a test binary may panic: a failure to run the client must stop the test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output};

use confd_tests::TestDaemon;

/// Runs the client with only `CONFD_STATE_DIR` set, so settings come from `client.json`
/// as on the daemon's own machine; `extra_env` can override single settings.
fn client(d: &TestDaemon, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_confd_client"));
    for var in [
        "CONFD_URL",
        "CONFD_USER",
        "CONFD_PASSWORD",
        "CONFD_CA_CERT",
        "XDG_DATA_HOME",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("CONFD_STATE_DIR", d.state_dir())
        .args(args)
        .envs(extra_env.iter().copied());
    cmd.output().expect("confd_client runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(o),
        stderr(o)
    );
    stdout(o)
}

/// `db_backup_progress --watch` until the running backup ends; asserts it succeeded.
fn watch_until_backup_finished(d: &TestDaemon) {
    let watched = ok(&client(
        d,
        &["db_backup_progress", "db_name:", "MY_DATABASE", "--watch"],
        &[],
    ));
    assert!(
        watched.contains("Backup has been successfully finished"),
        "{watched}"
    );
}

fn expected(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn outputs_match_the_expected_files() {
    let d = TestDaemon::start();
    assert_eq!(ok(&client(&d, &["db_list"], &[])), expected("db_list.txt"));
    assert_eq!(
        ok(&client(&d, &["db_state", "db_name:", "MY_DATABASE"], &[])),
        expected("db_state.txt")
    );
    assert_eq!(
        ok(&client(&d, &["remote_volume_list"], &[])),
        expected("remote_volume_list.txt")
    );
    assert_eq!(
        ok(&client(&d, &["-j", "db_list"], &[])),
        expected("db_list_json.txt")
    );
    // The older spellings reach the same job.
    assert_eq!(
        ok(&client(&d, &["-c", "db_list"], &[])),
        expected("db_list.txt")
    );
    assert_eq!(
        ok(&client(
            &d,
            &["-c", "db_state", "-a", "{db_name: MY_DATABASE}"],
            &[]
        )),
        expected("db_state.txt")
    );
    assert_eq!(
        ok(&client(
            &d,
            &["db_state", "-A", r#"{"db_name": "MY_DATABASE"}"#],
            &[]
        )),
        expected("db_state.txt")
    );
    assert_eq!(
        ok(&client(&d, &["-P", "db_list"], &[])),
        "['MY_DATABASE']\n"
    );
}

#[test]
fn unknown_job_fails_with_exit_1() {
    let d = TestDaemon::start();
    let o = client(&d, &["nope"], &[]);
    assert_eq!(o.status.code(), Some(1), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("Job does not exist: 'nope'"),
        "stderr: {}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");
}

#[test]
fn remote_volume_info_quotes_like_pyyaml() {
    let d = TestDaemon::start();
    let out = ok(&client(
        &d,
        &["remote_volume_info", "remote_volume_name:", "r0001"],
        &[],
    ));
    assert!(out.contains("vid: '10001'\n"), "{out}");
    // A secret is masked when set; the demo volume has none. Either way PyYAML quotes it.
    assert!(
        out.contains("password: '******'\n") || out.contains("password: ''\n"),
        "{out}"
    );
}

#[test]
fn wrong_password_exits_3_and_says_so() {
    let d = TestDaemon::start();
    let o = client(&d, &["db_list"], &[("CONFD_PASSWORD", "wrong-password")]);
    assert_eq!(o.status.code(), Some(3), "stderr: {}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("401") && err.contains("credentials"), "{err}");
    assert!(err.contains(&d.xmlrpc_url()), "{err}");
}

#[test]
fn unreadable_ca_certificate_is_a_setup_error_unless_insecure() {
    let d = TestDaemon::start();
    let missing = d.state_dir().join("no-such-ca.pem");
    let missing = missing.to_str().unwrap();
    let o = client(&d, &["--ca-cert", missing, "db_list"], &[]);
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(&o));
    assert!(
        stderr(&o).contains("no-such-ca.pem"),
        "stderr: {}",
        stderr(&o)
    );
    assert_eq!(
        ok(&client(&d, &["-k", "--ca-cert", missing, "db_list"], &[])),
        expected("db_list.txt")
    );
}

#[test]
fn builtin_commands() {
    let d = TestDaemon::start();
    let list = ok(&client(&d, &["-c", "list"], &[]));
    assert!(list.lines().any(|l| l == "- db_list"), "{list}");
    let help = ok(&client(&d, &["-c", "help", "-a", "db_state"], &[]));
    assert!(help.contains("db_name"), "{help}");
    let args = ok(&client(&d, &["-c", "args", "-a", "db_state"], &[]));
    assert!(args.lines().any(|l| l == "- db_name"), "{args}");
    // The positional form of the argument works too.
    assert_eq!(ok(&client(&d, &["args", "db_state"], &[])), args);
    let desc = ok(&client(&d, &["-c", "desc", "-a", "db_list"], &[]));
    assert!(!desc.is_empty());
    let master = ok(&client(&d, &["-c", "master"], &[]));
    assert!(!master.trim().is_empty(), "{master}");
}

#[test]
fn start_then_result() {
    let d = TestDaemon::start();
    let id = ok(&client(&d, &["-S", "db_list"], &[]));
    let id = id.trim();
    let parts: Vec<&str> = id.split('.').collect();
    assert!(
        parts.len() == 2
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())),
        "job id: {id:?}"
    );
    // job_result may see the job still running; the demo's db_list is instant, but allow
    // a few tries rather than sleeping a fixed time.
    let mut last = String::new();
    for _ in 0..50 {
        let o = client(&d, &["-c", "result", "-a", id], &[]);
        last = format!("{}{}", stdout(&o), stderr(&o));
        if o.status.code() == Some(0) && stdout(&o) == expected("db_list.txt") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("job {id} never produced the db_list result; last answer: {last}");
}

#[test]
fn watch_ends_when_no_operation_is_running() {
    let d = TestDaemon::start();
    let o = client(
        &d,
        &["db_backup_progress", "db_name:", "MY_DATABASE", "--watch"],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(
        stdout(&o).contains("No backup or restore has run"),
        "{}",
        stdout(&o)
    );
}

/// Exasol's documented procedure, word for word as a shell passes it.
#[test]
fn documented_backup_procedure_works_verbatim() {
    let d = TestDaemon::start();
    // confd_client db_backup_start db_name: MY_DATABASE backup_volume_name: r0001 level: 0 expire: '1w'
    let start = ok(&client(
        &d,
        &[
            "db_backup_start",
            "db_name:",
            "MY_DATABASE",
            "backup_volume_name:",
            "r0001",
            "level:",
            "0",
            "expire:",
            "1w",
        ],
        &[],
    ));
    assert_eq!(start, "OK\n");
    watch_until_backup_finished(&d);
    let progress = ok(&client(
        &d,
        &["db_backup_progress", "db_name:", "MY_DATABASE"],
        &[],
    ));
    assert!(
        progress.contains("Comment: Backup has been successfully finished\n"),
        "{progress}"
    );
    assert!(progress.contains("Progress: 100\n"), "{progress}");
    assert!(progress.contains("Volume ID: 10001\n"), "{progress}");
    let list = ok(&client(
        &d,
        &["db_backup_list", "db_name:", "MY_DATABASE"],
        &[],
    ));
    let id_line = list
        .lines()
        .find(|l| l.trim_start().starts_with("id: "))
        .expect("an id line");
    let id = id_line
        .trim_start()
        .trim_start_matches("id: ")
        .trim_matches('\'');
    assert!(
        id.starts_with("10001 MY_DATABASE/id_1/level_0/node_0/backup_"),
        "{list}"
    );
    // backup_list: '[<id>]' — a YAML flow sequence whose item contains spaces.
    let deleted = ok(&client(
        &d,
        &[
            "db_backups_delete",
            "db_name:",
            "MY_DATABASE",
            "backup_list:",
            &format!("[{id}]"),
        ],
        &[],
    ));
    assert_eq!(deleted, "OK\n");
    assert_eq!(
        ok(&client(
            &d,
            &["db_backup_list", "db_name:", "MY_DATABASE"],
            &[]
        )),
        "[]\n"
    );
}

/// Issue 5: a backup started through the Administration API with the seed's body is
/// listed by `confd_client db_backup_list`.
#[test]
fn backup_started_over_rest_is_listed_by_confd_client() {
    let d = TestDaemon::start();
    let body =
        r#"{"backupVolumeId": 10001, "backupVolumeName": "r0001", "level": 0, "expire": "1w"}"#;
    let (status, answer) = d.curl_rest(
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/start",
        true,
        &["-H", "Content-Type: application/json", "-d", body],
    );
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"jobId\""), "{answer}");
    watch_until_backup_finished(&d);
    let list = ok(&client(
        &d,
        &["db_backup_list", "db_name:", "MY_DATABASE"],
        &[],
    ));
    assert!(list.contains("volume: r0001\n"), "{list}");
    assert!(list.contains("level: 0\n"), "{list}");
    assert!(
        list.contains("expire_alterable: 10001 MY_DATABASE/id_1/level_0\n"),
        "{list}"
    );
}

#[test]
fn a_schedule_added_with_confd_client_shows_in_db_info_with_its_next_run() {
    let d = TestDaemon::start();
    let added = ok(&client(
        &d,
        &[
            "db_backup_add_schedule",
            "db_name:",
            "MY_DATABASE",
            "backup_name:",
            "nightly",
            "backup_volume_name:",
            "r0001",
            "level:",
            "0",
            "expire:",
            "'1w'",
            "hour:",
            "2",
            "minute:",
            "0",
        ],
        &[],
    ));
    assert_eq!(added, "OK\n");
    let info = ok(&client(
        &d,
        &["db_info", "db_name:", "MY_DATABASE", "--json"],
        &[],
    ));
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    let nightly = &info["config"]["backups"]["nightly"];
    assert_eq!(
        (
            &nightly["hour"],
            &nightly["minute"],
            &nightly["expire"],
            &nightly["volume"]
        ),
        (&"2".into(), &"0".into(), &"1w".into(), &"r0001".into())
    );
    let next = nightly["next_run"].as_str().unwrap();
    assert!(next.ends_with(" 02:00") && next.len() == 16, "{next}");
    let disabled = ok(&client(
        &d,
        &[
            "db_backup_modify_schedule",
            "db_name:",
            "MY_DATABASE",
            "backup_name:",
            "nightly",
            "enabled:",
            "false",
        ],
        &[],
    ));
    assert_eq!(disabled, "OK\n");
    let info = ok(&client(
        &d,
        &["db_info", "db_name:", "MY_DATABASE", "-j"],
        &[],
    ));
    assert!(
        info.contains(r#""next_run":"""#) || info.contains(r#""next_run": """#),
        "{info}"
    );
}
