//! Changes to the database's files between rounds, so that incrementals have something
//! to store.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use confd_storage::datagen::Rng;

use crate::NODES;

/// Regular files under `dir`, sorted (so a seed picks the same ones).
pub(crate) fn regular_files(dir: &Path) -> Vec<PathBuf> {
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
pub(crate) fn change_some_files(rng: &mut Rng, data: &Path, serial: &mut u64) -> Vec<String> {
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
