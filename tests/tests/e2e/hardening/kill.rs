//! kill -9 during a restore: a daemon process (`held_confd`, the test daemon in a process
//! of its own) is SIGKILLed while its restore is held after two chunks. The restarted
//! daemon records the restore as interrupted, keeps the database from starting, lists
//! nothing new and leaves nothing partial; the backup then restores byte for byte and the
//! next backup succeeds. `daemon/tests/crash` kills the real `confd` at random moments;
//! this is the same fault landing at a chosen one.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use confd_tests::{PASSWORD, PYTHON_PRELUDE, TestDaemon, stdout_ok, tree_hash};

use super::figure;
use super::volume::assert_nothing_partial;

fn python_at(state: &Path, urls: &str, code: &str) -> String {
    let (xmlrpc, rest) = urls.split_once(' ').expect("two URLs");
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!("{PYTHON_PRELUDE}{code}"))
        .env("CONFD_URL", xmlrpc)
        .env("CONFD_REST_URL", rest)
        .env("CONFD_USER", "admin")
        .env("CONFD_PASSWORD", PASSWORD)
        .env("CONFD_CA_CERT", state.join("tls/ca.pem"))
        .output()
        .expect("python3 runs");
    stdout_ok(&out)
}

#[test]
fn a_daemon_killed_during_a_restore_recovers_and_the_backup_still_restores() {
    let root = tempfile::tempdir().unwrap();
    let state = root.path().join("state");
    let data = state.join("databases/MY_DATABASE");
    let (earlier, backed_up) = {
        let d = TestDaemon::start_in(&state, |_| {});
        let id = stdout_ok(&d.python(
            "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)\n\
             assert wait('MY_DATABASE')['Comment'] == 'Backup has been successfully finished'\n\
             print(ids()[0])",
        ));
        (id.trim().to_owned(), tree_hash(&data))
    };
    std::fs::write(data.join("node_2/written_later"), "not in the backup").unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_held_confd"))
        .arg(&state)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("held_confd starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let urls = lines.next().expect("held_confd printed its URLs").unwrap();
    python_at(
        &state,
        &urls,
        &format!(
            "ok('db_stop', db_name='MY_DATABASE')\n\
             ok('db_restore', db_name='MY_DATABASE', backup_id='{earlier}', restore_type='blocking')"
        ),
    );
    let held = lines.next().expect("the restore was held").unwrap();
    assert_eq!(held, "held");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let d = TestDaemon::start_in(&state, |_| {});
    let out = stdout_ok(&d.python(
        "p = ok('db_backup_progress', db_name='MY_DATABASE')\n\
         print(p['Type'], p['Comment'])\n\
         print(ok('db_state', db_name='MY_DATABASE'), ids())\n\
         r = job('db_start', db_name='MY_DATABASE')\n\
         print(r['result_name'], 'incomplete' in r['result_desc'])",
    ));
    assert_eq!(
        out,
        format!(
            "Restore Restore failed: interrupted by daemon restart\nsetup ['{earlier}']\nWRONG_STATE True\n"
        )
    );
    assert_nothing_partial(&state.join("remote/r0001"), &[1]);
    let out = stdout_ok(&d.python(&format!(
        "ok('db_restore', db_name='MY_DATABASE', backup_id='{earlier}', restore_type='blocking')\n\
         print(wait('MY_DATABASE')['Comment'])"
    )));
    assert_eq!(out, "Restore has been successfully finished\n");
    assert_eq!(
        tree_hash(&data),
        backed_up,
        "the backup restores byte for byte"
    );
    let next = stdout_ok(&d.python(
        "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)\n\
         print(wait('MY_DATABASE')['Comment'], len(ids()))",
    ));
    assert_eq!(next, "Backup has been successfully finished 2\n");
    figure(
        "figure fault survived: kill -9 during a restore (Restore failed: interrupted by daemon restart)",
    );
}
