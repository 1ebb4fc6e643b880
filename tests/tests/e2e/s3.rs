//! S3 remote volumes end to end: a real S3 server (s3s-fs), the daemon in-process, Python
//! `xmlrpc.client` as the client. Registration, state, backups of both levels, listing,
//! a byte-for-byte restore, the objects in the bucket, and secrets kept out of sight.

use std::path::Path;

use confd_tests::{S3_ACCESS_KEY, S3_SECRET_KEY, S3Server, TestDaemon, stdout_ok, tree_hash};

const BUCKET: &str = "exa-backups";

/// After the test kit's prelude (`job`, `ok`, `wait`): `secret_free(r)`, the job record
/// of result `r` does not contain the secret key.
fn py(d: &TestDaemon, code: &str) -> String {
    let prelude = format!(
        "SECRET = {S3_SECRET_KEY:?}\n\
         def secret_free(r):\n    assert SECRET not in str(proxy.job_info(r['result_jobid'])), r\n"
    );
    stdout_ok(&d.python(&format!("{prelude}{code}")))
}

/// A change a database might make between two backups.
fn change_data(dir: &Path, round: u32) {
    let table = dir.join("node_0/schemas/SCHEMA_0/TABLE_0.csv");
    let mut text = std::fs::read(&table).unwrap();
    text.extend_from_slice(format!("appended in round {round}\n").as_bytes());
    std::fs::write(&table, text).unwrap();
    std::fs::write(dir.join(format!("node_1/s3_round_{round}.txt")), "new").unwrap();
}

#[test]
fn s3_volume_registers_backs_up_both_levels_and_restores_byte_for_byte() {
    let s3 = S3Server::start();
    let bucket_dir = s3.create_bucket(BUCKET);
    let d = TestDaemon::start();
    let data = d.state_dir().join("databases/MY_DATABASE");
    let url = format!("{}/{BUCKET}/confd", s3.endpoint());

    let out = py(
        &d,
        &format!(
            "r = job('remote_volume_add', vol_type='s3', url={url:?}, remote_volume_name='s3vol', username={S3_ACCESS_KEY:?}, password=SECRET)\n\
             assert r['result_code'] == 0, r\n\
             secret_free(r)\n\
             print(r['result_output'][0][0], ok('remote_volume_state', remote_volume_name='s3vol'))\n\
             info = ok('remote_volume_info', remote_volume_name='s3vol')\n\
             print(info['type'], info['url'] == {url:?}, info['username'] == {S3_ACCESS_KEY:?}, info['password'])\n\
             r = job('remote_volume_add', vol_type='s3', url={url:?}, remote_volume_name='s3bad', s3_access_key={S3_ACCESS_KEY:?}, s3_secret_key='not-' + SECRET)\n\
             secret_free(r)\n\
             state = ok('remote_volume_state', remote_volume_name='s3bad')\n\
             print(len(state), state[0].startswith('Connection problem: '), '403' in state[0], 'credentials' in state[0])"
        ),
    );
    assert_eq!(
        out, "s3vol ['Online']\ns3 True True ******\n1 True True True\n",
        "registration and state"
    );

    let backup = |level: u8| {
        py(
            &d,
            &format!(
                "r = job('db_backup_start', db_name='MY_DATABASE', backup_volume_name='s3vol', level={level}, expire='1w')\n\
                 assert r['result_code'] == 0, r\n\
                 p = wait('MY_DATABASE')\n\
                 assert p['Comment'] == 'Backup has been successfully finished', p\n\
                 secret_free(r)\n\
                 print(p['Volume ID'])"
            ),
        )
    };
    let vid = backup(0);
    change_data(&data, 1);
    let hash1 = tree_hash(&data);
    assert_eq!(backup(1), vid);
    change_data(&data, 2);
    assert_ne!(tree_hash(&data), hash1);

    let listed = py(
        &d,
        "for b in ok('db_backup_list', db_name='MY_DATABASE'):\n    print(b['level'], b['volume'], b['dependencies'], b['usable'], b['id'].split()[0])",
    );
    let vid = vid.trim();
    assert_eq!(
        listed,
        format!("0 s3vol - True {vid}\n1 s3vol 1 True {vid}\n"),
        "both backups are listed on the S3 volume"
    );

    // The objects are in the bucket, under the URL's prefix, in the on-volume layout.
    let level0 = bucket_dir.join("confd/MY_DATABASE/id_1/level_0");
    let names: Vec<String> = std::fs::read_dir(level0.join("node_0"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.starts_with("backup_"))
            && names.iter().any(|n| n.starts_with("metadata_")),
        "{names:?}"
    );
    let status: Vec<_> = std::fs::read_dir(&level0)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("status_")
        })
        .collect();
    assert_eq!(status.len(), 1, "one status marker for level 0");
    assert!(bucket_dir.join("confd/MY_DATABASE/id_2/level_1").is_dir());

    let restored = py(
        &d,
        "ok('db_stop', db_name='MY_DATABASE')\n\
         b = [b for b in ok('db_backup_list', db_name='MY_DATABASE') if b['level'] == 1][0]\n\
         r = job('db_restore', db_name='MY_DATABASE', backup_id=b['id'], restore_type='blocking')\n\
         assert r['result_code'] == 0, r\n\
         p = wait('MY_DATABASE')\n\
         secret_free(r)\n\
         print(p['Comment'], ok('db_state', db_name='MY_DATABASE'))",
    );
    assert_eq!(restored, "Restore has been successfully finished running\n");
    assert_eq!(
        tree_hash(&data),
        hash1,
        "the level-1 restore from S3 differs from the data at level-1 time"
    );

    // What the bucket was sent, as an operator's Prometheus sees it.
    let metrics = stdout_ok(&d.curl(&[&format!("{}/metrics", d.metrics_url())]));
    for kind in ["put", "get", "list"] {
        let prefix = format!("confd_s3_requests_total{{request=\"{kind}\"}} ");
        let n: u64 = metrics
            .lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(n > 0, "no {kind} requests counted in:\n{metrics}");
    }
}
