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
//!
//! Layout: [`support`] holds the failure report, the Python client and the daemon
//! process; [`data`] changes the database's files between rounds; one module per scenario
//! ([`backup_round`], [`restore_round`]) and the checks after every restart
//! ([`consistency`]).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup_round;
mod consistency;
mod data;
mod restore_round;
mod support;
#[path = "../../../tests/src/tree_hash.rs"]
mod tree_hash;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use confd_storage::datagen::Rng;
use serde_json::{Value, json};

use support::{Client, Daemon, Listed, install_failure_report, seed, set_context, start_daemon};

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
