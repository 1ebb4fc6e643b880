//! The streamed writer of [`LocalVolume`](super::LocalVolume): bytes go to `<key>.partial`,
//! synced every `SYNC_EVERY` bytes; `finish` fsyncs, hard-links it onto the key (refused
//! when the key exists: the volume may be shared with other daemons), removes the temp name
//! and fsyncs the directory; `abort` or a drop removes the `.partial` file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;

use super::local_fs::{blocking, create_dirs, fsync_dir, io_err, link_new, partial_path};
use super::{ObjectWriter, VolumeError, VolumeResult};

/// The streamed writer of [`LocalVolume`](super::LocalVolume).
pub(super) struct LocalWriter {
    file: Option<File>,
    partial: PathBuf,
    target: PathBuf,
    /// Key and volume, for [`VolumeError::AlreadyExists`].
    name: (String, String),
    written: u64,
    unsynced: u64,
}

/// Flush a streamed object every this many bytes: spreads the disk writes over the time the
/// producer is still computing, instead of one long stall in `finish`.
const SYNC_EVERY: u64 = 64 << 20;

impl LocalWriter {
    /// Creates the directories of `target` under `root` and opens `<target>.partial` for
    /// writing (blocking).
    pub(super) fn create(
        root: &Path,
        target: PathBuf,
        key: String,
        volume: String,
    ) -> VolumeResult<Self> {
        let dir = target.parent().unwrap_or(root).to_path_buf();
        create_dirs(root, &dir)?;
        let partial = partial_path(&target);
        // O_EXCL: a `.partial` of the same key is another writer's write in progress.
        let file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&partial)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                return Err(VolumeError::AlreadyExists { key, volume });
            }
            Err(e) => return Err(io_err("create", &partial)(e)),
        };
        Ok(Self {
            file: Some(file),
            partial,
            target,
            name: (key, volume),
            written: 0,
            unsynced: 0,
        })
    }
}

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
        let (key, volume) = self.name.clone();
        let written = self.written;
        async move {
            let file = file.ok_or_else(|| VolumeError::Task("finish after failure".into()))?;
            blocking(move || {
                // Data durable before the name points at it, then the name itself durable.
                let synced = file.sync_all().map_err(io_err("fsync", &partial));
                drop(file);
                let linked = synced.and_then(|()| link_new(&partial, &target, &key, &volume));
                let _ = fs::remove_file(&partial);
                linked?;
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
