//! The streamed writer of [`LocalVolume`](super::LocalVolume): bytes go to `<key>.partial`
//! (past the page cache where the file system allows, [`crate::direct`]), flushed in the
//! background every `SYNC_EVERY` bytes; `finish` fsyncs, hard-links it onto the key (refused
//! when the key exists: the volume may be shared with other daemons), removes the temp name
//! and fsyncs the directory; `abort` or a drop removes the `.partial` file.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;

use crate::direct::Appender;

use super::local_fs::{blocking, create_dirs, fsync_dir, io_err, link_new, partial_path};
use super::{ObjectWriter, VolumeError, VolumeResult};

/// The streamed writer of [`LocalVolume`](super::LocalVolume).
pub(super) struct LocalWriter {
    /// The open `.partial` file and its appender; taken while a write is in flight.
    file: Option<(Arc<File>, Appender)>,
    /// The background flush of the data written up to the last `SYNC_EVERY` mark.
    flush: Option<tokio::task::JoinHandle<io::Result<()>>>,
    partial: PathBuf,
    target: PathBuf,
    /// Key and volume, for [`VolumeError::AlreadyExists`].
    name: (String, String),
    written: u64,
    unsynced: u64,
}

/// Flush a streamed object every this many bytes: spreads the disk writes over the time the
/// producer is still computing, instead of one long stall in `finish`. The flush runs on a
/// thread of its own while writes go on (a write waits only for the flush before it, so at
/// most two such spans are dirty); waiting for each flush stalled the whole backup.
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
        let appender = Appender::new(&file);
        Ok(Self {
            file: Some((Arc::new(file), appender)),
            flush: None,
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
            let Some((file, mut appender)) = self.file.take() else {
                return Err(VolumeError::Task("write after failure".into()));
            };
            let partial = self.partial.clone();
            let len = data.len() as u64;
            let sync = self.unsynced + len >= SYNC_EVERY;
            if sync {
                self.wait_flush().await?;
            }
            let (file, appender) = blocking(move || {
                appender
                    .append(&file, &data)
                    .map_err(io_err("write", &partial))?;
                Ok((file, appender))
            })
            .await?;
            if sync {
                let f = Arc::clone(&file);
                self.flush = Some(tokio::task::spawn_blocking(move || f.sync_data()));
            }
            self.file = Some((file, appender));
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
        let flush = self.flush.take();
        let partial = std::mem::take(&mut self.partial);
        let target = self.target.clone();
        let (key, volume) = self.name.clone();
        let written = self.written;
        async move {
            let file = file.ok_or_else(|| VolumeError::Task("finish after failure".into()));
            let flushed = match flush {
                Some(f) => flush_result(f.await, &partial),
                None => Ok(()),
            };
            blocking(move || {
                // Data durable before the name points at it, then the name itself durable.
                let synced = flushed.and(file).and_then(|(f, mut appender)| {
                    appender.finish(&f).map_err(io_err("write", &partial))?;
                    f.sync_all().map_err(io_err("fsync", &partial))
                });
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

impl LocalWriter {
    /// Waits for the flush in flight, if any; its failure fails this write.
    async fn wait_flush(&mut self) -> VolumeResult<()> {
        match self.flush.take() {
            Some(f) => flush_result(f.await, &self.partial),
            None => Ok(()),
        }
    }
}

fn flush_result(
    joined: Result<io::Result<()>, tokio::task::JoinError>,
    partial: &Path,
) -> VolumeResult<()> {
    match joined {
        Ok(r) => r.map_err(io_err("fsync", partial)),
        Err(e) => Err(VolumeError::Task(e.to_string())),
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
