//! `db_backup_verify` against the in-process daemon with real clients: an intact chain,
//! a flipped byte in a level-0 data object found from the level 1 on it, a missing
//! manifest, a held verify (progress, conflict, abort), bad input, and what
//! `db_backup_list`, REST and `/metrics` show afterwards. The database keeps running and
//! its data is untouched throughout.

use std::path::PathBuf;

use confd_tests::{Pause, PausePoint, TestDaemon, stdout_ok, tree_hash};

/// Runs `ok('db_backup_verify', ...)` on the backup at `index` of the list and prints
/// the final comment.
const VERIFY: &str = "def verify(i):\n    ok('db_backup_verify', db_name='MY_DATABASE', backup_id=ids()[i])\n    return wait('MY_DATABASE')['Comment']\n";

fn backups(d: &TestDaemon, levels: &[u8]) {
    for level in levels {
        stdout_ok(&d.python(&format!(
            "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level={level})\n\
             assert wait('MY_DATABASE')['Comment'] == 'Backup has been successfully finished'",
        )));
    }
}

/// Path on the volume of an object of the first backup, e.g. `node_0/backup`.
fn object_of_first(d: &TestDaemon, what: &str) -> (PathBuf, String) {
    let id = stdout_ok(&d.python("print(ids()[0])"));
    let path = id.split(' ').nth(1).unwrap().to_owned(); // <db>/id_1/level_0/node_0/backup_<ts>
    let (dir, ts) = path.rsplit_once("/node_0/backup_").unwrap();
    let key = format!("{dir}/{what}_{ts}");
    (d.state_dir().join("remote/r0001").join(&key), key)
}

#[test]
fn verify_finds_a_flipped_byte_in_level_0_from_level_1_and_passes_an_intact_chain() {
    let d = TestDaemon::start();
    let data = d.state_dir().join("databases/MY_DATABASE");
    backups(&d, &[0, 1]);
    let before = tree_hash(&data);
    let out = stdout_ok(&d.python(&format!(
        "{VERIFY}print(verify(1))\n\
         print(ok('db_state', db_name='MY_DATABASE'))\n\
         print([b.get('verified', '-')[-2:] for b in ok('db_backup_list', db_name='MY_DATABASE')])\n\
         p = ok('db_backup_progress', db_name='MY_DATABASE')\n\
         print(p['Type'], p['Progress'], p['Bytes done'] == p['Bytes total'] > 0)",
    )));
    assert_eq!(
        out,
        "Verify has been successfully finished\nrunning\n['-', 'ok']\nVerify 100 True\n"
    );

    let (object, key) = object_of_first(&d, "node_0/backup");
    let mut bytes = std::fs::read(&object).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&object, bytes).unwrap();
    let out = stdout_ok(&d.python(&format!(
        "{VERIFY}print(verify(1))\n\
         print([b.get('verified', '-')[-7:] for b in ok('db_backup_list', db_name='MY_DATABASE')])\n\
         status, body = rest('GET', '/api/v1/databases/MY_DATABASE/backups')\n\
         print(status, [b.get('verified', '-')[-7:] for b in body])",
    )));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("Verify failed: 1 damaged file: node_0/")
            && lines[0].ends_with(&format!(" in {key}")),
        "{out}"
    );
    assert_eq!(
        lines[1..],
        ["['-', 'damaged']", "200 ['-', 'damaged']"],
        "{out}"
    );
    assert_eq!(tree_hash(&data), before, "verify left the data as it was");

    let metrics = stdout_ok(&d.curl(&[&format!("{}/metrics", d.metrics_url())]));
    for expected in [
        "confd_verify_last_timestamp_seconds{db=\"MY_DATABASE\"} ",
        "confd_verify_last_ok{db=\"MY_DATABASE\"} 0\n",
        "confd_operations_total{db=\"MY_DATABASE\",type=\"verify\",outcome=\"succeeded\"} 1\n",
        "confd_operations_total{db=\"MY_DATABASE\",type=\"verify\",outcome=\"failed\"} 1\n",
    ] {
        assert!(
            metrics.contains(expected),
            "missing {expected:?} in:\n{metrics}"
        );
    }
}

#[test]
fn a_missing_manifest_is_reported_by_name() {
    let d = TestDaemon::start();
    backups(&d, &[0]);
    let (manifest, key) = object_of_first(&d, "node_1/metadata");
    std::fs::remove_file(&manifest).unwrap();
    let out = stdout_ok(&d.python(&format!("{VERIFY}print(verify(0))")));
    assert_eq!(
        out,
        format!("Verify failed: 1 damaged file: {key} (missing)\n")
    );
}

#[test]
fn a_held_verify_shows_progress_blocks_a_backup_and_stops_on_abort() {
    let d = TestDaemon::start();
    backups(&d, &[0]);
    let gate = d.pause(Pause::verify(PausePoint::AfterChunks(1)).of_db("MY_DATABASE"));
    stdout_ok(&d.python("ok('db_backup_verify', db_name='MY_DATABASE', backup_id=ids()[0])"));
    gate.wait_reached();
    let out = stdout_ok(&d.python(
        "p = ok('db_backup_progress', db_name='MY_DATABASE')\n\
         print(p['Type'], p['Comment'], p['Phase'], 0 < p['Bytes done'] < p['Bytes total'], p['Progress'] < 100)\n\
         r = job('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)\n\
         print(r['result_name'], r['result_desc'].split(' (')[0])\n\
         r = job('db_backups_delete', db_name='MY_DATABASE', backup_list=ids())\n\
         print(r['result_name'])\n\
         print(job('db_backup_abort', db_name='MY_DATABASE')['result_name'])\n\
         print(ok('db_backup_progress', db_name='MY_DATABASE')['Comment'])\n\
         print([b.get('verified') for b in ok('db_backup_list', db_name='MY_DATABASE')])",
    ));
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "Verify Verify is active Verify True True",
            "CONFLICT A verify of database 'MY_DATABASE' is already running",
            "CONFLICT",
            "OK",
            "Verify has been aborted",
            "[None]",
        ]
    );
}

#[test]
fn bad_input_names_the_parameter_or_object() {
    let d = TestDaemon::start();
    backups(&d, &[0]);
    let out = stdout_ok(&d.python(
        "def show(**params):\n    r = job('db_backup_verify', **params)\n    print(r['result_name'], r['result_desc'])\n\
         good = ids()[0]\n\
         show(db_name='NOPE', backup_id=good)\n\
         show(db_name='MY_DATABASE', backup_id=good.replace('id_1/', 'id_7/'))\n\
         show(db_name='MY_DATABASE', backup_id=good.replace('MY_DATABASE', 'OTHER'))\n\
         show(db_name='MY_DATABASE', backup_id='nonsense')\n\
         show(db_name='MY_DATABASE')",
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(lines[0].contains("NOPE"), "{out}");
    assert!(
        lines[1].starts_with("NOT_FOUND Backup '10001 MY_DATABASE/id_7/level_0/"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("INVALID_PARAMETER")
            && lines[2].contains("backup_id")
            && lines[2].contains("database 'OTHER', not of 'MY_DATABASE'"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("INVALID_PARAMETER") && lines[3].contains("backup_id"),
        "{out}"
    );
    assert!(lines[4].contains("backup_id"), "{out}");
}
