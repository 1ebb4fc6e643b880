//! Golden outputs: what users see of the backup jobs, byte for byte, recorded from one
//! daemon after a level-0 and a level-1 backup to `r0001` and a level-0 backup to
//! `ArchiveVolume1`, plus a second database `OTHER_DB` that never ran a backup.
//!
//! Three views of the same jobs are compared with the files under `golden/`:
//! the raw XML-RPC response body of `job_exec` (`<job>.xml`), the YAML the real
//! `confd_client` binary prints (`<job>.yaml`), and the REST JSON bodies
//! (`rest_<endpoint>.json`). Values that change from run to run (job IDs, timestamps,
//! the temporary state directory, the backup rate) are masked first, see [`mask`];
//! everything else (key names and order, XML-RPC types, list order, YAML layout, byte
//! counts) must stay as recorded.
//!
//! After an intended change of an output, re-record with
//! `UPDATE_GOLDEN=1 cargo test -p confd-tests --test e2e golden` and review the diff.

mod compare;
mod mask;

use std::path::{Path, PathBuf};
use std::process::Command;

use confd_tests::{TestDaemon, repo_root, stdout_ok};
use serde_json::Value;

use compare::Golden;

/// A parameter value of a job: XML-RPC `<string>` or `<i4>`.
#[derive(Clone, Copy)]
enum Param {
    Str(&'static str),
    Int(i32),
}
use Param::{Int, Str};

/// One job call, recorded as `<file>.xml` (XML-RPC) and `<file>.yaml` (`confd_client`).
struct JobCall {
    file: &'static str,
    job: &'static str,
    params: &'static [(&'static str, Param)],
}

const JOB_CALLS: &[JobCall] = &[
    JobCall {
        file: "db_backup_list",
        job: "db_backup_list",
        params: &[("db_name", Str("MY_DATABASE"))],
    },
    JobCall {
        file: "db_backup_list_no_backup",
        job: "db_backup_list",
        params: &[("db_name", Str("OTHER_DB"))],
    },
    JobCall {
        file: "db_backup_progress",
        job: "db_backup_progress",
        params: &[("db_name", Str("MY_DATABASE"))],
    },
    JobCall {
        file: "db_backup_progress_no_backup",
        job: "db_backup_progress",
        params: &[("db_name", Str("OTHER_DB"))],
    },
    JobCall {
        file: "db_info",
        job: "db_info",
        params: &[("db_name", Str("MY_DATABASE"))],
    },
    JobCall {
        file: "st_volume_info",
        job: "st_volume_info",
        params: &[("vid", Int(1))],
    },
    JobCall {
        file: "remote_volume_info",
        job: "remote_volume_info",
        params: &[("remote_volume_name", Str("r0001"))],
    },
];

/// REST GETs, recorded as `<file>.json`.
const REST_CALLS: &[(&str, &str)] = &[
    ("rest_databases", "/api/v1/databases"),
    ("rest_database", "/api/v1/databases/MY_DATABASE"),
    ("rest_backups", "/api/v1/databases/MY_DATABASE/backups"),
    (
        "rest_backups_no_backup",
        "/api/v1/databases/OTHER_DB/backups",
    ),
    (
        "rest_backups_progress",
        "/api/v1/databases/MY_DATABASE/backups/progress",
    ),
    (
        "rest_backups_progress_no_backup",
        "/api/v1/databases/OTHER_DB/backups/progress",
    ),
    ("rest_volumes", "/api/v1/databases/MY_DATABASE/volumes"),
];

#[test]
fn outputs_match_the_golden_files() {
    let d = TestDaemon::start();
    backup(&d, "r0001", 0);
    backup(&d, "r0001", 1);
    backup(&d, "ArchiveVolume1", 0);
    python_ok(&d, "ok('db_create', db_name='OTHER_DB', nodes=2)");

    let client = confd_client_binary();
    let mut golden = Golden::new(d.state_dir());
    for call in JOB_CALLS {
        golden.check(&format!("{}.xml", call.file), &xmlrpc_body(&d, call));
        golden.check(
            &format!("{}.yaml", call.file),
            &confd_client_output(&d, &client, call),
        );
    }
    for (file, path) in REST_CALLS {
        golden.check(&format!("{file}.json"), &rest_body(&d, path));
    }
    golden.finish();
}

// ---- Setting up --------------------------------------------------------------------

const PY_HELPERS: &str = "import time\n\
def ok(name, **params):\n    r = proxy.job_exec(name, {'params': params})\n    assert r['result_code'] == 0, r\n    return r.get('result_output')\n";

fn python_ok(d: &TestDaemon, code: &str) -> String {
    stdout_ok(&d.python(&format!("{PY_HELPERS}{code}")))
}

/// Runs a backup of MY_DATABASE and waits until it has finished successfully.
fn backup(d: &TestDaemon, volume: &str, level: u8) {
    python_ok(
        d,
        &format!(
            "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='{volume}', level={level}, expire='1w')\n\
             while True:\n    p = ok('db_backup_progress', db_name='MY_DATABASE')\n    if 'started' not in p['Comment'] and 'active' not in p['Comment']:\n        break\n    time.sleep(0.02)\n\
             assert p['Comment'] == 'Backup has been successfully finished', p"
        ),
    );
}

// ---- Fetching each output ----------------------------------------------------------

/// The exact body of the XML-RPC answer to `job_exec(job, {'params': {...}})`, sent with curl.
fn xmlrpc_body(d: &TestDaemon, call: &JobCall) -> String {
    let members: String = call
        .params
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Str(s) => format!("<string>{s}</string>"),
                Int(i) => format!("<i4>{i}</i4>"),
            };
            format!("<member><name>{name}</name><value>{value}</value></member>")
        })
        .collect();
    let request = format!(
        "<?xml version=\"1.0\"?><methodCall><methodName>job_exec</methodName><params>\
         <param><value><string>{}</string></value></param>\
         <param><value><struct><member><name>params</name><value><struct>{members}</struct></value></member></struct></value></param>\
         </params></methodCall>",
        call.job
    );
    stdout_ok(&d.curl(&[
        "--fail",
        "-u",
        &format!("{}:{}", d.user(), d.password()),
        "-H",
        "Content-Type: text/xml",
        "--data-binary",
        &request,
        &d.xmlrpc_url(),
    ]))
}

/// What `confd_client <job> key: value ...` prints, with settings from `client.json` only
/// (as `client/tests/cli.rs` runs it).
fn confd_client_output(d: &TestDaemon, client: &Path, call: &JobCall) -> String {
    let mut command = Command::new(client);
    for var in [
        "CONFD_URL",
        "CONFD_USER",
        "CONFD_PASSWORD",
        "CONFD_CA_CERT",
        "XDG_DATA_HOME",
    ] {
        command.env_remove(var);
    }
    command.env("CONFD_STATE_DIR", d.state_dir()).arg(call.job);
    for (name, value) in call.params {
        command.arg(format!("{name}:"));
        match value {
            Str(s) => command.arg(s),
            Int(i) => command.arg(i.to_string()),
        };
    }
    stdout_ok(&command.output().expect("confd_client runs"))
}

/// The body of a REST GET with the admin's token; it must answer 200.
fn rest_body(d: &TestDaemon, path: &str) -> String {
    let (status, body) = d.curl_rest("GET", path, true, &[]);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// The `confd_client` binary. It belongs to another package, so Cargo gives this test no
/// `CARGO_BIN_EXE_confd_client`; `cargo build` it (a no-op when it is up to date) and take
/// the path Cargo reports.
fn confd_client_binary() -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    // Cargo sets these for the test process; inherited, they would look like a changed
    // environment to build scripts (ring's) and make every run rebuild the client.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if [
            "CARGO_MANIFEST_",
            "CARGO_PKG_",
            "CARGO_CRATE_",
            "CARGO_PRIMARY_PACKAGE",
        ]
        .iter()
        .any(|prefix| key.starts_with(prefix))
        {
            command.env_remove(&*key);
        }
    }
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(repo_root().join("Cargo.toml"))
        .args([
            "-p",
            "confd-client",
            "--bin",
            "confd_client",
            "--message-format=json",
        ]);
    if !cfg!(debug_assertions) {
        command.arg("--release");
    }
    let messages = stdout_ok(&command.output().expect("cargo runs"));
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "confd_client")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .unwrap_or_else(|| panic!("cargo reported no confd_client executable:\n{messages}"))
}
