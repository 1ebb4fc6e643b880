//! Hostile input: the hand-written corpus of [`corpus`](super::corpus) (this file) and a
//! proptest ([`generated`](super::generated)) over XML-RPC job calls, REST paths and
//! bodies, and headers, sent as raw bytes over TLS by one Python driver process. Each
//! answer must show no panic, no 500, no echo of the request body (nor of the canary
//! hidden past the echo cap), readable XML on XML-RPC, and the catalogue must be
//! unchanged afterwards. Idle and slow connections and the connection cap are in
//! `hostile.rs`.

use confd_tests::{TestDaemon, stdout_ok};

use super::corpus;
use super::driver::{Driver, check};
use super::figure;

/// What the catalogue shows: databases, backups (all databases), volumes, users, groups.
const SNAPSHOT: &str = "print(json.dumps({j: ok(j) for j in ['db_list', 'st_volume_list', 'remote_volume_list', \
    'user_list', 'group_list']} | {'backups': ok('db_backup_list', db_name='MY_DATABASE', show_foreign=True), \
    'info': ok('db_info', db_name='MY_DATABASE'), 'state': ok('db_state', db_name='MY_DATABASE')}, \
    sort_keys=True, default=str))";

/// A daemon with one backup, so forged IDs have a real one beside them.
pub fn daemon_with_a_backup() -> (TestDaemon, String) {
    let d = TestDaemon::start();
    stdout_ok(&d.python(
        "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)\n\
         assert wait('MY_DATABASE')['Comment'] == 'Backup has been successfully finished'",
    ));
    let snapshot = stdout_ok(&d.python(SNAPSHOT));
    (d, snapshot)
}

pub fn assert_unchanged(d: &TestDaemon, before: &str) {
    assert_eq!(
        stdout_ok(&d.python(SNAPSHOT)),
        before,
        "the catalogue changed"
    );
    for dir in [d.state_dir(), d.state_dir().parent().expect("parent")] {
        assert!(
            !dir.join("hardening-escape").exists(),
            "a name escaped into {}",
            dir.display()
        );
    }
}

#[test]
fn the_hand_written_corpus_is_refused_cleanly_and_changes_nothing() {
    let (d, before) = daemon_with_a_backup();
    let mut driver = Driver::start(&d);
    let cases = corpus::cases(&d.auth_token());
    let mut failures = Vec::new();
    let mut classes: Vec<&str> = cases.iter().map(|c| c.class).collect();
    for case in &cases {
        let answer = driver.send(case.port, &case.raw);
        if let Err(e) = check(&case.raw, &answer) {
            failures.push(format!("{}: {e}", case.class));
        }
    }
    classes.dedup();
    figure(&format!(
        "figure hostile input: {} hand-written classes, {} requests, {} failures; answers: {:?}",
        classes.len(),
        cases.len(),
        failures.len(),
        driver.kinds
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(classes.len() >= 30, "{} classes", classes.len());
    assert_unchanged(&d, &before);
}
