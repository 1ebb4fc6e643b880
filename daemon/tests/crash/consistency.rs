//! What start-up recovery must leave behind after every kill: the catalogue and the
//! volumes agree, and nothing half written remains.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

use crate::data::regular_files;
use crate::support::Listed;
use crate::{Crash, DB, NODES, VOLUMES};

impl Crash {
    /// The catalogue and the volumes agree, and recovery left nothing behind.
    pub(super) fn check_catalogue(&mut self) -> Vec<Listed> {
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

    pub(super) fn volume_dir(&self, name: &str) -> PathBuf {
        let (_, rel) = VOLUMES
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("unknown volume {name}"));
        self.state().join(rel)
    }

    /// No `.partial` file, no backup directory without its status marker, and every
    /// status marker listed.
    pub(super) fn check_volume(&self, name: &str, list: &[Listed]) {
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
            let entries: Vec<PathBuf> = fs::read_dir(&id)
                .expect("readable")
                .map(|e| e.expect("dir entry").path())
                .collect();
            // The bid's claim stays by design (a bid is never reused), also when recovery
            // removed the uncommitted backup it was claimed for.
            let claimed = entries
                .iter()
                .any(|p| p.file_name() == Some("claim".as_ref()));
            let levels: Vec<PathBuf> = entries
                .into_iter()
                .filter(|p| p.file_name() != Some("claim".as_ref()))
                .collect();
            assert!(
                claimed || !levels.is_empty(),
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
