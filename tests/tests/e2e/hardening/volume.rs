//! What the fault tests share: volumes on their own tmpfs (so a test can make one full
//! or read-only), and the check that a failed operation left nothing partial on a volume.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs mounted on a temporary directory, unmounted on drop. Tests run as root in CI,
/// where `chmod` does not stop writes, so read-only and full volumes are real mounts.
pub struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (e.g. `64m`); fails the test, saying why, where mounting
    /// is not allowed.
    pub fn mount(size: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("confd-hardening-")
            .tempdir()
            .expect("temp dir");
        mount_cmd(
            &[
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ],
            dir.path(),
        );
        Tmpfs { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    pub fn remount(&self, mode: &str) {
        mount_cmd(&["-o", &format!("remount,{mode}")], self.path());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        // Lazy: a daemon that still holds a file there must not keep the mount alive.
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn mount_cmd(args: &[&str], target: &Path) {
    let out = Command::new("mount").args(args).arg(target).output();
    match out {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "this fault test needs a real read-only or full volume, so it mounts a tmpfs \
             (root with CAP_SYS_ADMIN, as in CI); `mount {} {}` failed here: {}",
            args.join(" "),
            target.display(),
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!("this fault test needs `mount` (util-linux) to make a tmpfs volume: {e}"),
    }
}

/// Fills the file system holding `dir` to the last byte with one file.
pub fn fill(dir: &Path) -> PathBuf {
    use std::io::Write as _;
    let path = dir.join("filler");
    let mut f = fs::File::create(&path).expect("filler");
    let block = vec![0x5au8; 1 << 16];
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => panic!("filling {}: {e}", dir.display()),
        }
    }
    // The last partial block, byte by byte, so not even a small object fits.
    while f.write(&[0]).is_ok_and(|n| n == 1) {}
    path
}

/// No `*.partial` file anywhere under `root`, and no backup level directory
/// (`<db>/id_<bid>/level_<n>`) of a bid outside `committed`; a bid's `claim` stays by design.
pub fn assert_nothing_partial(root: &Path, committed: &[u64]) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let path = entry.path();
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            assert!(!rel.ends_with(".partial"), "incomplete write left: {rel}");
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(bid) = name.strip_prefix("id_").and_then(|b| b.parse::<u64>().ok()) {
                let levels: Vec<String> = fs::read_dir(&path)
                    .into_iter()
                    .flatten()
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n != "claim")
                    .collect();
                assert!(
                    committed.contains(&bid) || levels.is_empty(),
                    "objects of the failed backup {rel} left: {:?}",
                    tree(&path)
                );
            }
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
}

/// Every path under `dir`, relative to it (directories end in `/`).
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let path = e.path();
            let rel = path
                .strip_prefix(dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            if path.is_dir() {
                out.push(format!("{rel}/"));
                stack.push(path);
            } else {
                out.push(rel);
            }
        }
    }
    out.sort();
    out
}
