//! The test kit's pauses themselves: a pause holds exactly the operation it selects, and
//! one that is never reached fails the test naming it instead of hanging.

use confd_tests::{Pause, PausePoint, Phase, TestDaemon, stdout_ok};

const BACKUP: &str =
    "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)";

#[test]
fn a_pause_holds_only_the_operation_it_selects() {
    let d = TestDaemon::start();
    let write = PausePoint::Entering(Phase::Write);
    let other_db = d.pause(Pause::backup(write).of_db("OTHER_DB"));
    let restores = d.pause(Pause::restore(write));
    let second = d.pause(Pause::backup(write).nth(2));
    let first = stdout_ok(&d.python(&format!("{BACKUP}\nprint(wait('MY_DATABASE')['Comment'])")));
    assert_eq!(first, "Backup has been successfully finished\n");
    assert!(!other_db.reached() && !restores.reached() && !second.reached());

    stdout_ok(&d.python(BACKUP));
    second.wait_reached();
    let held =
        stdout_ok(&d.python("print(ok('db_backup_progress', db_name='MY_DATABASE')['Phase'])"));
    assert_eq!(held, "Write\n");
    second.release();
    let out = stdout_ok(&d.python("print(wait('MY_DATABASE')['Comment'], len(ids()))"));
    assert_eq!(out, "Backup has been successfully finished 2\n");
}

#[test]
#[should_panic(
    expected = "the operation ended without reaching the pause: backup no. 1 held at AfterChunks(1000000)"
)]
fn a_pause_the_operation_never_reaches_fails_the_test_naming_it() {
    let d = TestDaemon::start();
    let gate = d.pause(Pause::backup(PausePoint::AfterChunks(1_000_000)));
    stdout_ok(&d.python(BACKUP));
    gate.wait_reached();
}
