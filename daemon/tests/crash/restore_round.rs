//! The restore scenario: a restore killed midway leaves a database that refuses to start
//! until a restore succeeds; and the restores that compare usable backups byte for byte.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::Listed;
use crate::tree_hash::tree_hash;
use crate::{Crash, DB, PATIENCE};

impl Crash {
    /// Stop the database, restore a usable backup, SIGKILL during the restore, restart:
    /// the database must refuse to start until a restore succeeds.
    pub(super) fn restore_round(&mut self) {
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
    pub(super) fn restore_all_usable(&mut self, all: bool) {
        let usable: Vec<Listed> = self.list().into_iter().filter(|b| b.usable).collect();
        for b in usable {
            if all || !self.verified.contains(&b.bid) {
                self.restore_and_compare(&b);
            }
        }
    }

    pub(super) fn restore_and_compare(&mut self, b: &Listed) {
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

    pub(super) fn compare(&mut self, b: &Listed) {
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
}
