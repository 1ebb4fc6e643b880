//! Walking a node directory into manifest entries (no chunks yet), and the helpers that turn
//! file metadata into entry fields and back.

use std::fs::{self, Metadata};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;

use super::error::{EngineError, EngineResult};
use crate::archive::{Entry, EntryKind};

/// Modification time of `meta` in nanoseconds since the epoch.
pub(crate) fn mtime_ns(meta: &Metadata) -> i64 {
    meta.mtime()
        .saturating_mul(1_000_000_000)
        .saturating_add(meta.mtime_nsec())
}

/// The `SystemTime` of an entry's mtime.
pub(crate) fn system_time(ns: i64) -> SystemTime {
    let (secs, nanos) = (ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000));
    let base = if secs >= 0 {
        UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
    };
    base + Duration::from_nanos(nanos.unsigned_abs())
}

/// Whether a file still looks like it did when it was scanned (restic's change test).
pub(crate) fn same_file(entry: &Entry, meta: &Metadata) -> bool {
    meta.is_file()
        && meta.len() == entry.size
        && mtime_ns(meta) == entry.mtime_ns
        && meta.ino() == entry.inode
}

fn entry(path: Vec<u8>, kind: EntryKind, meta: &Metadata, target: Option<Vec<u8>>) -> Entry {
    Entry {
        path,
        kind,
        mode: meta.mode() & 0o7777,
        mtime_ns: mtime_ns(meta),
        size: if kind == EntryKind::File {
            meta.len()
        } else {
            0
        },
        inode: meta.ino(),
        target,
        chunks: Vec::new(),
    }
}

/// Every entry under `root`: the root itself first (empty path), then a depth-first walk
/// with names sorted bytewise, so parents always precede children. Symlinks are recorded,
/// never followed. Sockets, FIFOs and devices are not database data: they are skipped
/// with a warning.
pub(crate) fn scan(root: &Path, cancel: &CancellationToken) -> EngineResult<Vec<Entry>> {
    let meta = fs::metadata(root).map_err(EngineError::io(root))?;
    if !meta.is_dir() {
        return Err(EngineError::Invalid(format!(
            "node directory {} is not a directory",
            root.display()
        )));
    }
    let mut out = vec![entry(Vec::new(), EntryKind::Dir, &meta, None)];
    walk(root, &mut Vec::new(), &mut out, cancel)?;
    Ok(out)
}

fn walk(
    dir: &Path,
    rel: &mut Vec<u8>,
    out: &mut Vec<Entry>,
    cancel: &CancellationToken,
) -> EngineResult<()> {
    if cancel.is_cancelled() {
        return Err(EngineError::Aborted);
    }
    // The metadata of each entry through the open directory (like `symlink_metadata`,
    // symlinks not followed) rather than by full path: one path walk per directory, not
    // one per file.
    let mut children = Vec::new();
    for e in fs::read_dir(dir).map_err(EngineError::io(dir))? {
        let e = e.map_err(EngineError::io(dir))?;
        let meta = e.metadata().map_err(EngineError::io(e.path()))?;
        children.push((PathBuf::from(e.file_name()), meta));
    }
    children.sort_by(|a, b| a.0.as_os_str().as_bytes().cmp(b.0.as_os_str().as_bytes()));
    for (name, meta) in children {
        let path = dir.join(&name);
        let len = rel.len();
        if !rel.is_empty() {
            rel.push(b'/');
        }
        rel.extend_from_slice(name.as_os_str().as_bytes());
        let ft = meta.file_type();
        if ft.is_dir() {
            out.push(entry(rel.clone(), EntryKind::Dir, &meta, None));
            walk(&path, rel, out, cancel)?;
        } else if ft.is_file() {
            out.push(entry(rel.clone(), EntryKind::File, &meta, None));
        } else if ft.is_symlink() {
            let target = fs::read_link(&path).map_err(EngineError::io(&path))?;
            let target = target.as_os_str().as_bytes().to_vec();
            out.push(entry(rel.clone(), EntryKind::Symlink, &meta, Some(target)));
        } else {
            tracing::warn!(path = %path.display(), "skipping special file (socket, FIFO or device)");
        }
        rel.truncate(len);
    }
    Ok(())
}
