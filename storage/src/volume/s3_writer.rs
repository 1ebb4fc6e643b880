//! Streamed writes of [`S3Volume`](super::S3Volume): our own buffering over object_store's
//! [`MultipartUpload`], so part sizes and parallelism are ours to choose (design 3, "Object
//! stores").
//!
//! - Parts are 8 MiB and double every 1,000 parts, so any object up to ~8 TiB fits in
//!   S3's 10,000 parts without knowing its size in advance (the engine streams).
//! - Up to [`MAX_IN_FLIGHT`] parts upload at once, each in its own task; the writer waits
//!   for one to end before starting another, which bounds memory to about
//!   `(MAX_IN_FLIGHT + 1) * part size`.
//! - The upload is started only when the first part is full: an object smaller than one part
//!   is a single PUT, and a writer aborted before that leaves nothing on the server.
//! - `finish` completes the upload; `abort`, a failure in `finish`, and dropping the writer
//!   (a cancelled backup) abort it. object_store retries each request with backoff.
//! - An abort first lets the parts in flight end (up to [`SETTLE_PARTS`]): a part request
//!   cancelled on our side may still be stored by the server after the abort, and would
//!   then stay in the bucket, invisible and billed (S3 documents the race).
//! - Create-new: a single PUT carries `If-None-Match: *`. object_store 0.14 completes
//!   multipart uploads without a condition (it has no option for it, although S3 and
//!   s3s-fs honour one), so a large data object could replace another writer's object of
//!   the same key. Keys are never shared: a backup writes only under a bid it has claimed
//!   with a conditional PUT (`engine::claim_bid`), and its commit point, the status marker,
//!   is a conditional PUT too.

use std::mem;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;
use object_store::aws::AmazonS3;
use object_store::path::Path;
use object_store::{MultipartUpload, ObjectStoreExt, PutPayload};
use tokio::task::JoinSet;

use super::{ObjectWriter, VolumeError, VolumeResult};

/// Size of the first 1,000 parts; S3 wants at least 5 MiB for every part but the last.
pub(crate) const MIN_PART: usize = 8 << 20;
/// Parts of one size before the size doubles.
const PARTS_PER_STEP: usize = 1_000;
/// S3's limit of parts per object.
const MAX_PARTS: usize = 10_000;
/// Parts uploading at the same time, per object.
pub(crate) const MAX_IN_FLIGHT: usize = 4;
/// How long an abort waits for the parts in flight before it cancels them.
const SETTLE_PARTS: Duration = Duration::from_secs(30);

/// Size of part `index` (0-based): 8 MiB for parts 0..1000, 16 MiB for 1000..2000, ...,
/// 4 GiB for the last thousand (S3 allows up to 5 GiB).
pub(crate) fn part_size(index: usize) -> usize {
    MIN_PART << (index / PARTS_PER_STEP).min(MAX_PARTS / PARTS_PER_STEP - 1)
}

/// A started multipart upload that aborts itself when dropped unfinished: the one place
/// that makes sure no code path (error, cancelled future, dropped writer) leaves it open.
struct Upload {
    inner: Option<Box<dyn MultipartUpload>>,
}

impl Upload {
    async fn complete(&mut self) -> object_store::Result<()> {
        if let Some(up) = self.inner.as_mut() {
            // Left in place while awaiting: if this future is dropped, Drop aborts.
            up.complete().await?;
        }
        self.inner = None;
        Ok(())
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        match self.inner.take() {
            Some(mut up) => up.abort().await,
            None => Ok(()),
        }
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // Best effort: Drop cannot await, so the abort runs as a task of the current
        // runtime. If there is none (shutdown), a bucket lifecycle rule has to expire it.
        if let Some(mut up) = self.inner.take()
            && let Ok(rt) = tokio::runtime::Handle::try_current()
        {
            rt.spawn(async move {
                if let Err(e) = up.abort().await {
                    tracing::warn!(error = %e, "could not abort a dropped multipart upload");
                }
            });
        }
    }
}

/// The streamed writer of an S3 object.
pub(crate) struct S3Writer {
    store: Arc<AmazonS3>,
    path: Path,
    /// `s3://bucket/key`, for errors.
    name: String,
    /// Part uploads in flight.
    tasks: JoinSet<object_store::Result<()>>,
    upload: Option<Upload>,
    /// Bytes of the part being filled (zero-copy slices of what `write` got).
    pending: Vec<Bytes>,
    pending_len: usize,
    /// Parts handed to the upload so far.
    parts: usize,
    written: u64,
    /// Volume-wide count of uploaded parts (observability and tests).
    parts_uploaded: Arc<AtomicU64>,
}

impl S3Writer {
    pub(crate) fn new(
        store: Arc<AmazonS3>,
        path: Path,
        name: String,
        parts_uploaded: Arc<AtomicU64>,
    ) -> Self {
        Self {
            store,
            path,
            name,
            tasks: JoinSet::new(),
            upload: None,
            pending: Vec::new(),
            pending_len: 0,
            parts: 0,
            written: 0,
            parts_uploaded,
        }
    }

    fn err(&self, op: &'static str, e: object_store::Error) -> VolumeError {
        store_error(op, &self.name, e)
    }

    /// Waits for the oldest-finishing part upload; `None` when none is running.
    async fn join_one(&mut self) -> Option<VolumeResult<()>> {
        let joined = self.tasks.join_next().await?;
        Some(match joined {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.err("upload part of", e)),
            Err(e) => Err(VolumeError::Task(format!(
                "part upload of {}: {e}",
                self.name
            ))),
        })
    }

    /// Hands the pending bytes to the upload as the next part (starting the upload first
    /// if needed), after waiting for room among the parts in flight.
    async fn send_part(&mut self) -> VolumeResult<()> {
        if self.parts >= MAX_PARTS {
            return Err(VolumeError::Task(format!(
                "{} needs more than {MAX_PARTS} parts",
                self.name
            )));
        }
        if self.upload.is_none() {
            let up = self
                .store
                .put_multipart(&self.path)
                .await
                .map_err(|e| self.err("start multipart upload of", e))?;
            self.upload = Some(Upload { inner: Some(up) });
        }
        while self.tasks.len() >= MAX_IN_FLIGHT {
            if let Some(r) = self.join_one().await {
                r?;
            }
        }
        let payload: PutPayload = mem::take(&mut self.pending).into_iter().collect();
        self.pending_len = 0;
        let Some(up) = self.upload.as_mut().and_then(|u| u.inner.as_mut()) else {
            return Err(VolumeError::Task(format!("{}: upload is gone", self.name)));
        };
        // Counted when the part has landed, not when the writer next looks at it.
        let (part, uploaded) = (up.put_part(payload), Arc::clone(&self.parts_uploaded));
        self.tasks.spawn(async move {
            part.await?;
            uploaded.fetch_add(1, Ordering::Relaxed);
            Ok(())
        });
        self.parts += 1;
        Ok(())
    }

    async fn finish_inner(&mut self) -> VolumeResult<u64> {
        if self.upload.is_none() {
            // Smaller than one part: a single PUT is atomic and needs no clean-up.
            let payload: PutPayload = mem::take(&mut self.pending).into_iter().collect();
            super::s3::put_create(&self.store, &self.path, payload)
                .await
                .map_err(|e| self.err("write", e))?;
            return Ok(self.written);
        }
        if self.pending_len > 0 {
            self.send_part().await?;
        }
        while let Some(r) = self.join_one().await {
            r?;
        }
        let name = self.name.clone();
        if let Some(up) = self.upload.as_mut() {
            up.complete()
                .await
                .map_err(|e| store_error("complete multipart upload of", &name, e))?;
        }
        Ok(self.written)
    }

    async fn abort_inner(&mut self) -> VolumeResult<()> {
        settle_parts(&mut self.tasks).await;
        self.pending.clear();
        let name = self.name.clone();
        match self.upload.as_mut() {
            Some(up) => up
                .abort()
                .await
                .map_err(|e| store_error("abort multipart upload of", &name, e)),
            None => Ok(()),
        }
    }
}

/// Lets the part uploads in flight end, so none is stored after the abort that follows;
/// cancels those still running after [`SETTLE_PARTS`]. Their results do not matter.
async fn settle_parts(tasks: &mut JoinSet<object_store::Result<()>>) {
    let drained = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(SETTLE_PARTS, drained).await.is_err() {
        tasks.shutdown().await;
    }
}

impl Drop for S3Writer {
    fn drop(&mut self) {
        // Dropped unfinished (a cancelled future): settle the parts and abort in a task of
        // its own. Without a runtime, `Upload`'s own drop is the last resort.
        let open = self.upload.as_ref().is_some_and(|u| u.inner.is_some());
        if open && let Ok(rt) = tokio::runtime::Handle::try_current() {
            let (mut tasks, mut upload) = (mem::take(&mut self.tasks), self.upload.take());
            rt.spawn(async move {
                settle_parts(&mut tasks).await;
                if let Some(up) = upload.as_mut()
                    && let Err(e) = up.abort().await
                {
                    tracing::warn!(error = %e, "could not abort a dropped multipart upload");
                }
            });
        }
    }
}

impl ObjectWriter for S3Writer {
    fn write(&mut self, mut data: Bytes) -> BoxFuture<'_, VolumeResult<()>> {
        async move {
            self.written += data.len() as u64;
            while !data.is_empty() {
                let room = part_size(self.parts) - self.pending_len;
                if data.len() < room {
                    self.pending_len += data.len();
                    self.pending.push(data);
                    break;
                }
                self.pending.push(data.split_to(room));
                self.pending_len += room;
                self.send_part().await?;
            }
            Ok(())
        }
        .boxed()
    }

    fn written(&self) -> u64 {
        self.written
    }

    fn finish(mut self: Box<Self>) -> BoxFuture<'static, VolumeResult<u64>> {
        async move {
            let result = self.finish_inner().await;
            if result.is_err() {
                // The caller cannot abort a consumed writer: discard the upload here.
                if let Err(e) = self.abort_inner().await {
                    tracing::warn!(error = %e, "could not abort a failed multipart upload");
                }
            }
            result
        }
        .boxed()
    }

    fn abort(mut self: Box<Self>) -> BoxFuture<'static, VolumeResult<()>> {
        async move { self.abort_inner().await }.boxed()
    }
}

/// An object_store error as a [`VolumeError`] naming the operation and the object.
pub(crate) fn store_error(op: &'static str, name: &str, e: object_store::Error) -> VolumeError {
    VolumeError::Io {
        op,
        path: PathBuf::from(name),
        source: std::io::Error::other(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_sizes_double_every_thousand_parts_and_fit_ten_thousand_parts() {
        assert_eq!(part_size(0), 8 << 20);
        assert_eq!(part_size(999), 8 << 20);
        assert_eq!(part_size(1_000), 16 << 20);
        assert_eq!(part_size(MAX_PARTS - 1), 4 << 30);
        assert!(part_size(MAX_PARTS - 1) <= 5 << 30, "S3's largest part");
        let capacity: u64 = (0..MAX_PARTS).map(|i| part_size(i) as u64).sum();
        assert!(capacity > 5 << 40, "S3's largest object (5 TiB) must fit");
    }
}
