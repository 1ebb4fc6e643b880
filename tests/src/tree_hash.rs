//! A hash of a directory tree for byte-for-byte restore checks. Std and blake3 only, so
//! the daemon's crash test can include this file with `#[path]` (a dev-dependency on this
//! crate would be a cycle).

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Everything a restore must reproduce under `dir`, as one hash: relative paths, kinds,
/// modes, mtimes (ns; directories too), file sizes and contents, symlink targets. Equal
/// hashes mean byte-for-byte equal trees.
pub fn tree_hash(dir: &Path) -> String {
    let mut entries = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("readable tree") {
            let path = entry.expect("dir entry").path();
            let meta = fs::symlink_metadata(&path).expect("metadata");
            if meta.is_dir() {
                stack.push(path.clone());
            }
            entries.push((path, meta));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hasher = blake3::Hasher::new();
    for (path, meta) in entries {
        let rel = path.strip_prefix(dir).expect("inside the tree");
        hasher.update(rel.as_os_str().as_encoded_bytes());
        hasher.update(b"\0");
        hasher.update(&meta.mode().to_le_bytes());
        hasher.update(&meta.mtime().to_le_bytes());
        hasher.update(&meta.mtime_nsec().to_le_bytes());
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).expect("link");
            hasher.update(target.as_os_str().as_encoded_bytes());
        } else if meta.is_file() {
            hasher.update(&meta.len().to_le_bytes());
            hasher.update(&fs::read(&path).expect("file"));
        }
        hasher.update(b"\0");
    }
    hasher.finalize().to_hex().to_string()
}
