//! The reference of the S3 figures: what object_store itself does with the same objects,
//! with the engine's part size and parallelism and nothing else (no chunking, hashing,
//! compression or files): a multipart put of each object, [`PART`] parts with
//! [`IN_FLIGHT`] in flight, objects one after another as the engine writes one object per
//! node; and ranged GETs of the same objects, [`PART`] ranges, [`IN_FLIGHT`] in flight.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context as _;
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{ObjectStoreExt as _, PutPayload};
use tokio::io::AsyncReadExt as _;
use tokio::task::JoinSet;

use crate::{S3_ACCESS_KEY, S3_SECRET_KEY};

/// Part and range size: the engine's first part size (storage `s3_writer::MIN_PART`).
pub const PART: u64 = 8 << 20;
/// Parts or ranges in flight per object (storage `s3_writer::MAX_IN_FLIGHT`).
pub const IN_FLIGHT: usize = 4;

/// Where the reference writes its copies, beside (not under) the volume's prefix.
const PLAIN_PREFIX: &str = "plain";

/// One object of the backup: its file in the s3s-fs directory, its key, its size.
#[derive(Debug, Clone)]
pub struct Object {
    pub file: PathBuf,
    pub key: String,
    pub len: u64,
}

/// A plain object_store client of the bucket, with a runtime of its own.
pub struct Plain {
    store: Arc<AmazonS3>,
    runtime: tokio::runtime::Runtime,
}

impl Plain {
    /// A client of `bucket` at `endpoint` (`http://127.0.0.1:<port>`), path style, signed
    /// with the test server's keys, as the daemon's S3 volume reaches the same server.
    pub fn new(endpoint: &str, bucket: &str) -> anyhow::Result<Self> {
        // object_store's reqwest is built without a TLS provider of its own (workspace
        // Cargo.toml); a client cannot be built before one is installed, even for http.
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let store = AmazonS3Builder::new()
            .with_endpoint(endpoint)
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id(S3_ACCESS_KEY)
            .with_secret_access_key(S3_SECRET_KEY)
            .with_virtual_hosted_style_request(false)
            .with_allow_http(true)
            .build()
            .context("object_store client of the test server")?;
        // Two workers, like the in-process daemon's runtime.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("tokio runtime")?;
        Ok(Self {
            store: Arc::new(store),
            runtime,
        })
    }

    /// Puts a copy of each object (read from its file), one after another; returns the
    /// seconds it took. The copies are deleted afterwards, outside the clock.
    pub fn put(&self, objects: &[Object]) -> anyhow::Result<f64> {
        self.runtime.block_on(async {
            let start = Instant::now();
            let mut copies = Vec::new();
            for (i, o) in objects.iter().enumerate() {
                let path = Path::from(format!("{PLAIN_PREFIX}/{i}"));
                put_one(&self.store, &path, o).await?;
                copies.push(path);
            }
            let secs = start.elapsed().as_secs_f64();
            for path in copies {
                self.store.delete(&path).await?;
            }
            Ok(secs)
        })
    }

    /// Reads every object with ranged GETs, one object after another; returns the seconds
    /// it took. Fails unless every byte arrived.
    pub fn get(&self, objects: &[Object]) -> anyhow::Result<f64> {
        self.runtime.block_on(async {
            let start = Instant::now();
            for o in objects {
                let path = Path::from(o.key.as_str());
                let ranges = (0..o.len.div_ceil(PART)).map(|i| i * PART..o.len.min((i + 1) * PART));
                let store = &self.store;
                let got: u64 = futures::stream::iter(ranges)
                    .map(|r| {
                        let path = &path;
                        async move { store.get_range(path, r).await.map(|b| b.len() as u64) }
                    })
                    .buffered(IN_FLIGHT)
                    .try_fold(0, |sum, n| async move { Ok(sum + n) })
                    .await
                    .with_context(|| format!("GET of {}", o.key))?;
                anyhow::ensure!(got == o.len, "{}: {got} of {} bytes", o.key, o.len);
            }
            Ok(start.elapsed().as_secs_f64())
        })
    }
}

/// One object: a single PUT when it fits one part (as the engine's writer does), else a
/// multipart upload reading the next part while up to [`IN_FLIGHT`] upload.
async fn put_one(store: &Arc<AmazonS3>, path: &Path, o: &Object) -> anyhow::Result<()> {
    let mut file = tokio::fs::File::open(&o.file)
        .await
        .with_context(|| o.file.display().to_string())?;
    if o.len <= PART {
        let mut buf = Vec::with_capacity(o.len as usize);
        file.read_to_end(&mut buf).await?;
        store.put(path, PutPayload::from(buf)).await?;
        return Ok(());
    }
    let mut upload = store.put_multipart(path).await?;
    let mut parts = JoinSet::new();
    let mut left = o.len;
    while left > 0 {
        let mut buf = vec![0u8; left.min(PART) as usize];
        file.read_exact(&mut buf)
            .await
            .with_context(|| o.file.display().to_string())?;
        left -= buf.len() as u64;
        while parts.len() >= IN_FLIGHT {
            if let Some(done) = parts.join_next().await {
                done??;
            }
        }
        parts.spawn(upload.put_part(PutPayload::from(buf)));
    }
    while let Some(done) = parts.join_next().await {
        done??;
    }
    upload.complete().await?;
    Ok(())
}
