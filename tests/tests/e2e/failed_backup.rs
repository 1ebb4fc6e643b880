//! A failed or aborted backup leaves no directory of its own on a file volume: only the
//! bid's claim `<db>/id_<bid>/claim` stays (so the bid is never reused), at once, not
//! after the next restart.

use std::path::{Path, PathBuf};

use confd_tests::{Pause, PausePoint, Phase, TestDaemon, stdout_ok};

const START: &str =
    "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)\n";

/// Every directory and file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = e.path();
            out.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    out.sort();
    out
}

fn first_file(dir: &Path) -> PathBuf {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_file() {
                return path;
            }
            stack.push(path);
        }
    }
    panic!("no file under {}", dir.display());
}

const ONLY_THE_CLAIM: [&str; 3] = ["MY_DATABASE", "MY_DATABASE/id_1", "MY_DATABASE/id_1/claim"];

#[test]
fn a_backup_that_fails_leaves_only_its_claim() {
    let d = TestDaemon::start();
    let gate = d.pause(Pause::backup(PausePoint::Entering(Phase::Write)));
    stdout_ok(&d.python(START));
    gate.wait_reached();
    // Scanned but not read yet: reading this file will fail.
    std::fs::remove_file(first_file(&d.state_dir().join("databases"))).unwrap();
    gate.release();
    let out =
        stdout_ok(&d.python("print(wait('MY_DATABASE')['Comment'].startswith('Backup failed'))\n"));
    assert_eq!(out, "True\n");
    assert_eq!(tree(&d.state_dir().join("remote/r0001")), ONLY_THE_CLAIM);
}

#[test]
fn an_aborted_backup_leaves_only_its_claim() {
    let d = TestDaemon::start();
    let gate = d.pause(Pause::backup(PausePoint::AfterChunks(1)));
    stdout_ok(&d.python(START));
    gate.wait_reached();
    let out = stdout_ok(
        &d.python("print(job('db_backup_abort', db_name='MY_DATABASE')['result_name'])\n"),
    );
    assert_eq!(out, "OK\n");
    assert_eq!(tree(&d.state_dir().join("remote/r0001")), ONLY_THE_CLAIM);
}
