//! Backups and restores through the jobs, driven by Python `xmlrpc.client`: full and
//! incremental backups, byte-for-byte restores of each level, abort, expiry changes,
//! deletion, and the rules that refuse what would break a backup.

use std::path::{Path, PathBuf};
use std::process::Command;

use confd_tests::{Pause, PausePoint, Phase, TestDaemon, stdout_ok, tree_hash};

/// Runs `code` after the test kit's Python prelude (`job`, `ok`, `wait`, `ids`, `proxy`).
fn py(d: &TestDaemon, code: &str) -> String {
    stdout_ok(&d.python(code))
}

const START_FULL: &str =
    "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)";

fn data_dir(d: &TestDaemon) -> PathBuf {
    d.state_dir().join("databases/MY_DATABASE")
}

/// Changes the data the way a database would between backups: rewrites part of a file,
/// appends to another, adds and deletes files, changes a mode, adds a symlink.
fn change_data(dir: &Path, round: u32) {
    use std::os::unix::fs::PermissionsExt;
    let table = dir.join("node_0/schemas/SCHEMA_0/TABLE_0.csv");
    let mut text = std::fs::read(&table).unwrap();
    text.extend_from_slice(format!("appended in round {round}\n").as_bytes());
    std::fs::write(&table, text).unwrap();
    let block = dir.join(format!("node_{}/blocks/seg_0/block_0000.dat", round % 4));
    let mut bytes = std::fs::read(&block).unwrap();
    let at = bytes.len() / 3;
    bytes[at..at + 16].copy_from_slice(&[round as u8; 16]);
    std::fs::write(&block, bytes).unwrap();
    std::fs::write(
        dir.join(format!("node_1/new_in_round_{round}.txt")),
        format!("round {round}"),
    )
    .unwrap();
    let _ = std::fs::remove_file(dir.join(format!("node_1/new_in_round_{}.txt", round - 1)));
    std::fs::set_permissions(
        dir.join("node_2/VERSION"),
        std::fs::Permissions::from_mode(0o600 + round),
    )
    .unwrap();
    let link = dir.join(format!("node_3/link_{round}"));
    std::os::unix::fs::symlink("schemas/SCHEMA_1/TABLE_1.csv", link).unwrap();
}

fn snapshot(dir: &Path, into: &Path) {
    let status = Command::new("cp")
        .arg("-a")
        .arg(dir)
        .arg(into)
        .status()
        .unwrap();
    assert!(status.success());
}

fn diff_r(a: &Path, b: &Path) {
    let out = Command::new("diff")
        .arg("-r")
        .arg("--no-dereference")
        .arg(a)
        .arg(b)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "diff -r found differences:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn levels_0_1_2_restore_byte_for_byte_to_their_own_time() {
    let d = TestDaemon::start();
    let data = data_dir(&d);
    let snapshots = tempfile::tempdir().unwrap();
    let backup = |level: u8| {
        py(
            &d,
            &format!(
                "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level={level}, expire='1w')\n\
             p = wait('MY_DATABASE')\n\
             assert p['Comment'] == 'Backup has been successfully finished' and p['Progress'] == 100, p"
            ),
        )
    };
    backup(0);
    change_data(&data, 1);
    let hash1 = tree_hash(&data);
    snapshot(&data, &snapshots.path().join("level1"));
    backup(1);
    change_data(&data, 2);
    let hash2 = tree_hash(&data);
    backup(2);
    change_data(&data, 3);

    let listed = py(
        &d,
        "for b in ok('db_backup_list', db_name='MY_DATABASE'):\n    print(b['level'], b['dependencies'], b['usable'], b['last_item'])",
    );
    assert_eq!(listed, "0 - True False\n1 1 True False\n2 2 True True\n");

    let restore = |level: u8| {
        py(
            &d,
            &format!(
                "ok('db_stop', db_name='MY_DATABASE')\n\
             bid = [b for b in ok('db_backup_list', db_name='MY_DATABASE') if b['level'] == {level}][0]\n\
             ok('db_restore', db_name='MY_DATABASE', backup_id=bid['id'], restore_type='blocking')\n\
             p = wait('MY_DATABASE')\n\
             print(p['Type'], p['Comment'], p['Progress'], ok('db_state', db_name='MY_DATABASE'))"
            ),
        )
    };
    assert_eq!(
        restore(1),
        "Restore Restore has been successfully finished 100 running\n"
    );
    assert_eq!(
        tree_hash(&data),
        hash1,
        "level-1 restore differs from the data at level-1 time"
    );
    diff_r(&data, &snapshots.path().join("level1"));
    assert_eq!(
        restore(2),
        "Restore Restore has been successfully finished 100 running\n"
    );
    assert_eq!(
        tree_hash(&data),
        hash2,
        "level-2 restore differs from the data at level-2 time"
    );
}

#[test]
fn the_documented_procedure_lists_the_backup_with_expiry_one_week_later() {
    let d = TestDaemon::start();
    let gate = d.pause(Pause::backup(PausePoint::Entering(Phase::Validate)));
    py(
        &d,
        "assert ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0, expire='1w') is None",
    );
    gate.wait_reached();
    // All data is written, nothing validated: running, so below 100 however far it got.
    let running = py(
        &d,
        "p = ok('db_backup_progress', db_name='MY_DATABASE')\n\
         print(p['Comment'], p['Phase'], p['Progress'], p['Bytes done'] == p['Bytes total'] > 0)",
    );
    assert_eq!(running, "Backup is active Validate 99 True\n");
    gate.release();
    let out = py(
        &d,
        "import datetime\n\
         seen = [99]\n\
         while True:\n    p = ok('db_backup_progress', db_name='MY_DATABASE')\n    seen.append(p['Progress'])\n    if p['Comment'] not in ('Backup has been started', 'Backup is active'):\n        break\n    time.sleep(0.01)\n\
         assert seen == sorted(seen), seen\n\
         print(p['Comment'], p['Progress'], p['Type'], p['Volume ID'], p['Level'], p['Files'])\n\
         b = ok('db_backup_list', db_name='MY_DATABASE')[0]\n\
         t = datetime.datetime.strptime(b['timestamp'], '%Y-%m-%d %H:%M')\n\
         print(datetime.datetime.strptime(b['expire'], '%Y-%m-%d %H:%M') - t, b['volume'], b['expired'], b['usable'])\n\
         print(b['id'] == '10001 %s MY_DATABASE' % b['path'], b['path'] == 'MY_DATABASE/id_1/level_0/node_0/backup_%s' % b['ts'])\n\
         print(b['expire_alterable'], b['usage'].endswith(' GiB'), p['Name'] == b['path'])",
    );
    assert_eq!(
        out,
        "Backup has been successfully finished 100 Backup 10001 0 []\n7 days, 0:00:00 r0001 False True\nTrue True\n10001 MY_DATABASE/id_1/level_0 True True\n"
    );
}

#[test]
fn abort_during_write_removes_everything_the_backup_wrote() {
    let d = TestDaemon::start();
    let gate = d.pause(Pause::backup(PausePoint::AfterChunks(2)));
    py(&d, START_FULL);
    gate.wait_reached();
    let volume = d.state_dir().join("remote/r0001");
    assert!(
        !walk(&volume).is_empty(),
        "a backup in its write phase has its data object on the volume"
    );
    // The abort ends the hold itself: the test never releases the gate.
    let out = py(
        &d,
        "p = ok('db_backup_progress', db_name='MY_DATABASE')\n\
         print(p['Comment'], p['Type'], p['Phase'], p['Progress'] < 100, p['Bytes done'] < p['Bytes total'])\n\
         r = job('db_backup_abort', db_name='MY_DATABASE')\n\
         p = ok('db_backup_progress', db_name='MY_DATABASE')\n\
         print(r['result_name'], p['Comment'], p['Progress'] < 100, ok('db_backup_list', db_name='MY_DATABASE'))\n\
         print(job('db_backup_abort', db_name='MY_DATABASE')['result_desc'])",
    );
    assert_eq!(
        out,
        "Backup is active Backup Write True True\n\
         OK Backup has been aborted True []\n\
         No backup or restore is running for database 'MY_DATABASE'\n"
    );
    // Only the bid's claim stays, so the bid is never used again.
    let leftovers: Vec<PathBuf> = walk(&volume)
        .into_iter()
        .filter(|p| !p.ends_with("claim"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the aborted backup left {leftovers:?}"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                files.push(e.path());
            }
        }
    }
    files
}

#[test]
fn expiry_changes_show_in_the_list_and_deleting_a_base_orphans_its_dependant() {
    let d = TestDaemon::start();
    let out = py(
        &d,
        "for level in (0, 1):\n    ok('db_backup_start', db_name='MY_DATABASE', backup_volume_id=10001, level=level)\n    wait('MY_DATABASE')\n\
         b0, b1 = ok('db_backup_list', db_name='MY_DATABASE')\n\
         files = b0['expire_alterable'].split()[1]\n\
         ok('db_backup_change_expiration', backup_volume_id=10001, backup_files=files, expire_time='2030-01-01 12:00:00')\n\
         print(ok('db_backup_list', db_name='MY_DATABASE')[0]['expire'])\n\
         ok('db_backup_change_expiration', backup_volume_name='r0001', backup_files=files, expire_time='')\n\
         print(repr(ok('db_backup_list', db_name='MY_DATABASE')[0]['expire']))\n\
         r = job('db_backups_delete', db_name='MY_DATABASE', backup_list=[b0['id'], '10001 MY_DATABASE/id_9/level_0/node_0/backup_202601010000 MY_DATABASE'])\n\
         print(r['result_name'], r['result_desc'])\n\
         print(len(ids()))\n\
         ok('db_backups_delete', db_name='MY_DATABASE', backup_list=[b0['id']])\n\
         left = ok('db_backup_list', db_name='MY_DATABASE')\n\
         print([(b['level'], b['usable']) for b in left])\n\
         r = job('db_backup_start', db_name='MY_DATABASE', backup_volume_id=10001, level=2)\n\
         print(r['result_name'], r['result_desc'])\n\
         print(ok('db_backup_delete_unusable', db_name='MY_DATABASE') == [b1['id']], ids())",
    );
    assert_eq!(
        out,
        "2030-01-01 12:00\n\
         ''\n\
         NOT_FOUND Backup '10001 MY_DATABASE/id_9/level_0/node_0/backup_202601010000 MY_DATABASE' does not exist\n\
         2\n\
         [(1, False)]\n\
         NOT_FOUND No usable level 1 backup of database 'MY_DATABASE' on volume 'r0001': a level 2 backup needs one\n\
         True []\n"
    );
    let left: Vec<PathBuf> = walk(&d.state_dir().join("remote/r0001"))
        .into_iter()
        .filter(|p| !p.ends_with("claim"))
        .collect();
    assert!(left.is_empty(), "deleted backups left {left:?}");
}

#[test]
fn the_base_of_a_running_backup_cannot_be_deleted() {
    let d = TestDaemon::start();
    py(&d, &format!("{START_FULL}\nwait('MY_DATABASE')"));
    let gate = d.pause(Pause::backup(PausePoint::Entering(Phase::Write)));
    py(
        &d,
        "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=1)",
    );
    gate.wait_reached();
    let out = py(
        &d,
        "base = ids()[0]\n\
         r = job('db_backups_delete', db_name='MY_DATABASE', backup_list=[base])\n\
         print(r['result_name'], r['result_desc'] == \"Backup '%s' is in use by a running backup, restore or delete\" % base)",
    );
    assert_eq!(out, "CONFLICT True\n");
    gate.release();
    let out = py(&d, "print(wait('MY_DATABASE')['Comment'], len(ids()))");
    assert_eq!(out, "Backup has been successfully finished 2\n");
}

#[test]
fn rules_refuse_what_would_break_a_backup_or_restore() {
    let d = TestDaemon::start();
    let show = "def show(name, **params):\n    r = job(name, **params)\n    print(r['result_name'], r['result_desc'])\n";
    let gate = d.pause(Pause::backup(PausePoint::AfterChunks(1)));
    let mut out = py(
        &d,
        &format!(
            "{show}\
             show('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=1)\n\
             show('db_backup_start', db_name='MY_DATABASE', backup_volume_name='nowhere', level=0)\n\
             show('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=10)\n\
             show('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0, expire='3 weeks')\n\
             {START_FULL}"
        ),
    );
    gate.wait_reached();
    out += &py(
        &d,
        &format!(
            "{show}\
             r = job('db_backup_start', db_name='MY_DATABASE', backup_volume_name='ArchiveVolume1', level=0)\n\
             print(r['result_name'], r['result_desc'].startswith(\"A backup of database 'MY_DATABASE' is already running\"))\n\
             show('db_stop', db_name='MY_DATABASE')"
        ),
    );
    gate.release();
    out += &py(
        &d,
        &format!(
            "{show}\
             wait('MY_DATABASE')\n\
             b = ids()[0]\n\
             show('db_restore', db_name='MY_DATABASE', backup_id=b, restore_type='blocking')\n\
             ok('db_stop', db_name='MY_DATABASE')\n\
             show('db_restore', db_name='MY_DATABASE', backup_id=b, restore_type='virtual access')\n\
             show('db_restore', db_name='MY_DATABASE', backup_id=b, restore_type='nonblocking')\n\
             show('db_restore', db_name='MY_DATABASE', backup_id='garbage', restore_type='blocking')\n\
             ok('db_start', db_name='MY_DATABASE')\n\
             ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='ArchiveVolume1', level=0)\n\
             wait('MY_DATABASE')\n\
             ok('db_stop', db_name='MY_DATABASE')\n\
             local = [x for x in ids() if x.startswith('1 ')][0]\n\
             ok('db_restore', db_name='MY_DATABASE', backup_id=local, restore_type='nonblocking')\n\
             print(wait('MY_DATABASE')['Comment'])"
        ),
    );
    let expected = [
        "NOT_FOUND No usable level 0 backup of database 'MY_DATABASE' on volume 'r0001': a level 1 backup needs one",
        "NOT_FOUND Volume 'nowhere' does not exist",
        "INVALID_PARAMETER Invalid parameter 'level': 10 is not a backup level 0..9",
        "INVALID_PARAMETER Invalid parameter 'expire': '3' in '3 weeks' has no unit (w, d, h or m)",
        "CONFLICT True",
        "CONFLICT Database 'MY_DATABASE' cannot stop while a backup or restore runs; abort it first (db_backup_abort)",
        "WRONG_STATE Database 'MY_DATABASE' is running; stop it (db_stop) before restoring",
        "UNSUPPORTED Restore type 'virtual access' is not supported by this server (use 'blocking')",
        "UNSUPPORTED Restore type 'nonblocking' is not possible from remote volume 'r0001'; remote volumes support only 'blocking'",
        "INVALID_PARAMETER Invalid parameter 'backup_id': 'garbage' is not a backup ID '<volume_id> <db>/id_<bid>/level_<n>/node_0/backup_<ts> <db>' as db_backup_list shows it",
        "Restore has been successfully finished",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn an_unmounted_file_volume_keeps_its_backups_listed_across_a_restart() {
    let state = tempfile::tempdir().unwrap();
    let share = tempfile::tempdir().unwrap();
    let mount = share.path().join("mnt");
    std::fs::create_dir(&mount).unwrap();
    {
        let d = TestDaemon::start_in(state.path(), |_| {});
        py(
            &d,
            &format!(
                "ok('remote_volume_add', vol_type='file', url='file://{}', remote_volume_name='share')\n\
             ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='share', level=0)\n\
             wait('MY_DATABASE')",
                mount.display()
            ),
        );
    }
    let unmounted = share.path().join("elsewhere");
    std::fs::rename(&mount, &unmounted).unwrap();
    let d = TestDaemon::start_in(state.path(), |_| {});
    let out = py(
        &d,
        "print([b['volume'] for b in ok('db_backup_list', db_name='MY_DATABASE')])\n\
         print(ok('remote_volume_state', remote_volume_name='share')[0].startswith('Connection problem: '))\n\
         r = job('db_backup_start', db_name='MY_DATABASE', backup_volume_name='share', level=0)\n\
         print(r['result_name'], 'is the share mounted?' in r['result_desc'])",
    );
    assert_eq!(out, "['share']\nTrue\nUNSUPPORTED True\n");
    assert!(
        !mount.exists(),
        "a backup must not recreate the missing mount point"
    );
}
