//! File-system helpers of [`LocalVolume`](super::LocalVolume): blocking work off the async
//! threads, directory fsyncs, `mkdir -p` with durable entries, pruning of empty directories,
//! and the recursive walk that lists objects and `.partial` files.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use super::key::PARTIAL_SUFFIX;
use super::{VolumeError, VolumeResult};

pub(super) fn io_err(
    op: &'static str,
    path: &Path,
) -> impl FnOnce(io::Error) -> VolumeError + use<> {
    let path = path.to_path_buf();
    move |source| VolumeError::Io { op, path, source }
}

/// Runs blocking file-system work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> VolumeResult<T> + Send + 'static,
) -> VolumeResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| VolumeError::Task(e.to_string()))?
}

pub(super) fn partial_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(PARTIAL_SUFFIX);
    PathBuf::from(s)
}

/// Makes `target` name the (synced) file `partial` unless `target` exists: a hard link,
/// which, unlike `rename`, never replaces. The caller removes `partial` afterwards.
pub(super) fn link_new(partial: &Path, target: &Path, key: &str, volume: &str) -> VolumeResult<()> {
    match fs::hard_link(partial, target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(VolumeError::AlreadyExists {
            key: key.to_owned(),
            volume: volume.to_owned(),
        }),
        Err(e) => Err(io_err("link", partial)(e)),
    }
}

pub(super) fn fsync_dir(dir: &Path) -> VolumeResult<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("fsync directory", dir))
}

/// `mkdir -p` that fsyncs the parent of every directory it creates (a new directory entry is
/// only durable once its parent is synced) and retries when a concurrent delete prunes an
/// empty parent between two steps.
pub(super) fn create_dirs(root: &Path, dir: &Path) -> VolumeResult<()> {
    for attempt in 0..5 {
        let mut missing = Vec::new();
        let mut cur = dir;
        while cur != root && !cur.is_dir() {
            missing.push(cur);
            match cur.parent() {
                Some(p) => cur = p,
                None => break,
            }
        }
        let mut raced = false;
        for d in missing.iter().rev() {
            match fs::create_dir(d) {
                Ok(()) => {
                    if let Some(parent) = d.parent() {
                        fsync_dir(parent)?;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempt < 4 => {
                    raced = true;
                    break;
                }
                Err(e) => return Err(io_err("create directory", d)(e)),
            }
        }
        if !raced {
            return Ok(());
        }
    }
    Ok(())
}

/// Removes empty directories from `dir` up to (not including) `root`.
pub(super) fn prune_empty_dirs(root: &Path, dir: &Path) {
    let mut cur = dir;
    while cur != root && cur.starts_with(root) {
        if fs::remove_dir(cur).is_err() {
            break;
        }
        match cur.parent() {
            Some(p) => cur = p,
            None => break,
        }
    }
}

/// Removes every empty directory under `dir`, deepest first, then `dir` itself if it ends
/// up empty. A directory that still holds something stays; errors only mean that.
pub(super) fn remove_empty_tree(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                remove_empty_tree(&entry.path());
            }
        }
    }
    let _ = fs::remove_dir(dir);
}

/// Directories under `dir` shaped like the backup layout below depth `depth`:
/// `id_*` at depth 2, `level_*` at 3, `node_*` at 4 (depth 1 is any database name).
pub(super) fn collect_layout_dirs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    const SHAPES: [&str; 4] = ["", "id_", "level_", "node_"];
    let Some(shape) = SHAPES.get(depth - 1) else {
        return;
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let name = entry.file_name();
        if is_dir && name.to_string_lossy().starts_with(shape) {
            let path = entry.path();
            if depth > 1 {
                out.push(path.clone());
            }
            collect_layout_dirs(&path, depth + 1, out);
        }
    }
}

/// Walks `dir` recursively; calls `f(relative key, path, is_partial, size)` for each file.
pub(super) fn walk(
    dir: &Path,
    rel: &str,
    f: &mut dyn FnMut(&str, &Path, bool, u64) -> VolumeResult<()>,
) -> VolumeResult<()> {
    let rd = match fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err("list", dir)(e)),
    };
    for ent in rd {
        let ent = ent.map_err(io_err("list", dir))?;
        let Ok(name) = ent.file_name().into_string() else {
            continue; // not a key this volume could have written
        };
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let path = ent.path();
        let meta = ent.metadata().map_err(io_err("stat", &path))?;
        if meta.is_dir() {
            walk(&path, &child_rel, f)?;
        } else if meta.is_file() {
            match child_rel.strip_suffix(PARTIAL_SUFFIX) {
                Some(base) => f(base, &path, true, meta.len())?,
                None => f(&child_rel, &path, false, meta.len())?,
            }
        }
    }
    Ok(())
}
