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

use std::path::{Path, PathBuf};
use std::process::Command;

use confd_tests::{TestDaemon, repo_root, stdout_ok};
use serde_json::Value;

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

// ---- Masking -----------------------------------------------------------------------

/// Replaces the values that change from run to run with placeholders:
///
/// - the daemon's temporary state directory (in data paths, volume paths and URLs)
///   becomes `<STATE_DIR>`;
/// - `YYYY-MM-DD HH:MM[:SS]` (backup `timestamp`, `expire` one week from now) becomes
///   `<DATETIME>`;
/// - a run of exactly 12 digits, a backup's `ts` `YYYYMMDDHHMM` (also inside `path` and
///   `id`), becomes `<TS>`;
/// - the number after the markers in [`VOLATILE_NUMBERS`] (job IDs, which count the
///   polling calls, and the backup rate, bytes over wall-clock seconds) keeps its shape
///   but each run of digits becomes `#`: `1.23` reads `#.#`, so a float that became an
///   integer still shows.
///
/// Byte counts are not masked: the demo data is generated deterministically and each
/// chunk is compressed on its own, so data objects have the same size in every run
/// (`Bytes done` too). Only the compressed manifests vary, by tens of bytes, as they hold
/// mtimes and inodes; `usage` (0.005 GiB, GiB with 3 decimals) and `used` (5.1 MiB,
/// 0.1 MiB steps) round that away, both lying tens of KB or more from a rounding step.
fn mask(text: &str, state_dir: &str) -> String {
    let mut text = text.replace(state_dir, "<STATE_DIR>");
    for marker in VOLATILE_NUMBERS {
        text = mask_number_after(&text, marker);
    }
    mask_dates(&text)
}

/// Text right before a volatile number, in each of the three formats.
const VOLATILE_NUMBERS: &[&str] = &[
    // XML-RPC
    "<name>result_jobid</name><value><string>",
    "<name>Rate MB/s</name><value><double>",
    // confd_client YAML
    "Rate MB/s: ",
    // REST JSON
    "\"rateMbS\":",
];

/// After each `marker`, replaces every digit run of the number (digits and dots) by `#`.
fn mask_number_after(text: &str, marker: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (before, after) = rest.split_at(at + marker.len());
        out.push_str(before);
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(after.len());
        let shape: Vec<&str> = after[..end]
            .split('.')
            .map(|digits| if digits.is_empty() { "" } else { "#" })
            .collect();
        out.push_str(&shape.join("."));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Date shapes (`9` stands for a digit) and their placeholders, longest first.
const DATE_SHAPES: &[(&str, &str)] = &[
    ("9999-99-99 99:99:99", "<DATETIME>"),
    ("9999-99-99 99:99", "<DATETIME>"),
    ("999999999999", "<TS>"),
];

/// Replaces text of a [`DATE_SHAPES`] shape that is not part of a longer digit run.
fn mask_dates(text: &str) -> String {
    let bytes = text.as_bytes();
    let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let starts_run = digit_at(i) && (i == 0 || !digit_at(i - 1));
        let found = DATE_SHAPES.iter().find(|(shape, _)| {
            let shape = shape.as_bytes();
            starts_run
                && bytes.len() >= i + shape.len()
                && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                    b'9' => b.is_ascii_digit(),
                    _ => s == b,
                })
                && !digit_at(i + shape.len())
        });
        match found {
            Some((shape, placeholder)) => {
                out.push_str(&text[copied..i]);
                out.push_str(placeholder);
                i += shape.len();
                copied = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[test]
fn mask_hides_only_the_volatile_values() {
    let masked = mask(
        "<name>result_jobid</name><value><string>1.23</string></value>\
         <name>ts</name><value><string>202612011530</string></value>\
         /state-dir/volumes backup_202612011530 2026-12-01 15:30 at 2026-12-01 15:30:07\n\
         Rate MB/s: 12.5\n\"rateMbS\":3,\"bytesDone\":8388608,\"n\":1234567890123",
        "/state-dir",
    );
    assert_eq!(
        masked,
        "<name>result_jobid</name><value><string>#.#</string></value>\
         <name>ts</name><value><string><TS></string></value>\
         <STATE_DIR>/volumes backup_<TS> <DATETIME> at <DATETIME>\n\
         Rate MB/s: #.#\n\"rateMbS\":#,\"bytesDone\":8388608,\"n\":1234567890123"
    );
}

// ---- Comparing ---------------------------------------------------------------------

/// Compares masked outputs with `golden/<file>` (or rewrites the files when
/// `UPDATE_GOLDEN=1`), collecting every mismatch so one run reports them all.
struct Golden {
    dir: PathBuf,
    state_dir: String,
    update: bool,
    failures: Vec<String>,
}

impl Golden {
    fn new(state_dir: &Path) -> Self {
        Golden {
            dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/golden"),
            state_dir: state_dir.display().to_string(),
            update: std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1"),
            failures: Vec::new(),
        }
    }

    fn check(&mut self, file: &str, live: &str) {
        let live = mask(live, &self.state_dir);
        let path = self.dir.join(file);
        if self.update {
            std::fs::create_dir_all(&self.dir).unwrap();
            std::fs::write(&path, &live).unwrap();
            return;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == live => {}
            Ok(expected) => self.failures.push(format!(
                "tests/tests/e2e/golden/{file} differs:\n{}",
                first_difference(&expected, &live)
            )),
            Err(e) => self.failures.push(format!(
                "tests/tests/e2e/golden/{file}: {e}; live output:\n{live}"
            )),
        }
    }

    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} output(s) differ from the golden files (re-record with UPDATE_GOLDEN=1 \
             only if the change is intended):\n\n{}",
            self.failures.len(),
            self.failures.join("\n\n")
        );
    }
}

/// The first differing line with two lines of context before it; long lines (XML, JSON
/// are one line each) are cut to a window around the first differing character.
fn first_difference(expected: &str, live: &str) -> String {
    let expected_lines: Vec<&str> = expected.split('\n').collect();
    let live_lines: Vec<&str> = live.split('\n').collect();
    let n = expected_lines
        .iter()
        .zip(&live_lines)
        .take_while(|(e, l)| e == l)
        .count();
    let mut report = String::new();
    for line in &expected_lines[n.saturating_sub(2)..n] {
        report.push_str(&format!("    {}\n", window(line, 0)));
    }
    let (e, l) = (expected_lines.get(n).copied(), live_lines.get(n).copied());
    let column = match (e, l) {
        (Some(e), Some(l)) => e
            .char_indices()
            .zip(l.chars())
            .find(|((_, a), b)| a != b)
            .map_or(e.len().min(l.len()), |((i, _), _)| i),
        _ => 0,
    };
    let show = |line: Option<&str>| line.map_or("<end of file>".to_owned(), |s| window(s, column));
    report.push_str(&format!(
        "line {}, column {}:\n  - expected: {}\n  + live:     {}",
        n + 1,
        column + 1,
        show(e),
        show(l)
    ));
    report
}

/// `line`, or 100 characters of it around byte `column` when it is longer.
fn window(line: &str, column: usize) -> String {
    const WIDTH: usize = 100;
    if line.len() <= WIDTH {
        return line.to_owned();
    }
    let mut start = column.saturating_sub(WIDTH / 2).min(line.len() - WIDTH);
    while !line.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + WIDTH).min(line.len());
    while !line.is_char_boundary(end) {
        end += 1;
    }
    let before = if start > 0 { "..." } else { "" };
    let after = if end < line.len() { "..." } else { "" };
    format!("{before}{}{after}", &line[start..end])
}
