//! The backup scenario: change files, start a backup, SIGKILL the daemon at a random
//! moment, restart, check; now and then delete backups first.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::data::change_some_files;
use crate::support::{Listed, bid_of_name};
use crate::tree_hash::tree_hash;
use crate::{Crash, DB, DELETE_EVERY, PATIENCE, VOLUMES};

/// Where a backup round's kill landed.
struct KilledBackup {
    /// Learnt from the progress before the kill; `None` when the kill came right after
    /// `db_backup_start` answered.
    bid: Option<u64>,
    /// The phase the last progress call saw (`answered` for an immediate kill).
    phase: String,
    after_ms: u128,
}

impl Crash {
    /// Change files, start a backup, SIGKILL the daemon at a random moment, restart, check.
    pub(super) fn backup_round(&mut self, round: usize) {
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
        let (params, expire_soon) = self.backup_params(volume, level);
        let kill = self.start_backup_and_await_kill_moment(params);
        self.kill_and_restart();

        let p = self.progress();
        let last = p["Name"].as_str().and_then(bid_of_name);
        let bid = match kill.bid {
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
            "round {round}: level {level} bid {bid} on {volume}, killed {} ms after start, phase {}",
            kill.after_ms, kill.phase
        );
        assert!(
            self.hashes.insert(bid, hash).is_none(),
            "bid {bid} was used twice"
        );
        if expire_soon {
            self.expiring.insert(bid);
        }
        assert_eq!(last, Some(bid), "the last operation is backup {bid}: {p}");
        self.check_killed_backup(bid, &p);
    }

    /// `db_backup_start` parameters, and whether the backup expires during the test.
    fn backup_params(&mut self, volume: &str, level: u64) -> (Value, bool) {
        let mut params = json!({ "db_name": DB, "backup_volume_name": volume, "level": level });
        let expire_soon = self.rng.below(4) == 0;
        match self.rng.below(4) {
            // Expires during the test, so that the clean-up at the end of a later backup
            // on ArchiveVolume1 deletes it (unless a kept backup builds on it).
            _ if expire_soon => params["expire"] = json!(3),
            1 => params["expire"] = json!("1w"),
            _ => {}
        }
        (params, expire_soon)
    }

    /// Starts the backup and waits for the moment to kill it: after a random delay, at a
    /// chosen phase, or right after `db_backup_start` answered. The caller kills.
    fn start_backup_and_await_kill_moment(&mut self, params: Value) -> KilledBackup {
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
        let after_ms = t0.elapsed().as_millis();
        *self.tally.backup_kills.entry(phase.clone()).or_default() += 1;
        KilledBackup {
            bid,
            phase,
            after_ms,
        }
    }

    /// After the restart: a listed backup finished or was committed just before the kill;
    /// one not listed was interrupted. Either way the database still runs.
    fn check_killed_backup(&mut self, bid: u64, progress: &Value) {
        let list = self.check_catalogue();
        let listed = list.iter().any(|b| b.bid == bid);
        let comment = progress["Comment"].as_str().unwrap_or_default();
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
                "backup {bid} is not listed; its operation: {progress}"
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
    pub(super) fn delete_some(&mut self) {
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

    /// Level to take on `volume`: 0, or one above a level that has a usable backup there
    /// (up to 2).
    pub(super) fn pick_level(&mut self, list: &[Listed], volume: &str) -> u64 {
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
    pub(super) fn wait_for_phase(&mut self, bid: u64, phases: &[&str]) -> String {
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
}
