//! [`LocalVolume`]: an archive volume over a local directory (also `file://` remote volumes).
//!
//! Object `a/b/c` is the file `<root>/a/b/c`. Writes follow design section 4: the bytes go
//! to `<key>.partial`, which is fsynced, renamed onto the key, and then the directory is
//! fsynced so the rename itself survives a power loss. A reader therefore never sees a
//! half-written object, and a crash leaves at most a `.partial` file that
//! [`ArchiveVolume::list_incomplete`] reports.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;

use super::key::PARTIAL_SUFFIX;
use super::{
    ArchiveVolume, ObjectKey, ObjectMeta, ObjectWriter, Prefix, VolumeError, VolumeResult,
};

/// An archive volume stored in a directory.
#[derive(Debug, Clone)]
pub struct LocalVolume {
    root: PathBuf,
}

fn io_err(op: &'static str, path: &Path) -> impl FnOnce(io::Error) -> VolumeError + use<> {
    let path = path.to_path_buf();
    move |source| VolumeError::Io { op, path, source }
}

/// Runs blocking file-system work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> VolumeResult<T> + Send + 'static,
) -> VolumeResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| VolumeError::Task(e.to_string()))?
}

fn partial_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(PARTIAL_SUFFIX);
    PathBuf::from(s)
}

fn fsync_dir(dir: &Path) -> VolumeResult<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err("fsync directory", dir))
}

/// `mkdir -p` that fsyncs the parent of every directory it creates (a new directory entry is
/// only durable once its parent is synced) and retries when a concurrent delete prunes an
/// empty parent between two steps.
fn create_dirs(root: &Path, dir: &Path) -> VolumeResult<()> {
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
fn prune_empty_dirs(root: &Path, dir: &Path) {
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

/// Directories under `dir` shaped like the backup layout below depth `depth`:
/// `id_*` at depth 2, `level_*` at 3, `node_*` at 4 (depth 1 is any database name).
fn collect_layout_dirs(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
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
fn walk(
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

impl LocalVolume {
    /// A volume rooted at `root`, which is created if it does not exist.
    pub fn open(root: impl Into<PathBuf>) -> VolumeResult<Self> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(io_err("create volume directory", &root))?;
        Ok(Self { root })
    }

    /// The directory this volume stores its objects in.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &ObjectKey) -> PathBuf {
        self.root.join(key.as_str())
    }

    fn prefix_path(&self, prefix: &Prefix) -> PathBuf {
        if prefix.as_str().is_empty() {
            self.root.clone()
        } else {
            self.root.join(prefix.as_str())
        }
    }

    fn collect(&self, prefix: &Prefix, partial: bool) -> VolumeResult<Vec<ObjectMeta>> {
        let mut out = Vec::new();
        let dir = self.prefix_path(prefix);
        walk(&dir, prefix.as_str(), &mut |rel, _, is_partial, size| {
            if is_partial == partial {
                // Names that are not valid keys were not written through this trait.
                if let Ok(key) = ObjectKey::new(rel) {
                    out.push(ObjectMeta { key, size });
                }
            }
            Ok(())
        })?;
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }
}

/// The streamed writer of [`LocalVolume`].
struct LocalWriter {
    file: Option<File>,
    partial: PathBuf,
    target: PathBuf,
    written: u64,
    unsynced: u64,
}

/// Flush a streamed object every this many bytes: spreads the disk writes over the time the
/// producer is still computing, instead of one long stall in `finish`.
const SYNC_EVERY: u64 = 64 << 20;

impl ObjectWriter for LocalWriter {
    fn write(&mut self, data: Bytes) -> BoxFuture<'_, VolumeResult<()>> {
        async move {
            let Some(mut file) = self.file.take() else {
                return Err(VolumeError::Task("write after failure".into()));
            };
            let partial = self.partial.clone();
            let len = data.len() as u64;
            let sync = self.unsynced + len >= SYNC_EVERY;
            let file = blocking(move || {
                file.write_all(&data).map_err(io_err("write", &partial))?;
                if sync {
                    file.sync_data().map_err(io_err("fsync", &partial))?;
                }
                Ok(file)
            })
            .await?;
            self.file = Some(file);
            self.written += len;
            self.unsynced = if sync { 0 } else { self.unsynced + len };
            Ok(())
        }
        .boxed()
    }

    fn written(&self) -> u64 {
        self.written
    }

    fn finish(mut self: Box<Self>) -> BoxFuture<'static, VolumeResult<u64>> {
        let file = self.file.take();
        let partial = std::mem::take(&mut self.partial);
        let target = self.target.clone();
        let written = self.written;
        async move {
            let file = file.ok_or_else(|| VolumeError::Task("finish after failure".into()))?;
            blocking(move || {
                // Data durable before the name points at it, then the name itself durable.
                file.sync_all().map_err(io_err("fsync", &partial))?;
                drop(file);
                fs::rename(&partial, &target).map_err(io_err("rename", &partial))?;
                if let Some(dir) = target.parent() {
                    fsync_dir(dir)?;
                }
                Ok(written)
            })
            .await
        }
        .boxed()
    }

    fn abort(mut self: Box<Self>) -> BoxFuture<'static, VolumeResult<()>> {
        self.file = None;
        let partial = std::mem::take(&mut self.partial);
        async move {
            blocking(move || match fs::remove_file(&partial) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_err("remove", &partial)(e)),
            })
            .await
        }
        .boxed()
    }
}

impl Drop for LocalWriter {
    fn drop(&mut self) {
        // Dropped without finish/abort (a cancelled future): discard the partial file now
        // rather than leave it for recovery. finish/abort empty `partial` first.
        if !self.partial.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.partial);
        }
    }
}

impl ArchiveVolume for LocalVolume {
    fn describe(&self) -> String {
        format!("local:{}", self.root.display())
    }

    fn put<'a>(&'a self, key: &'a ObjectKey, data: Bytes) -> BoxFuture<'a, VolumeResult<()>> {
        let (root, target) = (self.root.clone(), self.path(key));
        blocking(move || {
            let dir = target.parent().unwrap_or(&root).to_path_buf();
            create_dirs(&root, &dir)?;
            let partial = partial_path(&target);
            let mut f = File::create(&partial).map_err(io_err("create", &partial))?;
            f.write_all(&data).map_err(io_err("write", &partial))?;
            f.sync_all().map_err(io_err("fsync", &partial))?;
            drop(f);
            fs::rename(&partial, &target).map_err(io_err("rename", &partial))?;
            fsync_dir(&dir)
        })
        .boxed()
    }

    fn create<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, VolumeResult<Box<dyn ObjectWriter>>> {
        let (root, target) = (self.root.clone(), self.path(key));
        async move {
            let w = blocking(move || {
                let dir = target.parent().unwrap_or(&root).to_path_buf();
                create_dirs(&root, &dir)?;
                let partial = partial_path(&target);
                let file = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&partial)
                    .map_err(io_err("create", &partial))?;
                Ok(LocalWriter {
                    file: Some(file),
                    partial,
                    target,
                    written: 0,
                    unsynced: 0,
                })
            })
            .await?;
            Ok(Box::new(w) as Box<dyn ObjectWriter>)
        }
        .boxed()
    }

    fn get<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<Bytes>> {
        let (path, name, volume) = (self.path(key), key.to_string(), self.describe());
        blocking(move || match fs::read(&path) {
            Ok(v) => Ok(Bytes::from(v)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(VolumeError::NotFound { key: name, volume })
            }
            Err(e) => Err(io_err("read", &path)(e)),
        })
        .boxed()
    }

    fn get_range<'a>(
        &'a self,
        key: &'a ObjectKey,
        range: Range<u64>,
    ) -> BoxFuture<'a, VolumeResult<Bytes>> {
        let (path, name, volume) = (self.path(key), key.to_string(), self.describe());
        blocking(move || {
            let mut f = match File::open(&path) {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(VolumeError::NotFound { key: name, volume });
                }
                Err(e) => return Err(io_err("open", &path)(e)),
            };
            let size = f.metadata().map_err(io_err("stat", &path))?.len();
            if range.start > range.end || range.end > size {
                return Err(VolumeError::OutOfRange {
                    key: name,
                    size,
                    start: range.start,
                    end: range.end,
                });
            }
            let len = usize::try_from(range.end - range.start)
                .map_err(|_| VolumeError::Task("range too large for memory".into()))?;
            let mut buf = vec![0u8; len];
            f.seek(SeekFrom::Start(range.start))
                .and_then(|_| f.read_exact(&mut buf))
                .map_err(io_err("read", &path))?;
            Ok(Bytes::from(buf))
        })
        .boxed()
    }

    fn head<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<Option<ObjectMeta>>> {
        let (path, key) = (self.path(key), key.clone());
        blocking(move || match fs::metadata(&path) {
            Ok(m) if m.is_file() => Ok(Some(ObjectMeta { key, size: m.len() })),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_err("stat", &path)(e)),
        })
        .boxed()
    }

    fn list<'a>(&'a self, prefix: &'a Prefix) -> BoxFuture<'a, VolumeResult<Vec<ObjectMeta>>> {
        let (this, prefix) = (self.clone(), prefix.clone());
        blocking(move || this.collect(&prefix, false)).boxed()
    }

    fn delete<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<()>> {
        let (root, path) = (self.root.clone(), self.path(key));
        blocking(move || {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(io_err("remove", &path)(e)),
            }
            if let Some(dir) = path.parent() {
                fsync_dir(dir)?;
                prune_empty_dirs(&root, dir);
            }
            Ok(())
        })
        .boxed()
    }

    fn delete_prefix<'a>(&'a self, prefix: &'a Prefix) -> BoxFuture<'a, VolumeResult<u64>> {
        let (this, prefix) = (self.clone(), prefix.clone());
        blocking(move || {
            let dir = this.prefix_path(&prefix);
            let mut removed = 0;
            let mut dirs = Vec::new();
            walk(&dir, prefix.as_str(), &mut |_, path, is_partial, _| {
                match fs::remove_file(path) {
                    Ok(()) => removed += u64::from(!is_partial),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_err("remove", path)(e)),
                }
                if let Some(d) = path.parent()
                    && dirs.last().is_none_or(|l: &PathBuf| l != d)
                {
                    dirs.push(d.to_path_buf());
                }
                Ok(())
            })?;
            for d in &dirs {
                fsync_dir(d)?;
            }
            // Deepest first, so each directory is empty when its turn comes.
            dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
            for d in &dirs {
                prune_empty_dirs(&this.root, d);
            }
            if dir != this.root {
                prune_empty_dirs(&this.root, &dir);
            }
            Ok(removed)
        })
        .boxed()
    }

    fn prune_empty<'a>(&'a self) -> BoxFuture<'a, VolumeResult<u64>> {
        let this = self.clone();
        blocking(move || {
            let mut layout_dirs = Vec::new();
            collect_layout_dirs(&this.root, 1, &mut layout_dirs);
            // Deepest first, so a directory is empty when its turn comes; each removal
            // walks up while the parents are empty too (an empty `<db>` goes as well).
            layout_dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
            let mut removed = 0;
            for d in &layout_dirs {
                if d.is_dir() && fs::read_dir(d).is_ok_and(|mut e| e.next().is_none()) {
                    prune_empty_dirs(&this.root, d);
                    removed += u64::from(!d.exists());
                }
            }
            Ok(removed)
        })
        .boxed()
    }

    fn list_incomplete<'a>(
        &'a self,
        prefix: &'a Prefix,
    ) -> BoxFuture<'a, VolumeResult<Vec<ObjectKey>>> {
        let (this, prefix) = (self.clone(), prefix.clone());
        blocking(move || {
            Ok(this
                .collect(&prefix, true)?
                .into_iter()
                .map(|m| m.key)
                .collect())
        })
        .boxed()
    }

    fn remove_incomplete<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<()>> {
        let (root, path) = (self.root.clone(), partial_path(&self.path(key)));
        blocking(move || {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(io_err("remove", &path)(e)),
            }
            if let Some(dir) = path.parent() {
                prune_empty_dirs(&root, dir);
            }
            Ok(())
        })
        .boxed()
    }
}
