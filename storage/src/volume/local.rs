//! [`LocalVolume`]: an archive volume over a local directory (also `file://` remote volumes).
//!
//! Object `a/b/c` is the file `<root>/a/b/c`. Writes follow design section 4: the bytes go
//! to `<key>.partial`, which is fsynced, renamed onto the key, and then the directory is
//! fsynced so the rename itself survives a power loss. A reader therefore never sees a
//! half-written object, and a crash leaves at most a `.partial` file that
//! [`ArchiveVolume::list_incomplete`] reports. Create-new writes (`put_new`, streamed
//! writers) hard-link the temp file onto the key instead of renaming it: `link` fails when
//! the key exists, also on NFS, where `renameat2(RENAME_NOREPLACE)` is not available. The file-system helpers are in `local_fs`,
//! the streamed writer in `local_writer`.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};

use std::os::unix::fs::FileExt;

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;

use super::local_fs::{
    blocking, collect_layout_dirs, create_dirs, fsync_dir, io_err, link_new, partial_path,
    prune_empty_dirs, remove_empty_tree, walk,
};
use super::local_writer::LocalWriter;
use super::{
    ArchiveVolume, ObjectKey, ObjectMeta, ObjectWriter, Prefix, VolumeError, VolumeResult,
};
use crate::buf_pool::BufPool;

/// Ranged reads of at least this many bytes (a restore's or verify's spans) use reused
/// buffers of [`READ_BUF`] bytes; smaller ones (markers, manifests) a buffer of their own.
const POOLED_READ: usize = 1 << 20;

/// The largest span the engine reads in one request.
const READ_BUF: usize = 8 << 20;

/// Read buffers kept for reuse: a restore holds up to 12 spans (4 in flight, one queued and
/// one being written per thread).
const READ_BUFS_KEPT: usize = 12;

/// An archive volume stored in a directory. Volumes are opened per operation, so its read
/// buffers live as long as the operation does.
#[derive(Debug, Clone)]
pub struct LocalVolume {
    root: PathBuf,
    reads: BufPool,
}

impl LocalVolume {
    /// A volume rooted at `root`, which is created if it does not exist.
    pub fn open(root: impl Into<PathBuf>) -> VolumeResult<Self> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(io_err("create volume directory", &root))?;
        Ok(Self {
            root,
            reads: BufPool::new(READ_BUF, READ_BUFS_KEPT),
        })
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

    fn put_new<'a>(&'a self, key: &'a ObjectKey, data: Bytes) -> BoxFuture<'a, VolumeResult<()>> {
        let (root, target) = (self.root.clone(), self.path(key));
        let (name, volume) = (key.to_string(), self.describe());
        blocking(move || {
            let dir = target.parent().unwrap_or(&root).to_path_buf();
            create_dirs(&root, &dir)?;
            let partial = partial_path(&target);
            // O_EXCL on the temp name too: two writers of one key must not share it.
            let mut f = match OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&partial)
            {
                Ok(f) => f,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                    return Err(VolumeError::AlreadyExists { key: name, volume });
                }
                Err(e) => return Err(io_err("create", &partial)(e)),
            };
            let written = f
                .write_all(&data)
                .and_then(|()| f.sync_all())
                .map_err(io_err("write", &partial));
            drop(f);
            let linked = written.and_then(|()| link_new(&partial, &target, &name, &volume));
            let _ = fs::remove_file(&partial);
            linked?;
            fsync_dir(&dir)
        })
        .boxed()
    }

    fn create<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, VolumeResult<Box<dyn ObjectWriter>>> {
        let (root, target) = (self.root.clone(), self.path(key));
        let (name, volume) = (key.to_string(), self.describe());
        async move {
            let w = blocking(move || LocalWriter::create(&root, target, name, volume)).await?;
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
        let reads = self.reads.clone();
        blocking(move || {
            let f = match File::open(&path) {
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
            if (POOLED_READ..=reads.size()).contains(&len) {
                let mut buf = reads.get(len);
                f.read_exact_at(buf.as_mut(), range.start)
                    .map_err(io_err("read", &path))?;
                return Ok(buf.into_bytes());
            }
            let mut buf = vec![0u8; len];
            f.read_exact_at(&mut buf, range.start)
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
                // Directories that never got a file (a node whose writer failed or was
                // cancelled before its first byte) would otherwise stay until a restart.
                remove_empty_tree(&dir);
                if let Some(parent) = dir.parent() {
                    prune_empty_dirs(&this.root, parent);
                }
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
