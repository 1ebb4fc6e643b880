//! The real `confd` binary started from `contrib/confd.example.toml`: it serves, names
//! a bad key with its line, and writes JSON log lines that carry the job and never a
//! secret.

// A test that cannot start its daemon should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{run_python, serving};

const PASSWORD: &str = "config-test-password";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../contrib/confd.example.toml")
}

/// `confd --config <file>` with the state directory and free ports given as flags, which
/// win over the file.
fn confd(config: &Path, state: &Path, log: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_confd"));
    command
        .arg("--config")
        .arg(config)
        .arg("--state-dir")
        .arg(state)
        .args(["--xmlrpc-listen", "127.0.0.1:0"])
        .args(["--rest-listen", "127.0.0.1:0"])
        .args(["--metrics-listen", "127.0.0.1:0"])
        .env("CONFD_ADMIN_PASSWORD", PASSWORD)
        .env_remove("CONFD_STATE_DIR")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(log).unwrap());
    command
}

fn python(url: &str, code: &str) -> String {
    let prelude = format!(
        "import ssl, xmlrpc.client\nproxy = xmlrpc.client.ServerProxy('{}', context=ssl._create_unverified_context(), allow_none=True)\n",
        url.replacen("https://", &format!("https://admin:{PASSWORD}@"), 1)
    );
    run_python(&prelude, code)
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    child.wait().unwrap()
}

#[test]
fn the_example_config_serves_and_logs_json_lines_with_the_job_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let (state, log) = (dir.path().join("state"), dir.path().join("confd.log"));
    let mut child = confd(&example(), &state, &log).spawn().unwrap();
    let url = serving(&mut child, &state);
    let volume = dir.path().join("volume");
    fs::create_dir(&volume).unwrap();
    let out = python(
        &url,
        &format!(
            "print(proxy.job_exec('db_list')['result_output'])\n\
             print(proxy.job_exec('remote_volume_add', {{'params': {{'vol_type': 'file', 'url': 'file://{}', 'password': 'volume-secret-42'}}}})['result_name'])\n\
             print(proxy.job_exec('user_passwd', {{'params': {{'password': 'new-secret-4711'}}}})['result_name'])",
            volume.display()
        ),
    );
    // no_demo = true in the example: no demo database.
    assert_eq!(out, "[]\nOK\nOK\n");
    assert!(terminate(&mut child).success());
    let log = fs::read_to_string(&log).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let job_lines: Vec<_> = lines
        .iter()
        .filter(|l| l["span"]["job"] == "user_passwd")
        .collect();
    assert!(!job_lines.is_empty(), "{log}");
    assert!(
        job_lines
            .iter()
            .all(|l| l["span"]["job_id"].is_string() && l["span"]["user"] == "admin")
    );
    for secret in ["volume-secret-42", "new-secret-4711", PASSWORD] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[test]
fn an_unknown_key_or_a_wrong_type_stops_the_start_and_names_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (text, key, line) in [
        (
            "no_demo = true\n\nbackup_threads = 4\n",
            "backup_threads",
            "3",
        ),
        (
            "job_retention_days = \"seven\"\n",
            "job_retention_days",
            "1",
        ),
        ("[tls]\ncert = \"/x\"\nkee = \"/y\"\n", "kee", "3"),
        (
            "no_demo = true\ncompression_level = 20\n",
            "compression_level",
            "2",
        ),
        ("compression_level = 0\n", "compression_level", "1"),
    ] {
        let config = dir.path().join("bad.toml");
        fs::write(&config, text).unwrap();
        let log = dir.path().join("bad.log");
        let status = confd(&config, &dir.path().join("state"), &log)
            .status()
            .unwrap();
        let message = fs::read_to_string(&log).unwrap();
        assert!(!status.success(), "{text}");
        assert!(message.contains(key), "{key} not named:\n{message}");
        assert!(
            message.contains(&format!("line {line}")),
            "line {line} not named:\n{message}"
        );
    }
}

#[test]
fn the_log_format_flag_wins_over_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (state, log) = (dir.path().join("state"), dir.path().join("confd.log"));
    // The example file says log_format = "json".
    let mut child = confd(&example(), &state, &log)
        .args(["--log-format", "text"])
        .spawn()
        .unwrap();
    serving(&mut child, &state);
    assert!(terminate(&mut child).success());
    let log = fs::read_to_string(&log).unwrap();
    assert!(log.contains("confd ready"), "{log}");
    assert!(
        log.lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_err()),
        "{log}"
    );
}
