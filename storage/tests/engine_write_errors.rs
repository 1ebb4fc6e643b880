//! A data object write that fails mid-stream (a full disk, a lost bucket) fails the backup
//! with that error, not with a symptom of it, and leaves nothing behind, while the reader
//! and the workers are still busy with files.
#![allow(clippy::unwrap_used)] // helpers outside #[test] fns panic on failed setup

mod engine_support;

use std::fs;
use std::io;
use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use confd_storage::engine::{self, BackupPlan, EngineError, Progress};
use confd_storage::volume::{
    ArchiveVolume, ObjectKey, ObjectMeta, ObjectWriter, Prefix, VolumeError, VolumeResult,
};
use engine_support::*;
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

/// A local volume whose streamed writes fail once `limit` bytes were written to one object.
#[derive(Debug)]
struct FillsUp {
    inner: Arc<dyn ArchiveVolume>,
    limit: u64,
}

struct FillingWriter {
    inner: Box<dyn ObjectWriter>,
    limit: u64,
}

impl ObjectWriter for FillingWriter {
    fn write(&mut self, data: Bytes) -> BoxFuture<'_, VolumeResult<()>> {
        if self.inner.written() + data.len() as u64 > self.limit {
            let source = io::Error::from_raw_os_error(28); // ENOSPC
            let path = "vol/data.partial".into();
            return async move {
                Err(VolumeError::Io {
                    op: "write",
                    path,
                    source,
                })
            }
            .boxed();
        }
        self.inner.write(data)
    }
    fn written(&self) -> u64 {
        self.inner.written()
    }
    fn finish(self: Box<Self>) -> BoxFuture<'static, VolumeResult<u64>> {
        self.inner.finish()
    }
    fn abort(self: Box<Self>) -> BoxFuture<'static, VolumeResult<()>> {
        self.inner.abort()
    }
}

impl ArchiveVolume for FillsUp {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn put<'a>(&'a self, key: &'a ObjectKey, data: Bytes) -> BoxFuture<'a, VolumeResult<()>> {
        self.inner.put(key, data)
    }
    fn put_new<'a>(&'a self, key: &'a ObjectKey, data: Bytes) -> BoxFuture<'a, VolumeResult<()>> {
        self.inner.put_new(key, data)
    }
    fn create<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, VolumeResult<Box<dyn ObjectWriter>>> {
        async move {
            let inner = self.inner.create(key).await?;
            let w = FillingWriter {
                inner,
                limit: self.limit,
            };
            Ok(Box::new(w) as Box<dyn ObjectWriter>)
        }
        .boxed()
    }
    fn get<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<Bytes>> {
        self.inner.get(key)
    }
    fn get_range<'a>(
        &'a self,
        key: &'a ObjectKey,
        range: Range<u64>,
    ) -> BoxFuture<'a, VolumeResult<Bytes>> {
        self.inner.get_range(key, range)
    }
    fn head<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<Option<ObjectMeta>>> {
        self.inner.head(key)
    }
    fn list<'a>(&'a self, prefix: &'a Prefix) -> BoxFuture<'a, VolumeResult<Vec<ObjectMeta>>> {
        self.inner.list(prefix)
    }
    fn delete<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<()>> {
        self.inner.delete(key)
    }
    fn delete_prefix<'a>(&'a self, prefix: &'a Prefix) -> BoxFuture<'a, VolumeResult<u64>> {
        self.inner.delete_prefix(prefix)
    }
    fn list_incomplete<'a>(
        &'a self,
        prefix: &'a Prefix,
    ) -> BoxFuture<'a, VolumeResult<Vec<ObjectKey>>> {
        self.inner.list_incomplete(prefix)
    }
    fn remove_incomplete<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<()>> {
        self.inner.remove_incomplete(key)
    }
}

#[tokio::test]
async fn a_write_failing_mid_object_fails_the_backup_with_its_error_and_leaves_nothing() {
    let fx = Fixture::new(2);
    for (k, n) in fx.nodes.iter().enumerate() {
        for i in 0..40u64 {
            let data = random_bytes(k as u64 * 100 + i, 300_000 + i as usize);
            fs::write(n.join(format!("f{i:02}")), data).unwrap();
        }
        fs::write(n.join("z_large"), random_bytes(k as u64, 9 * MIB)).unwrap();
    }
    let vol = FillsUp {
        inner: fx.vol.clone(),
        limit: 5 * MIB as u64,
    };
    let plan = BackupPlan::full("DB1", 1, "202611251208", fx.nodes.clone());
    let progress = Arc::new(Progress::new());
    let err = engine::backup(&vol, &plan, &progress, &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::Volume(_)), "{err:?}");
    assert!(err.to_string().contains("No space left on device"), "{err}");
    assert_volume_empty(&*fx.vol).await;
}
