//! `restore`: make node directories equal to a committed backup.
//!
//! The manifest of the newest backup of the chain is complete (every entry, with refs into
//! any backup of the chain), so a restore reads only that manifest and the data objects it
//! points into. Order per node, and why:
//! 1. Read: remove entries that are not in the backup or have another kind (so nothing
//!    stale survives), create the directories (parents first).
//! 2. Write: file contents through the verifying pipeline, then symlinks.
//! 3. Verify: directory modes and mtimes last, deepest first, because creating and
//!    removing children changes a directory's mtime and a read-only mode would stop us
//!    writing into it.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::error::{EngineError, EngineResult};
use super::load::load_manifests;
use super::pipeline::pipeline_threads;
use super::progress::{Phase, Progress};
use super::restore_files::write_files;
use super::tree::scan;
use crate::archive::{EntryKind, Manifest, StatusMarker, layout};
use crate::volume::{ArchiveVolume, ObjectKey};

/// Outcome of a successful restore.
#[derive(Debug, Clone, Default)]
pub struct RestoreSummary {
    /// Regular files written.
    pub files: u64,
    /// Directories in the restored trees (node directories included).
    pub dirs: u64,
    /// Symlinks created.
    pub symlinks: u64,
    /// Bytes of file content written (and verified).
    pub bytes: u64,
    /// Entries that were in the target but not in the backup, removed.
    pub removed: u64,
    /// Wall time.
    pub elapsed: Duration,
}

fn check_chain(chain: &[StatusMarker], targets: &[PathBuf]) -> EngineResult<()> {
    let Some(top) = chain.last() else {
        return Err(EngineError::Invalid(
            "restore needs at least one backup".into(),
        ));
    };
    for (i, m) in chain.iter().enumerate() {
        let expected_base = i.checked_sub(1).map(|j| chain[j].backup_ref());
        if usize::from(m.level) != i
            || m.base != expected_base
            || m.db != top.db
            || m.nodes != top.nodes
        {
            return Err(EngineError::MissingBase {
                detail: format!(
                    "the chain of {} is incomplete at level {i}",
                    layout::backup_dir(&top.db, top.bid, top.level)
                ),
            });
        }
    }
    if targets.len() != top.nodes {
        return Err(EngineError::Invalid(format!(
            "backup has {} nodes, {} target directories given",
            top.nodes,
            targets.len()
        )));
    }
    Ok(())
}

/// Restores the newest backup of `chain` (level 0 first, as [`load_chain`] returns it)
/// into `targets` (node `k` into `targets[k]`), verifying every chunk.
///
/// A failure or cancellation leaves the targets partly restored; the caller must treat
/// them as incomplete until a restore succeeds.
///
/// [`load_chain`]: super::load_chain
pub async fn restore(
    volume: &dyn ArchiveVolume,
    chain: &[StatusMarker],
    targets: &[PathBuf],
    progress: &Arc<Progress>,
    cancel: &CancellationToken,
) -> EngineResult<RestoreSummary> {
    let started = Instant::now();
    check_chain(chain, targets)?;
    progress.set_phase(Phase::Read).await;
    let mut data_keys = HashMap::new();
    for m in chain {
        let keys = m
            .keys()
            .ok_or_else(|| EngineError::Invalid(format!("bad db name or ts in marker {}", m.ts)))?;
        data_keys.insert((m.bid, m.level), keys);
    }
    let top = &chain[chain.len() - 1];
    let manifests: Vec<Arc<Manifest>> = load_manifests(volume, top)
        .await?
        .into_iter()
        .map(Arc::new)
        .collect();
    let mut summary = RestoreSummary::default();
    for m in &manifests {
        for e in &m.entries {
            match e.kind {
                EntryKind::File => summary.files += 1,
                EntryKind::Dir => summary.dirs += 1,
                EntryKind::Symlink => summary.symlinks += 1,
            }
        }
    }
    let bytes_total = manifests.iter().map(|m| m.file_bytes()).sum();
    progress.set_totals(bytes_total, summary.files);
    // Every node at once: removing and creating directories is a system call each, and
    // the nodes' trees are independent.
    let prepared = manifests.iter().zip(targets).map(|(m, dir)| {
        let (m, dir, token) = (Arc::clone(m), dir.clone(), cancel.clone());
        tokio::task::spawn_blocking(move || prepare(&m, &dir, &token))
    });
    for removed in futures::future::join_all(prepared).await {
        summary.removed +=
            removed.map_err(|e| EngineError::Internal(format!("prepare task: {e}")))??;
    }

    progress.set_phase(Phase::Write).await;
    let workers = pipeline_threads();
    let mut written = Vec::with_capacity(manifests.len());
    for (k, (m, dir)) in manifests.into_iter().zip(targets).enumerate() {
        let keys: HashMap<(u64, u8), ObjectKey> = data_keys
            .iter()
            .map(|(id, keys)| Ok((*id, keys.data(k)?)))
            .collect::<EngineResult<_>>()?;
        summary.bytes += write_files(
            volume,
            Arc::clone(&m),
            dir.clone(),
            &keys,
            workers,
            progress,
            cancel,
        )
        .await?;
        written.push((m, dir.clone()));
    }
    // Metadata and durability once every node is written, so the kernel writes one node
    // back while the next is being filled.
    let token = cancel.clone();
    tokio::task::spawn_blocking(move || finish_nodes(&written, &token))
        .await
        .map_err(|e| EngineError::Internal(format!("metadata task: {e}")))??;
    progress.set_phase(Phase::Verify).await;
    progress.finish().await;
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn remove_any(path: &Path, is_dir: bool) -> io::Result<()> {
    let r = if is_dir {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
    match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Step 1: remove what does not belong and every file to be rewritten, create
/// directories (writable for now). The write phase then creates each file new: a fresh
/// inode (an existing read-only file or a hard link to something else must not be
/// written through), and no removal to try for each file of an empty target.
fn prepare(m: &Manifest, dir: &Path, cancel: &CancellationToken) -> EngineResult<u64> {
    fs::create_dir_all(dir).map_err(EngineError::io(dir))?;
    let wanted: HashMap<&[u8], EntryKind> = m
        .entries
        .iter()
        .map(|e| (e.path.as_slice(), e.kind))
        .collect();
    let mut removed = 0;
    let mut gone: HashSet<Vec<u8>> = HashSet::new();
    let mut rewritten = Vec::new();
    for e in scan(dir, cancel)?.into_iter().skip(1) {
        // Children of a directory removed as a whole need no second look.
        let inside_gone = e
            .path
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'/' && gone.contains(&e.path[..i]));
        if inside_gone {
            continue;
        }
        let path = dir.join(e.rel_path());
        match (wanted.get(e.path.as_slice()), e.kind) {
            (Some(EntryKind::Dir), EntryKind::Dir) => continue,
            // Removed once its directory is writable (below).
            (Some(EntryKind::File), EntryKind::File) => {
                rewritten.push(path);
                continue;
            }
            // Symlinks are always recreated.
            _ => {}
        }
        remove_any(&path, e.kind == EntryKind::Dir).map_err(EngineError::io(&path))?;
        if e.kind == EntryKind::Dir {
            gone.insert(e.path.clone());
        }
        removed += u64::from(!wanted.contains_key(e.path.as_slice()));
    }
    for e in m.entries.iter().filter(|e| e.kind == EntryKind::Dir) {
        let path = dir.join(e.rel_path());
        // Writable while we fill it (a umask never takes the owner's bits); the real mode
        // is applied in `finish_node`. Only a directory that was there needs a chmod.
        match fs::DirBuilder::new().mode(e.mode | 0o700).create(&path) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                fs::set_permissions(&path, Permissions::from_mode(e.mode | 0o700))
                    .map_err(EngineError::io(&path))?;
            }
            Err(err) => return Err(EngineError::io(&path)(err)),
        }
    }
    for path in rewritten {
        remove_any(&path, false).map_err(EngineError::io(&path))?;
    }
    Ok(removed)
}

fn timespec(ns: i64) -> rustix::fs::Timespec {
    rustix::fs::Timespec {
        tv_sec: ns.div_euclid(1_000_000_000),
        tv_nsec: ns.rem_euclid(1_000_000_000),
    }
}

/// Sets the mtime of the directory `path` and leaves its atime, by path (opening it first
/// would cost one more system call per directory).
fn set_mtime(path: &Path, ns: i64) -> io::Result<()> {
    let times = rustix::fs::Timestamps {
        last_access: rustix::fs::Timespec {
            tv_sec: 0,
            tv_nsec: rustix::fs::UTIME_OMIT,
        },
        last_modification: timespec(ns),
    };
    rustix::fs::utimensat(rustix::fs::CWD, path, &times, rustix::fs::AtFlags::empty())
        .map_err(io::Error::from)
}

/// Sets both times of the symlink `path` itself (not of its target).
fn set_symlink_times(path: &Path, ns: i64) -> io::Result<()> {
    let times = rustix::fs::Timestamps {
        last_access: timespec(ns),
        last_modification: timespec(ns),
    };
    let flags = rustix::fs::AtFlags::SYMLINK_NOFOLLOW;
    rustix::fs::utimensat(rustix::fs::CWD, path, &times, flags).map_err(io::Error::from)
}

/// Steps 2b and 3 of every node, then the whole restore is made durable.
fn finish_nodes(
    nodes: &[(Arc<Manifest>, PathBuf)],
    cancel: &CancellationToken,
) -> EngineResult<()> {
    let mut handles = Vec::with_capacity(nodes.len());
    for (m, dir) in nodes {
        handles.push((finish_node(m, dir, cancel)?, dir));
    }
    sync_trees(&handles)
}

/// Symlinks, then directory modes and mtimes, deepest first. Returns the node directory,
/// opened while still ours to open (its restored mode may forbid it).
fn finish_node(m: &Manifest, dir: &Path, cancel: &CancellationToken) -> EngineResult<File> {
    for e in m.entries.iter().filter(|e| e.kind == EntryKind::Symlink) {
        if cancel.is_cancelled() {
            return Err(EngineError::Aborted);
        }
        let path = dir.join(e.rel_path());
        let target = e.target_path().ok_or_else(|| EngineError::Corrupt {
            file: path.display().to_string(),
            detail: "symlink without target in manifest".into(),
        })?;
        std::os::unix::fs::symlink(target, &path).map_err(EngineError::io(&path))?;
        set_symlink_times(&path, e.mtime_ns).map_err(EngineError::io(&path))?;
    }
    let mut dirs: Vec<_> = m
        .entries
        .iter()
        .filter(|e| e.kind == EntryKind::Dir)
        .collect();
    dirs.sort_by_key(|e| {
        std::cmp::Reverse(
            e.path.iter().filter(|&&b| b == b'/').count() + usize::from(!e.path.is_empty()),
        )
    });
    let node = File::open(dir).map_err(EngineError::io(dir))?;
    for e in dirs {
        let path = dir.join(e.rel_path());
        fs::set_permissions(&path, Permissions::from_mode(e.mode))
            .map_err(EngineError::io(&path))?;
        set_mtime(&path, e.mtime_ns).map_err(EngineError::io(&path))?;
    }
    Ok(node)
}

/// Makes everything the restore wrote durable before it is reported done (and the
/// database may start): one `syncfs` per file system commits every file's data and every
/// directory entry and inode at once. An fsync per file, as before, cost one journal
/// commit each: most of a restore of many small files.
fn sync_trees(nodes: &[(File, &PathBuf)]) -> EngineResult<()> {
    let mut synced = HashSet::new();
    for (handle, dir) in nodes {
        let dev = handle.metadata().map_err(EngineError::io(*dir))?.dev();
        if synced.insert(dev) {
            rustix::fs::syncfs(handle).map_err(|e| EngineError::io(*dir)(e.into()))?;
        }
    }
    Ok(())
}
