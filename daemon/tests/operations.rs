//! The real `confd` binary in operation: at `RUST_LOG=trace` no secret reaches any log
//! line on any path that carries one, backups log their start and end, and SIGTERM during
//! a backup exits 0 promptly, records the backup as aborted by the shutdown, leaves
//! nothing partial on the volume, and the next start serves at once.

// A test that cannot start its daemon should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{run_python, serving};

const PASSWORD: &str = "admin-secret-8d1f";

/// `confd` with its state in `state`, free ports, the demo of `demo_size` and `RUST_LOG`.
fn spawn(state: &Path, log: &Path, demo_size: &str, rust_log: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_confd"))
        .arg("--state-dir")
        .arg(state)
        .args(["--xmlrpc-listen", "127.0.0.1:0"])
        .args(["--rest-listen", "127.0.0.1:0"])
        .args(["--metrics-listen", "127.0.0.1:0"])
        .args(["--demo-size", demo_size])
        .env("CONFD_ADMIN_PASSWORD", PASSWORD)
        .env("RUST_LOG", rust_log)
        .env_remove("CONFD_STATE_DIR")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(
            fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap(),
        )
        .spawn()
        .unwrap()
}

/// Runs Python with `proxy` (admin), `job` and `ok`, and `PID` (the daemon's pid).
fn python(url: &str, pid: u32, code: &str) -> String {
    let prelude = format!(
        "import os, signal, ssl, time, xmlrpc.client\n\
         URL = '{url}'\nPID = {pid}\n\
         def connect(user, password):\n    \
             return xmlrpc.client.ServerProxy(URL.replace('https://', 'https://%s:%s@' % (user, password), 1), context=ssl._create_unverified_context(), allow_none=True)\n\
         proxy = connect('admin', '{PASSWORD}')\n\
         def job(name, **params):\n    return proxy.job_exec(name, {{'params': params}})\n\
         def ok(name, **params):\n    r = job(name, **params)\n    assert r['result_code'] == 0, r\n    return r.get('result_output')\n\
         def wait():\n    while True:\n        c = ok('db_backup_progress', db_name='MY_DATABASE')['Comment']\n        if 'started' not in c and 'active' not in c:\n            return c\n        time.sleep(0.02)\n"
    );
    run_python(&prelude, code)
}

fn terminate(child: &mut Child) -> (std::process::ExitStatus, Duration) {
    let sent = Instant::now();
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    (child.wait().unwrap(), sent.elapsed())
}

fn key_pair() -> (String, String) {
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "log-test");
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

#[test]
fn no_secret_reaches_a_trace_log_and_operations_log_start_and_end() {
    let dir = tempfile::tempdir().unwrap();
    let (state, log) = (dir.path().join("state"), dir.path().join("confd.log"));
    let mut child = spawn(&state, &log, "8MiB", "trace");
    let url = serving(&mut child, &state);
    let volume = dir.path().join("volume");
    fs::create_dir(&volume).unwrap();
    let (cert, key) = key_pair();
    // The key's body, without the PEM armour any PEM shares.
    let key_body: String = key.lines().filter(|l| !l.starts_with("-----")).collect();
    let secrets = [
        PASSWORD,
        "user-secret-5c2e",
        "changed-secret-77a1",
        "volume-secret-3b9d",
        "s3-secret-key-e4f0",
        "url-secret-91aa",
        "wrong-secret-0d6b",
    ];
    let out = python(
        &url,
        child.id(),
        &format!(
            r#"
print(job('user_create', username='ops', userid=1200, password='{s1}', group='exaadm', login_enabled=True)['result_name'])
print(connect('ops', '{s1}').job_exec('user_passwd', {{'params': {{'password': '{s2}'}}}})['result_name'])
print(job('remote_volume_add', vol_type='file', url='file://{volume}', password='{s3}')['result_name'])
print(job('remote_volume_add', vol_type='s3', url='http://127.0.0.1:1/bucket', s3_access_key='AKIA', s3_secret_key='{s4}')['result_code'] >= 0)
print(job('remote_volume_add', vol_type='s3', url='http://u:{s5}@127.0.0.1:1/bucket')['result_name'])
print(job('cert_update', cert='''{cert}''', key='''{key}''')['result_name'])
try:
    connect('admin', '{s6}').job_exec('db_list')
except xmlrpc.client.ProtocolError as e:
    print(e.errcode)
ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)
print(wait())
"#,
            s1 = secrets[1],
            s2 = secrets[2],
            volume = volume.display(),
            s3 = secrets[3],
            s4 = secrets[4],
            s5 = secrets[5],
            s6 = secrets[6],
        ),
    );
    assert_eq!(
        out,
        "OK\nOK\nOK\nTrue\nINVALID_PARAMETER\nOK\n401\nBackup has been successfully finished\n"
    );
    assert!(terminate(&mut child).0.success());
    let log = fs::read_to_string(&log).unwrap();
    assert!(log.contains(" TRACE "), "RUST_LOG=trace took no effect");
    // Basic auth as sent on the wire, too.
    let basic = |user: &str, password: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    };
    let encoded = [
        basic("admin", PASSWORD),
        basic("admin", secrets[6]),
        basic("ops", secrets[1]),
    ];
    let encoded = encoded.iter().map(String::as_str);
    for secret in secrets
        .iter()
        .copied()
        .chain(encoded)
        .chain([key_body.as_str()])
    {
        assert!(!log.contains(secret), "{secret} is in the log");
    }
    for line in ["operation started", "operation ended"] {
        let found = log
            .lines()
            .find(|l| l.contains(line))
            .unwrap_or_else(|| panic!("no '{line}' line"));
        for field in [
            "db=\"MY_DATABASE\"",
            "kind=\"backup\"",
            "bid=1",
            "level=0",
            "volume=10001",
        ] {
            assert!(found.contains(field), "{field} missing: {found}");
        }
    }
    let ended = log.lines().find(|l| l.contains("operation ended")).unwrap();
    for field in ["outcome=\"finished\"", "bytes=", "seconds="] {
        assert!(ended.contains(field), "{field} missing: {ended}");
    }
}

/// Every directory and file under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
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

#[test]
fn sigterm_during_a_backup_exits_0_records_the_abort_and_leaves_nothing_partial() {
    let dir = tempfile::tempdir().unwrap();
    let (state, log) = (dir.path().join("state"), dir.path().join("confd.log"));
    // Large enough that the backup is still writing when the signal lands (the binary
    // has no engine hooks to hold it); the signal is sent only once progress says so.
    let mut child = spawn(&state, &log, "256MiB", "info");
    let url = serving(&mut child, &state);
    let out = python(
        &url,
        child.id(),
        "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)\n\
         while True:\n    \
             p = ok('db_backup_progress', db_name='MY_DATABASE')\n    \
             assert 'active' in p['Comment'] or 'started' in p['Comment'], p\n    \
             if p['Phase'] == 'Write' and p['Bytes done'] > 0:\n        break\n    \
             time.sleep(0.01)\n\
         os.kill(PID, signal.SIGTERM)\n\
         print(p['Comment'], p['Progress'] < 100)\n",
    );
    assert_eq!(out, "Backup is active True\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "confd still runs 10 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "exit status {status}");
    let volume = state.join("remote/r0001");
    assert_eq!(
        tree(&volume),
        ["MY_DATABASE", "MY_DATABASE/id_1", "MY_DATABASE/id_1/claim"],
        "only the bid's claim may stay"
    );

    fs::remove_file(state.join("client.json")).unwrap();
    let restarted_at = fs::read_to_string(&log).unwrap().len();
    let mut child = spawn(&state, &log, "256MiB", "info");
    let url = serving(&mut child, &state);
    let out = python(
        &url,
        child.id(),
        "p = ok('db_backup_progress', db_name='MY_DATABASE')\n\
         print(p['Comment'])\n\
         print(ok('db_backup_list', db_name='MY_DATABASE'))\n",
    );
    assert_eq!(out, "Backup has been aborted (daemon shutdown)\n[]\n");
    assert!(terminate(&mut child).0.success());
    let second_start = &fs::read_to_string(&log).unwrap()[restarted_at..];
    // Nothing was left for start-up recovery to repair or remove.
    assert!(
        !second_start.contains("recovery repaired") && !second_start.contains("interrupted"),
        "{second_start}"
    );
    let first_start = &fs::read_to_string(&log).unwrap()[..restarted_at];
    assert!(
        first_start.contains("outcome=\"aborted: daemon shutdown\""),
        "{first_start}"
    );
}
