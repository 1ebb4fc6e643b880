//! The crash test of design 4 (issue 4 item 9): SIGKILL a real `confd` at random moments
//! during backups (and some restores), restart it on the same state directory, and check
//! what start-up recovery left behind:
//!
//! - `db_backup_list` answers and every listed backup's chain is complete, or it is listed
//!   `usable: false`; every listed backup has all its objects and its status marker;
//! - no `*.partial` file and no `<db>/id_<bid>/level_<n>` directory without its status
//!   marker is left on the volumes, and every status marker on a volume is listed;
//! - the interrupted operation shows a failed/interrupted comment, never "active";
//! - every listed usable backup restores byte for byte (a tree hash of the node
//!   directories — paths, contents, modes, symlink targets, mtimes — equals the one taken
//!   just before that backup started);
//! - a restore killed midway leaves the database in `setup`, and `db_start` is refused
//!   (`WRONG_STATE`, naming the incomplete data) until a restore succeeds.
//!
//! The daemon is driven by one long-lived Python `xmlrpc.client` child per daemon start.
//! Kill moments come from a seeded RNG: `CONFD_CRASH_SEED=<n>` repeats a run's choices
//! (the moments a kill lands on still depend on the machine); the seed and the round are
//! printed on failure, with the tail of the daemon's log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use confd_storage::datagen::Rng;

#[path = "../../tests/src/tree_hash.rs"]
mod tree_hash;
use serde_json::{Value, json};
use tree_hash::tree_hash;

const DB: &str = "MY_DATABASE";
const NODES: usize = 4;
const PASSWORD: &str = "crash-test-password-1";
/// Archive volumes of the demo: name and directory under the state directory.
const VOLUMES: [(&str, &str); 2] = [
    ("ArchiveVolume1", "volumes/ArchiveVolume1"),
    ("r0001", "remote/r0001"),
];
/// Backup rounds (each ends with a SIGKILL); restore rounds come on top.
const BACKUP_ROUNDS: usize = 30;
/// Every this many rounds, one round kills a restore instead of a backup.
const RESTORE_ROUND_EVERY: usize = 6;
/// Every this many rounds, a backup round first deletes a backup.
const DELETE_EVERY: usize = 4;
/// Rounds after which the usable backups not yet restored are restored and compared.
const CHECKPOINT_EVERY: usize = 10;
/// Longest wait for anything the daemon does (start, a backup phase, a restore).
const PATIENCE: Duration = Duration::from_secs(120);

/// What a failure message must name: the seed, the round and the daemon's log.
static FAILURE_CONTEXT: Mutex<(String, Option<PathBuf>)> = Mutex::new((String::new(), None));

fn set_context(what: String) {
    FAILURE_CONTEXT.lock().unwrap_or_else(|p| p.into_inner()).0 = what;
}

fn set_log(log: PathBuf) {
    FAILURE_CONTEXT.lock().unwrap_or_else(|p| p.into_inner()).1 = Some(log);
}

fn install_failure_report() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let (what, log) = FAILURE_CONTEXT
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        eprintln!("\n=== crash test failed: {what} ===");
        if let Some(log) = log {
            let text = fs::read_to_string(&log).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            eprintln!("--- last lines of {} ---", log.display());
            for line in &lines[lines.len().saturating_sub(30)..] {
                eprintln!("{line}");
            }
            eprintln!("---");
        }
        default(info);
    }));
}

fn seed() -> u64 {
    match std::env::var("CONFD_CRASH_SEED") {
        Ok(s) => {
            let s = s.trim();
            match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            }
            .unwrap_or_else(|e| panic!("CONFD_CRASH_SEED={s:?} is not a u64: {e}"))
        }
        Err(_) => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            now.as_nanos() as u64 ^ u64::from(std::process::id())
        }
    }
}

// ---------------------------------------------------------------------------------------
// The client: one Python child per daemon start, one JSON line per call each way.

const CLIENT: &str = r#"
import json, ssl, sys, xmlrpc.client
url, user, password = sys.argv[1:4]
proxy = xmlrpc.client.ServerProxy(
    url.replace('https://', 'https://%s:%s@' % (user, password)),
    context=ssl._create_unverified_context(), allow_none=True)
for line in sys.stdin:
    job, params = json.loads(line)
    try:
        answer = proxy.job_exec(job, {'params': params})
    except Exception as e:
        answer = {'transport_error': repr(e)}
    print(json.dumps(answer, default=str), flush=True)
"#;

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Client {
    fn start(url: &str, user: &str, password: &str) -> Self {
        let mut child = Command::new("python3")
            .args(["-c", CLIENT, url, user, password])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        Client {
            child,
            stdin,
            stdout,
        }
    }

    /// `job_exec(job, {'params': params})`: the whole result struct.
    fn call(&mut self, job: &str, params: Value) -> Value {
        writeln!(self.stdin, "{}", json!([job, params])).expect("python client alive");
        let mut line = String::new();
        self.stdout
            .read_line(&mut line)
            .expect("python client answers");
        let answer: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("{job}: unreadable answer {line:?}: {e}"));
        if let Some(e) = answer.get("transport_error") {
            panic!("{job} {params}: transport error {e}");
        }
        answer
    }

    /// A call that must succeed; its `result_output` (null when it has none).
    fn ok(&mut self, job: &str, params: Value) -> Value {
        let answer = self.call(job, params.clone());
        assert_eq!(answer["result_code"], 0, "{job} {params} failed: {answer}");
        answer.get("result_output").cloned().unwrap_or(Value::Null)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// The daemon process.

struct Daemon {
    child: Child,
    client: Client,
}

impl Daemon {
    /// SIGKILL (what `Child::kill` sends on Unix) and reap.
    fn sigkill(mut self) {
        self.child.kill().expect("SIGKILL confd");
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `confd` on `state` and waits until it has rewritten `client.json` (it does so
/// after recovery, once its listeners are bound).
fn start_daemon(state: &Path, log: &Path) -> Daemon {
    let settings = state.join("client.json");
    match fs::remove_file(&settings) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => panic!("removing {}: {e}", settings.display()),
    }
    set_log(log.to_path_buf());
    let mut child = Command::new(env!("CARGO_BIN_EXE_confd"))
        .arg("--state-dir")
        .arg(state)
        .args(["--xmlrpc-listen", "127.0.0.1:0"])
        .args(["--rest-listen", "127.0.0.1:0"])
        .args(["--metrics-listen", "127.0.0.1:0"])
        .args(["--demo-size", "32MiB"])
        .env("CONFD_ADMIN_PASSWORD", PASSWORD)
        .env_remove("CONFD_STATE_DIR")
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(log).expect("log file"))
        .spawn()
        .expect("confd starts");
    let deadline = Instant::now() + PATIENCE;
    let settings: Value = loop {
        if let Some(status) = child.try_wait().expect("confd status") {
            panic!("confd exited during start-up ({status})");
        }
        if let Ok(bytes) = fs::read(&settings)
            && let Ok(v) = serde_json::from_slice(&bytes)
        {
            break v;
        }
        assert!(Instant::now() < deadline, "confd did not start in time");
        std::thread::sleep(Duration::from_millis(20));
    };
    // The password is not taken from client.json: the daemon keeps only a hash, so a
    // client.json written anew (we deleted it) has an empty one.
    let text = |k: &str| settings[k].as_str().expect("client.json key").to_owned();
    let client = Client::start(&text("xmlrpc_url"), &text("user"), PASSWORD);
    Daemon { child, client }
}

// ---------------------------------------------------------------------------------------
// Data: a tree hash and changes between rounds.

/// Regular files under `dir`, sorted (so a seed picks the same ones).
fn regular_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("readable tree") {
            let path = entry.expect("dir entry").path();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn random_bytes(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut buf = vec![0; len];
    rng.fill(&mut buf);
    buf
}

/// A few changes, so that incrementals have something to store: overwrite a block, append,
/// add and delete files, chmod, replace a symlink.
fn change_some_files(rng: &mut Rng, data: &Path, serial: &mut u64) -> Vec<String> {
    let mut done = Vec::new();
    for _ in 0..3 {
        let files = regular_files(data);
        assert!(!files.is_empty(), "the demo database has files");
        *serial += 1;
        let file = files[rng.below(files.len() as u64) as usize].clone();
        let node = data.join(format!("node_{}", rng.below(NODES as u64)));
        match rng.below(6) {
            0 => {
                let len = fs::metadata(&file).expect("file").len();
                let at = rng.below(len.max(1));
                let bytes = random_bytes(rng, 4096.min((len - at.min(len)) as usize).max(1));
                let mut f = fs::OpenOptions::new()
                    .write(true)
                    .open(&file)
                    .expect("writable");
                std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(at)).expect("seek");
                f.write_all(&bytes).expect("overwrite");
                done.push(format!(
                    "overwrote {} bytes of {}",
                    bytes.len(),
                    file.display()
                ));
            }
            1 => {
                let len = 1 + rng.below(64 << 10) as usize;
                let mut f = fs::OpenOptions::new()
                    .append(true)
                    .open(&file)
                    .expect("writable");
                f.write_all(&random_bytes(rng, len)).expect("append");
                done.push(format!("appended {len} bytes to {}", file.display()));
            }
            2 => {
                let path = node.join(format!("crash_{serial}.dat"));
                let len = 1 + rng.below(256 << 10) as usize;
                fs::write(&path, random_bytes(rng, len)).expect("new file");
                done.push(format!("created {}", path.display()));
            }
            3 => {
                let extra: Vec<&PathBuf> = files
                    .iter()
                    .filter(|f| f.to_string_lossy().contains("/crash_"))
                    .collect();
                if let Some(victim) = extra.get(rng.below(extra.len().max(1) as u64) as usize) {
                    fs::remove_file(victim).expect("delete");
                    done.push(format!("deleted {}", victim.display()));
                }
            }
            4 => {
                let mode = [0o600, 0o640, 0o644, 0o400][rng.below(4) as usize];
                fs::set_permissions(&file, fs::Permissions::from_mode(mode)).expect("chmod");
                done.push(format!("chmod {mode:o} {}", file.display()));
            }
            _ => {
                let link = node.join(format!("crash_link_{}", rng.below(2)));
                let _ = fs::remove_file(&link);
                let target = format!("../target_{serial}");
                std::os::unix::fs::symlink(&target, &link).expect("symlink");
                done.push(format!("linked {} -> {target}", link.display()));
            }
        }
    }
    done
}

// ---------------------------------------------------------------------------------------
// The listing.

/// One `db_backup_list` entry, the keys this test uses.
#[derive(Debug, Clone)]
struct Listed {
    bid: u64,
    level: u64,
    base: Option<u64>,
    usable: bool,
    id: String,
    path: String,
    ts: String,
    volume: String,
}

impl Listed {
    fn parse(v: &Value) -> Self {
        let text = |k: &str| {
            v[k].as_str()
                .unwrap_or_else(|| panic!("db_backup_list key {k} in {v}"))
                .to_owned()
        };
        let dependencies = text("dependencies");
        Listed {
            bid: v["bid"].as_u64().expect("bid"),
            level: v["level"].as_u64().expect("level"),
            base: (dependencies != "-").then(|| dependencies.parse().expect("dependencies")),
            usable: v["usable"].as_bool().expect("usable"),
            id: text("id"),
            path: text("path"),
            ts: text("ts"),
            volume: text("volume"),
        }
    }

    fn prefix(&self) -> String {
        format!("{DB}/id_{}/level_{}", self.bid, self.level)
    }
}

/// `.../id_<bid>/...` of a progress `Name`.
fn bid_of_name(name: &str) -> Option<u64> {
    name.split('/')
        .find_map(|part| part.strip_prefix("id_"))
        .and_then(|b| b.parse().ok())
}

// ---------------------------------------------------------------------------------------
// The test.

#[derive(Default)]
struct Tally {
    /// Phase seen by the last progress call before each backup kill.
    backup_kills: BTreeMap<String, u32>,
    committed: u32,
    discarded: u32,
    restore_kills_midway: u32,
    restore_kills_too_late: u32,
    restores_compared: u32,
    expired_removed: u32,
}

struct Crash {
    seed: u64,
    rng: Rng,
    root: tempfile::TempDir,
    daemon: Option<Daemon>,
    starts: u32,
    /// Tree hash of the data when each backup (by bid) was started.
    hashes: BTreeMap<u64, String>,
    /// Backups restored and compared already.
    verified: BTreeSet<u64>,
    /// Backups started with an expiry of a few seconds: the clean-up may remove them.
    expiring: BTreeSet<u64>,
    /// Backups this test deleted (or asked to delete as unusable).
    deleted: BTreeSet<u64>,
    /// Bids listed at the last check: a listed backup never disappears on its own.
    listed: BTreeSet<u64>,
    /// A rough duration of a full restore, for choosing restore kill moments.
    restore_ms: u64,
    serial: u64,
    tally: Tally,
}

impl Drop for Crash {
    fn drop(&mut self) {
        // Stop the daemon before its state directory goes; keep the directory (state,
        // volumes, daemon logs) of a failed run for a post-mortem.
        self.daemon = None;
        if std::thread::panicking() {
            self.root.disable_cleanup(true);
            eprintln!(
                "crash test: kept {} for inspection",
                self.root.path().display()
            );
        }
    }
}

impl Crash {
    fn state(&self) -> PathBuf {
        self.root.path().join("state")
    }

    fn data(&self) -> PathBuf {
        self.state().join("databases").join(DB)
    }

    fn client(&mut self) -> &mut Client {
        &mut self.daemon.as_mut().expect("daemon running").client
    }

    fn start(&mut self) {
        self.starts += 1;
        let log = self.root.path().join(format!("confd-{}.log", self.starts));
        self.daemon = Some(start_daemon(&self.state(), &log));
    }

    fn kill_and_restart(&mut self) {
        self.daemon.take().expect("daemon running").sigkill();
        self.start();
    }

    fn progress(&mut self) -> Value {
        self.client()
            .ok("db_backup_progress", json!({ "db_name": DB }))
    }

    fn db_state(&mut self) -> String {
        let out = self.client().ok("db_state", json!({ "db_name": DB }));
        out.as_str().expect("db_state output").to_owned()
    }

    fn list(&mut self) -> Vec<Listed> {
        let out = self.client().ok("db_backup_list", json!({ "db_name": DB }));
        out.as_array()
            .expect("db_backup_list output is a list")
            .iter()
            .map(Listed::parse)
            .collect()
    }

    /// Level to take on `volume`: 0, or one above a level that has a usable backup there
    /// (up to 2).
    fn pick_level(&mut self, list: &[Listed], volume: &str) -> u64 {
        let mut levels = vec![0];
        for b in list.iter().filter(|b| b.usable && b.volume == volume) {
            if b.level < 2 && !levels.contains(&(b.level + 1)) {
                levels.push(b.level + 1);
            }
        }
        levels.sort_unstable();
        levels[self.rng.below(levels.len() as u64) as usize]
    }

    /// Polls progress until the operation on `bid` reports one of `phases` or has ended;
    /// returns the phase seen last.
    fn wait_for_phase(&mut self, bid: u64, phases: &[&str]) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let p = self.progress();
            let phase = p["Phase"].as_str().unwrap_or_default().to_owned();
            let ours = p["Name"].as_str().and_then(bid_of_name) == Some(bid);
            if !ours || phases.contains(&phase.as_str()) || phase == "Done" {
                return phase;
            }
            assert!(
                Instant::now() < deadline,
                "backup {bid} never reached {phases:?}: {p}"
            );
        }
    }

    fn run(&mut self) {
        let started = Instant::now();
        self.start();
        assert_eq!(self.db_state(), "running", "the demo database runs");
        let rounds = BACKUP_ROUNDS + BACKUP_ROUNDS / (RESTORE_ROUND_EVERY - 1);
        let mut backup_rounds = 0;
        for round in 0..rounds {
            let restore_round = round % RESTORE_ROUND_EVERY == RESTORE_ROUND_EVERY - 1;
            if restore_round && self.list().iter().any(|b| b.usable) {
                set_context(self.context(round, "restore killed"));
                self.restore_round();
            } else {
                set_context(self.context(round, "backup killed"));
                self.backup_round(round);
                backup_rounds += 1;
            }
            if (round + 1) % CHECKPOINT_EVERY == 0 {
                set_context(self.context(round, "restoring the usable backups"));
                self.restore_all_usable(false);
            }
        }
        set_context(self.context(rounds, "final restores of every usable backup"));
        self.restore_all_usable(true);
        let t = &self.tally;
        eprintln!(
            "crash test: CONFD_CRASH_SEED={}, {backup_rounds} backup kills by phase seen {:?} ({} committed, {} discarded), \
             restore kills {} midway + {} after it finished, {} restores compared, {} expired backups removed by clean-ups, {} daemon starts, {:.1} s",
            self.seed,
            t.backup_kills,
            t.committed,
            t.discarded,
            t.restore_kills_midway,
            t.restore_kills_too_late,
            t.restores_compared,
            t.expired_removed,
            self.starts,
            started.elapsed().as_secs_f64()
        );
        assert!(backup_rounds >= 20, "at least 20 backup kills");
        let killed_in = |phases: &[&str]| {
            phases
                .iter()
                .map(|p| t.backup_kills.get(*p).copied().unwrap_or(0))
                .sum::<u32>()
        };
        assert!(
            killed_in(&["Protect", "Write"]) > 0,
            "no kill while writing"
        );
        assert!(
            killed_in(&["Unprotect", "Clean-up", "Done"]) > 0,
            "no kill at or after the commit"
        );
        assert!(t.restore_kills_midway > 0, "no restore was killed midway");
    }

    fn context(&self, round: usize, what: &str) -> String {
        format!("CONFD_CRASH_SEED={} round {round} ({what})", self.seed)
    }

    /// Change files, start a backup, SIGKILL the daemon at a random moment, restart, check.
    fn backup_round(&mut self, round: usize) {
        if round > 0 {
            let data = self.data();
            let changes = change_some_files(&mut self.rng, &data, &mut self.serial);
            eprintln!("round {round}: {}", changes.join("; "));
        }
        if round % DELETE_EVERY == DELETE_EVERY - 1 {
            self.delete_some();
        }
        let list = self.list();
        let volume = VOLUMES[self.rng.below(VOLUMES.len() as u64) as usize].0;
        let level = self.pick_level(&list, volume);
        let hash = tree_hash(&self.data());
        let mut params = json!({ "db_name": DB, "backup_volume_name": volume, "level": level });
        let expire_soon = self.rng.below(4) == 0;
        match self.rng.below(4) {
            // Expires during the test, so that the clean-up at the end of a later backup
            // on ArchiveVolume1 deletes it (unless a kept backup builds on it).
            _ if expire_soon => params["expire"] = json!(3),
            1 => params["expire"] = json!("1w"),
            _ => {}
        }
        let how = self.rng.below(11);
        let delay = Duration::from_millis(self.rng.below(1501));
        let t0 = Instant::now();
        self.client().ok("db_backup_start", params);
        // Mostly learn the bid from the progress before the kill; now and then kill at
        // once, and learn it after the restart: the operation record is durable before
        // db_backup_start answers (design 4, step 1).
        let mut bid = None;
        if how != 10 {
            let p = self.progress();
            let b = p["Name"]
                .as_str()
                .and_then(bid_of_name)
                .unwrap_or_else(|| panic!("no bid in progress {p}"));
            bid = Some(b);
        }
        let phase = match (how, bid) {
            (_, None) => "answered".to_owned(),
            (0..=3, _) => {
                std::thread::sleep(delay.saturating_sub(t0.elapsed()));
                self.progress()["Phase"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned()
            }
            (4 | 5, Some(b)) => self.wait_for_phase(b, &["Write"]),
            (6 | 7, Some(b)) => self.wait_for_phase(b, &["Validate", "Unprotect", "Clean-up"]),
            (8, Some(b)) => self.wait_for_phase(b, &["Unprotect", "Clean-up"]),
            (_, Some(b)) => self.wait_for_phase(b, &["Clean-up"]),
        };
        let killed_after = t0.elapsed().as_millis();
        *self.tally.backup_kills.entry(phase.clone()).or_default() += 1;
        self.kill_and_restart();

        let p = self.progress();
        let last = p["Name"].as_str().and_then(bid_of_name);
        let bid = match bid {
            Some(b) => b,
            None => {
                let newest = self.hashes.keys().next_back().copied().unwrap_or(0);
                match last {
                    Some(b) if b > newest => b,
                    _ => panic!(
                        "db_backup_start answered, but after a kill the last operation is not a new backup: {p}"
                    ),
                }
            }
        };
        eprintln!(
            "round {round}: level {level} bid {bid} on {volume}, killed {killed_after} ms after start, phase {phase}"
        );
        assert!(
            self.hashes.insert(bid, hash).is_none(),
            "bid {bid} was used twice"
        );
        if expire_soon {
            self.expiring.insert(bid);
        }
        assert_eq!(last, Some(bid), "the last operation is backup {bid}: {p}");
        let list = self.check_catalogue();
        let listed = list.iter().any(|b| b.bid == bid);
        let comment = p["Comment"].as_str().unwrap_or_default();
        let interrupted = "Backup failed: interrupted by daemon restart";
        if listed {
            self.tally.committed += 1;
            assert!(
                comment == "Backup has been successfully finished" || comment == interrupted,
                "backup {bid} is listed; its operation says {comment:?}"
            );
        } else {
            self.tally.discarded += 1;
            assert_eq!(
                comment, interrupted,
                "backup {bid} is not listed; its operation: {p}"
            );
        }
        assert_eq!(
            self.db_state(),
            "running",
            "a crash during a backup leaves the database running"
        );
    }

    /// Deletes one listed backup (its dependants stay listed, `usable: false`), and now and
    /// then removes the unusable ones.
    fn delete_some(&mut self) {
        let list = self.list();
        if list.is_empty() {
            return;
        }
        let victim = list[self.rng.below(list.len() as u64) as usize].clone();
        self.deleted.insert(victim.bid);
        self.client().ok(
            "db_backups_delete",
            json!({ "db_name": DB, "backup_list": [victim.id] }),
        );
        let list = self.check_catalogue();
        assert!(
            list.iter().all(|b| b.bid != victim.bid),
            "deleted backup {} is still listed",
            victim.id
        );
        let unusable = list.iter().filter(|b| !b.usable).count();
        eprintln!(
            "deleted bid {} (level {}): {unusable} backup(s) now unusable",
            victim.bid, victim.level
        );
        if unusable > 0 && self.rng.below(2) == 0 {
            self.deleted
                .extend(list.iter().filter(|b| !b.usable).map(|b| b.bid));
            self.client()
                .ok("db_backup_delete_unusable", json!({ "db_name": DB }));
            let list = self.check_catalogue();
            assert!(
                list.iter().all(|b| b.usable),
                "unusable backups listed after db_backup_delete_unusable"
            );
        }
    }

    /// Stop the database, restore a usable backup, SIGKILL during the restore, restart:
    /// the database must refuse to start until a restore succeeds.
    fn restore_round(&mut self) {
        let usable: Vec<Listed> = self.list().into_iter().filter(|b| b.usable).collect();
        let b = usable[self.rng.below(usable.len() as u64) as usize].clone();
        self.client().ok("db_stop", json!({ "db_name": DB }));
        let delay = Duration::from_millis(self.rng.below(self.restore_ms.max(1)));
        let t0 = Instant::now();
        self.client().ok(
            "db_restore",
            json!({ "db_name": DB, "backup_id": b.id, "restore_type": "blocking" }),
        );
        std::thread::sleep(delay.saturating_sub(t0.elapsed()));
        let p = self.progress();
        eprintln!(
            "restore of bid {} killed {} ms after start: {} {}",
            b.bid,
            t0.elapsed().as_millis(),
            p["Comment"],
            p["Phase"]
        );
        self.kill_and_restart();

        self.check_catalogue();
        let p = self.progress();
        let comment = p["Comment"].as_str().unwrap_or_default().to_owned();
        assert_eq!(
            p["Type"], "Restore",
            "the last operation is the restore: {p}"
        );
        if comment == "Restore has been successfully finished" {
            self.tally.restore_kills_too_late += 1;
            assert_eq!(self.db_state(), "running");
            self.compare(&b);
            return;
        }
        self.tally.restore_kills_midway += 1;
        assert_eq!(
            comment, "Restore failed: interrupted by daemon restart",
            "the interrupted restore: {p}"
        );
        assert_eq!(
            self.db_state(),
            "setup",
            "an interrupted restore leaves the database stopped"
        );
        let refused = self.client().call("db_start", json!({ "db_name": DB }));
        assert_eq!(
            refused["result_name"], "WRONG_STATE",
            "db_start after an interrupted restore: {refused}"
        );
        assert!(
            refused["result_desc"]
                .as_str()
                .unwrap_or_default()
                .contains("incomplete"),
            "db_start names the incomplete data: {refused}"
        );
        // Still refused after another restart: the flag is durable.
        self.daemon.take().expect("daemon running").sigkill();
        self.start();
        let refused = self.client().call("db_start", json!({ "db_name": DB }));
        assert_eq!(refused["result_name"], "WRONG_STATE", "{refused}");
        // Any usable backup will do; then the database starts normally again.
        let again = usable[self.rng.below(usable.len() as u64) as usize].clone();
        self.restore_and_compare(&again);
        self.client().ok("db_stop", json!({ "db_name": DB }));
        self.client().ok("db_start", json!({ "db_name": DB }));
    }

    /// Restores every listed usable backup (only those not compared yet unless `all`).
    fn restore_all_usable(&mut self, all: bool) {
        let usable: Vec<Listed> = self.list().into_iter().filter(|b| b.usable).collect();
        for b in usable {
            if all || !self.verified.contains(&b.bid) {
                self.restore_and_compare(&b);
            }
        }
    }

    fn restore_and_compare(&mut self, b: &Listed) {
        if self.db_state() == "running" {
            self.client().ok("db_stop", json!({ "db_name": DB }));
        }
        let t0 = Instant::now();
        self.client().ok(
            "db_restore",
            json!({ "db_name": DB, "backup_id": b.id, "restore_type": "blocking" }),
        );
        let deadline = t0 + PATIENCE;
        loop {
            let p = self.progress();
            let comment = p["Comment"].as_str().unwrap_or_default();
            if comment == "Restore has been successfully finished" {
                break;
            }
            assert!(
                comment.starts_with("Restore is")
                    || comment.starts_with("Restore has been started"),
                "restore of {}: {p}",
                b.id
            );
            assert!(Instant::now() < deadline, "restore of {} hangs: {p}", b.id);
            std::thread::sleep(Duration::from_millis(20));
        }
        let ms = t0.elapsed().as_millis() as u64;
        self.restore_ms = if self.restore_ms == 0 {
            ms
        } else {
            (self.restore_ms + ms) / 2
        };
        assert_eq!(
            self.db_state(),
            "running",
            "a successful restore leaves the database running"
        );
        self.compare(b);
    }

    fn compare(&mut self, b: &Listed) {
        let expected = self
            .hashes
            .get(&b.bid)
            .unwrap_or_else(|| panic!("no hash recorded for listed backup {}", b.id));
        let actual = tree_hash(&self.data());
        assert_eq!(
            &actual, expected,
            "restore of {} (level {}) differs from the data at backup time",
            b.id, b.level
        );
        eprintln!("restored bid {} (level {}): equal", b.bid, b.level);
        self.verified.insert(b.bid);
        self.tally.restores_compared += 1;
    }

    /// The catalogue and the volumes agree, and recovery left nothing behind.
    fn check_catalogue(&mut self) -> Vec<Listed> {
        let list = self.list();
        let by_bid: BTreeMap<u64, &Listed> = list.iter().map(|b| (b.bid, b)).collect();
        assert_eq!(by_bid.len(), list.len(), "a bid is listed twice: {list:?}");
        for b in &list {
            assert!(
                self.hashes.contains_key(&b.bid),
                "listed backup {} was never started by this test",
                b.id
            );
            assert_eq!(
                b.path,
                format!("{}/node_0/backup_{}", b.prefix(), b.ts),
                "path of {b:?}"
            );
            assert!(b.id.ends_with(&format!(" {} {DB}", b.path)), "id of {b:?}");
            let dir = self.volume_dir(&b.volume).join(b.prefix());
            assert!(
                dir.join(format!("status_{}", b.ts)).is_file(),
                "listed backup {} has no status marker",
                b.id
            );
            for k in 0..NODES {
                for object in ["backup", "metadata"] {
                    let path = dir.join(format!("node_{k}/{object}_{}", b.ts));
                    assert!(
                        path.is_file(),
                        "listed backup {} lacks {}",
                        b.id,
                        path.display()
                    );
                }
            }
            // The chain down to level 0: every base listed, one level lower, same volume.
            let mut chain_complete = true;
            let mut cur = b;
            while cur.level > 0 {
                match cur.base.and_then(|base| by_bid.get(&base)) {
                    Some(base) if base.level + 1 == cur.level && base.volume == cur.volume => {
                        cur = base;
                    }
                    _ => {
                        chain_complete = false;
                        break;
                    }
                }
            }
            assert_eq!(
                b.usable,
                chain_complete,
                "backup {} is listed usable: {} but its chain is {}complete",
                b.id,
                b.usable,
                if chain_complete { "" } else { "in" }
            );
        }
        for (name, _) in VOLUMES {
            self.check_volume(name, &list);
        }
        let now: BTreeSet<u64> = list.iter().map(|b| b.bid).collect();
        for gone in self.listed.difference(&now) {
            assert!(
                self.deleted.contains(gone) || self.expiring.contains(gone),
                "backup {gone} was listed, neither deleted nor expiring, and is gone"
            );
            if !self.deleted.contains(gone) {
                self.tally.expired_removed += 1;
            }
        }
        self.listed = now;
        list
    }

    fn volume_dir(&self, name: &str) -> PathBuf {
        let (_, rel) = VOLUMES
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("unknown volume {name}"));
        self.state().join(rel)
    }

    /// No `.partial` file, no backup directory without its status marker, and every
    /// status marker listed.
    fn check_volume(&self, name: &str, list: &[Listed]) {
        let root = self.volume_dir(name);
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).expect("volume readable") {
                let path = entry.expect("dir entry").path();
                let rel = path.strip_prefix(&root).expect("inside").to_string_lossy();
                assert!(
                    !rel.ends_with(".partial"),
                    "leftover incomplete write on {name}: {rel}"
                );
                if path.is_dir() {
                    stack.push(path.clone());
                }
            }
        }
        let db_dir = root.join(DB);
        let Ok(ids) = fs::read_dir(&db_dir) else {
            return;
        };
        for id in ids {
            let id = id.expect("dir entry").path();
            let bid: u64 = id
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_prefix("id_"))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("unexpected entry {} on {name}", id.display()));
            let levels: Vec<PathBuf> = fs::read_dir(&id)
                .expect("readable")
                .map(|e| e.expect("dir entry").path())
                .collect();
            assert!(
                !levels.is_empty(),
                "leftover empty directory {} on {name} (of an uncommitted backup)",
                id.display()
            );
            for level_dir in levels {
                let level = level_dir
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_prefix("level_"))
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or_else(|| {
                        panic!("unexpected entry {} on {name}", level_dir.display())
                    });
                let has_marker = fs::read_dir(&level_dir)
                    .expect("readable")
                    .filter_map(Result::ok)
                    .any(|e| e.file_name().to_string_lossy().starts_with("status_"));
                let contents: Vec<String> = regular_files(&level_dir)
                    .iter()
                    .map(|p| p.strip_prefix(&root).unwrap().display().to_string())
                    .collect();
                assert!(
                    has_marker,
                    "leftover directory of uncommitted backup {DB}/id_{bid}/level_{level} on {name} (no status marker; files: {contents:?})"
                );
                assert!(
                    list.iter()
                        .any(|b| b.bid == bid && b.level == level && b.volume == name),
                    "committed backup {DB}/id_{bid}/level_{level} on {name} is not listed"
                );
            }
        }
    }
}

#[test]
fn sigkill_during_backups_and_restores_leaves_a_consistent_restorable_catalogue() {
    let seed = seed();
    eprintln!("crash test: CONFD_CRASH_SEED={seed}");
    set_context(format!("CONFD_CRASH_SEED={seed} start-up"));
    install_failure_report();
    let root = tempfile::Builder::new()
        .prefix("confd-crash-")
        .tempdir()
        .expect("temp dir");
    let mut test = Crash {
        seed,
        rng: Rng::new(seed),
        root,
        daemon: None,
        starts: 0,
        hashes: BTreeMap::new(),
        verified: BTreeSet::new(),
        expiring: BTreeSet::new(),
        deleted: BTreeSet::new(),
        listed: BTreeSet::new(),
        restore_ms: 300,
        serial: 0,
        tally: Tally::default(),
    };
    test.run();
}
