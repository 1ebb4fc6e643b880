//! A restore held in its write phase (test kit pause): what a user sees while it runs,
//! what an abort leaves, and that only a successful restore lets the database start.

use confd_tests::{Pause, PausePoint, TestDaemon, stdout_ok, tree_hash};

#[test]
fn an_aborted_restore_keeps_the_database_from_starting_until_a_restore_succeeds() {
    let d = TestDaemon::start();
    let data = d.state_dir().join("databases/MY_DATABASE");
    stdout_ok(&d.python(
        "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='ArchiveVolume1', level=0)\n\
         assert wait('MY_DATABASE')['Comment'] == 'Backup has been successfully finished'",
    ));
    let backed_up = tree_hash(&data);
    std::fs::write(data.join("node_0/VERSION"), "changed after the backup").unwrap();
    std::fs::write(data.join("node_2/not_in_the_backup"), "new").unwrap();

    let gate = d.pause(Pause::restore(PausePoint::AfterChunks(2)).of_db("MY_DATABASE"));
    stdout_ok(&d.python(
        "ok('db_stop', db_name='MY_DATABASE')\n\
         ok('db_restore', db_name='MY_DATABASE', backup_id=ids()[0], restore_type='blocking')",
    ));
    gate.wait_reached();
    let show = "def show(name, **params):\n    r = job(name, **params)\n    print(r['result_name'], r['result_desc'])\n";
    let out = stdout_ok(&d.python(&format!(
        "{show}\
         p = ok('db_backup_progress', db_name='MY_DATABASE')\n\
         print(p['Type'], p['Comment'], p['Phase'], p['Progress'] < 100)\n\
         show('db_start', db_name='MY_DATABASE')\n\
         show('db_backup_abort', db_name='MY_DATABASE')\n\
         print(ok('db_backup_progress', db_name='MY_DATABASE')['Comment'])\n\
         show('db_start', db_name='MY_DATABASE')\n\
         ok('db_restore', db_name='MY_DATABASE', backup_id=ids()[0], restore_type='blocking')\n\
         print(wait('MY_DATABASE')['Comment'], ok('db_state', db_name='MY_DATABASE'))",
    )));
    let incomplete = "WRONG_STATE Database 'MY_DATABASE' cannot start: its data is incomplete after an interrupted restore; restore a backup first";
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "Restore Restore is active Write True",
            "CONFLICT Database 'MY_DATABASE' cannot start while a restore of it runs; wait for it (db_backup_progress) or abort it (db_backup_abort)",
            "OK Success",
            "Restore has been aborted",
            incomplete,
            "Restore has been successfully finished running",
        ]
    );
    assert_eq!(
        tree_hash(&data),
        backed_up,
        "the second restore is complete"
    );
}
