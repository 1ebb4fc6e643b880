//! Faults, each landing while a backup is held at a pause point: the archive volume turns
//! read-only, fills up or disappears, or a data file of the database is removed or
//! truncated. Each time the backup fails with a comment naming the cause, nothing partial
//! is listed or left on the volume, the earlier backup still restores byte for byte, and
//! the next backup to a healthy volume succeeds.

use std::fs;
use std::path::{Path, PathBuf};

use confd_tests::{Pause, PausePoint, Phase, TestDaemon, stdout_ok, tree_hash};

use super::figure;
use super::volume::{Tmpfs, assert_nothing_partial, fill};

const DB: &str = "MY_DATABASE";

/// One fault scenario on a fresh daemon with one good backup on `r0001`.
struct Scenario {
    d: TestDaemon,
    earlier: String,
    earlier_hash: String,
}

impl Scenario {
    fn new() -> Self {
        let d = TestDaemon::start();
        let earlier = stdout_ok(&d.python(
            "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)\n\
             assert wait('MY_DATABASE')['Comment'] == 'Backup has been successfully finished'\n\
             print(ids()[0])",
        ));
        let earlier_hash = tree_hash(&d.state_dir().join("databases").join(DB));
        Scenario {
            d,
            earlier: earlier.trim().to_owned(),
            earlier_hash,
        }
    }

    fn data(&self) -> PathBuf {
        self.d.state_dir().join("databases").join(DB)
    }

    /// Adds the file volume `faulty` at `dir`.
    fn add_volume(&self, url: &str) {
        stdout_ok(&self.d.python(&format!(
            "ok('remote_volume_add', vol_type='file', url='{url}', remote_volume_name='faulty')"
        )));
    }

    /// Starts a backup to `volume`, holds it at `point`, lets `fault` happen, releases it
    /// and returns the comment it ended with.
    fn backup_with_fault(&self, volume: &str, point: PausePoint, fault: impl FnOnce()) -> String {
        let gate = self.d.pause(Pause::backup(point).of_db(DB));
        stdout_ok(&self.d.python(&format!(
            "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='{volume}', level=0)"
        )));
        gate.wait_reached();
        fault();
        gate.release();
        stdout_ok(&self.d.python("print(wait('MY_DATABASE')['Comment'])"))
            .trim()
            .to_owned()
    }

    /// What must hold after the failed backup: only the earlier backup is listed (on any
    /// volume), `root` holds nothing of the failed one, the earlier backup restores byte
    /// for byte, and a new backup to `r0001` succeeds.
    fn check_aftermath(&self, comment: &str, causes: &[&str], root: Option<&Path>) {
        assert!(
            comment.starts_with("Backup failed") && causes.iter().all(|c| comment.contains(c)),
            "the comment names the cause ({causes:?}): {comment}"
        );
        let listed = stdout_ok(&self.d.python(
            "print(ids(), [b['id'] for b in ok('db_backup_list', db_name='MY_DATABASE', show_foreign=True)])",
        ));
        let earlier = &self.earlier;
        assert_eq!(
            listed.trim(),
            format!("['{earlier}'] ['{earlier}']"),
            "nothing partial is listed"
        );
        if let Some(root) = root {
            assert_nothing_partial(root, &[]);
        }
        assert_nothing_partial(&self.d.state_dir().join("remote/r0001"), &[1]);
        stdout_ok(&self.d.python(&format!(
            "ok('db_stop', db_name='MY_DATABASE')\n\
             ok('db_restore', db_name='MY_DATABASE', backup_id='{earlier}', restore_type='blocking')\n\
             assert wait('MY_DATABASE')['Comment'] == 'Restore has been successfully finished'"
        )));
        assert_eq!(
            tree_hash(&self.data()),
            self.earlier_hash,
            "the earlier backup restores"
        );
        let next = stdout_ok(&self.d.python(
            "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)\n\
             print(wait('MY_DATABASE')['Comment'], len(ids()))",
        ));
        assert_eq!(next, "Backup has been successfully finished 2\n");
        figure(&format!("figure fault survived: {comment}"));
    }
}

/// Nothing is open for writing when the write phase begins, so the remount cannot be busy.
const BEFORE_WRITES: PausePoint = PausePoint::Entering(Phase::Write);

#[test]
fn a_volume_turning_read_only_fails_the_backup_naming_it() {
    let s = Scenario::new();
    let volume = Tmpfs::mount("64m");
    s.add_volume(&volume.url());
    let comment = s.backup_with_fault("faulty", BEFORE_WRITES, || volume.remount("ro"));
    s.check_aftermath(&comment, &["Read-only file system"], Some(volume.path()));
}

#[test]
fn a_full_volume_fails_the_backup_naming_it() {
    let s = Scenario::new();
    let volume = Tmpfs::mount("16m");
    s.add_volume(&volume.url());
    let mut filler = None;
    let comment = s.backup_with_fault("faulty", BEFORE_WRITES, || {
        filler = Some(fill(volume.path()));
    });
    fs::remove_file(filler.expect("filled")).unwrap();
    s.check_aftermath(&comment, &["No space left on device"], Some(volume.path()));
}

#[test]
fn a_volume_directory_removed_mid_backup_fails_the_backup_naming_it() {
    let s = Scenario::new();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("share");
    fs::create_dir(&root).unwrap();
    s.add_volume(&format!("file://{}", root.display()));
    // Data objects are open and being written when the directory goes.
    let comment = s.backup_with_fault("faulty", PausePoint::AfterChunks(2), || {
        fs::remove_dir_all(&root).unwrap();
    });
    s.check_aftermath(&comment, &[&root.display().to_string()], None);
    assert!(
        !root.exists(),
        "confd never recreates a file volume's directory"
    );
}

/// The largest regular file of node 0, which the backup has not read yet when held
/// before its writes.
fn largest_file(node: &Path) -> PathBuf {
    let mut best = (0, PathBuf::new());
    let mut stack = vec![node.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(dir).unwrap().filter_map(Result::ok) {
            let meta = fs::symlink_metadata(e.path()).unwrap();
            if meta.is_dir() {
                stack.push(e.path());
            } else if meta.is_file() && meta.len() > best.0 {
                best = (meta.len(), e.path());
            }
        }
    }
    best.1
}

#[test]
fn a_data_file_truncated_mid_backup_fails_the_backup_naming_it() {
    let s = Scenario::new();
    let victim = largest_file(&s.data().join("node_0"));
    let comment = s.backup_with_fault("ArchiveVolume1", BEFORE_WRITES, || {
        let f = fs::OpenOptions::new().write(true).open(&victim).unwrap();
        f.set_len(f.metadata().unwrap().len() / 2).unwrap();
    });
    let volume = s.d.state_dir().join("volumes/ArchiveVolume1");
    let name = victim.strip_prefix(s.data()).unwrap().display().to_string();
    s.check_aftermath(
        &comment,
        &["changed while it was being backed up", &name],
        Some(&volume),
    );
}

#[test]
fn a_data_file_removed_mid_backup_fails_the_backup_naming_it() {
    let s = Scenario::new();
    let victim = largest_file(&s.data().join("node_3"));
    let comment = s.backup_with_fault("ArchiveVolume1", BEFORE_WRITES, || {
        fs::remove_file(&victim).unwrap();
    });
    let volume = s.d.state_dir().join("volumes/ArchiveVolume1");
    let name = victim.strip_prefix(s.data()).unwrap().display().to_string();
    s.check_aftermath(
        &comment,
        &["changed while it was being backed up", &name],
        Some(&volume),
    );
}
