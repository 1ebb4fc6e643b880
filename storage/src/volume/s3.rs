//! [`S3Volume`]: an archive volume in an S3 bucket (remote volumes of `vol_type` `s3`),
//! through object_store's `AmazonS3` client.
//!
//! Object `a/b` is the S3 key `<url prefix>/a/b`. Whole objects are single PUTs (atomic on
//! S3); streamed objects are multipart uploads that become visible only when completed
//! (see [`s3_writer`](super::s3_writer)). object_store retries requests with backoff.
//!
//! Incomplete writes: object_store cannot list multipart uploads, so
//! [`list_incomplete`](ArchiveVolume::list_incomplete) reports none. Uploads are aborted
//! explicitly (abort, failure, cancel, drop); what a crash leaves behind is invisible to
//! reads and listings and is expired by a bucket lifecycle rule
//! (`AbortIncompleteMultipartUpload`), which operators must configure.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{FutureExt, StreamExt, TryStreamExt};
use object_store::aws::S3ConditionalPut;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    ClientOptions, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig,
};

use super::s3_url::{self, S3Location};
use super::s3_writer::{S3Writer, store_error};
use super::{
    ArchiveVolume, ObjectKey, ObjectMeta, ObjectWriter, Prefix, VolumeError, VolumeResult,
};

/// Per-request timeout of data transfers (a whole part or ranged read). Generous because a
/// part can be large and links slow; the volume option `timeout=<s>` changes it.
const DATA_TIMEOUT: Duration = Duration::from_secs(300);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The state probe answers within a few seconds, so it neither waits nor retries long.
pub(super) const PROBE_TIMEOUT: Duration = Duration::from_secs(4);

/// What a volume is opened for; decides timeouts and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    Data,
    Probe,
}

/// An archive volume in an S3 bucket.
pub struct S3Volume {
    pub(super) store: Arc<AmazonS3>,
    pub(super) loc: S3Location,
    parts_uploaded: Arc<AtomicU64>,
}

impl fmt::Debug for S3Volume {
    // By hand: the store's own Debug output could include the credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Volume")
            .field("location", &self.describe())
            .finish_non_exhaustive()
    }
}

impl S3Volume {
    /// Opens the volume at `url` (design 2 forms). `access_key`/`secret_key` sign requests;
    /// without them the environment / instance-role chain of object_store is used.
    /// `options` are the volume's options: `noverifypeer` accepts any server certificate,
    /// `timeout=<s>` sets the per-request timeout; others do not concern the connection.
    pub fn open(
        url: &str,
        access_key: Option<&str>,
        secret_key: Option<&str>,
        options: &[String],
    ) -> VolumeResult<Self> {
        Self::build(url, access_key, secret_key, options, Purpose::Data)
    }

    /// Like [`open`](Self::open), with short timeouts and a single retry, for
    /// [`check_online`](Self::check_online).
    pub fn open_probe(
        url: &str,
        access_key: Option<&str>,
        secret_key: Option<&str>,
        options: &[String],
    ) -> VolumeResult<Self> {
        Self::build(url, access_key, secret_key, options, Purpose::Probe)
    }

    fn build(
        url: &str,
        access_key: Option<&str>,
        secret_key: Option<&str>,
        options: &[String],
        purpose: Purpose,
    ) -> VolumeResult<Self> {
        let loc = s3_url::parse(url).map_err(VolumeError::Unsupported)?;
        let mut client = ClientOptions::new()
            .with_allow_http(loc.allow_http)
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_timeout(DATA_TIMEOUT);
        let mut retry = RetryConfig::default();
        for option in options {
            if option == "noverifypeer" {
                client = client.with_allow_invalid_certificates(true);
            } else if let Some(secs) = option.strip_prefix("timeout=") {
                let secs: u64 = secs.parse().ok().filter(|s| *s > 0).ok_or_else(|| {
                    VolumeError::Unsupported(format!(
                        "volume option '{option}' is not a number of seconds"
                    ))
                })?;
                client = client.with_timeout(Duration::from_secs(secs));
            }
        }
        if purpose == Purpose::Probe {
            client = client
                .with_timeout(PROBE_TIMEOUT)
                .with_connect_timeout(PROBE_TIMEOUT);
            retry.max_retries = 1;
            retry.retry_timeout = PROBE_TIMEOUT;
        }
        let builder = match (access_key, secret_key) {
            (Some(key), Some(secret)) => AmazonS3Builder::new()
                .with_access_key_id(key)
                .with_secret_access_key(secret),
            (None, None) => AmazonS3Builder::from_env(),
            _ => {
                return Err(VolumeError::Unsupported(format!(
                    "S3 volume '{url}' needs both an access key (username) and a secret key (password), or neither"
                )));
            }
        };
        ensure_crypto_provider();
        let store = builder
            .with_endpoint(&loc.endpoint)
            .with_bucket_name(&loc.bucket)
            .with_region(&loc.region)
            .with_virtual_hosted_style_request(loc.virtual_hosted)
            .with_allow_http(loc.allow_http)
            // `If-None-Match: *` on create-new PUTs (several daemons may share a bucket).
            .with_conditional_put(S3ConditionalPut::ETagMatch)
            .with_client_options(client)
            .with_http_connector(super::s3_requests::CountingConnector)
            .with_retry(retry)
            .build()
            .map_err(|e| VolumeError::Unsupported(format!("S3 volume '{url}': {e}")))?;
        Ok(Self {
            store: Arc::new(store),
            loc,
            parts_uploaded: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Multipart parts this volume has uploaded (all writers together).
    pub fn parts_uploaded(&self) -> u64 {
        self.parts_uploaded.load(Ordering::Relaxed)
    }

    /// The URL prefix as a path, `None` for a whole bucket.
    pub(super) fn root(&self) -> Option<Path> {
        (!self.loc.prefix.is_empty()).then(|| Path::from(self.loc.prefix.as_str()))
    }

    fn full(&self, rel: &str) -> String {
        match (self.loc.prefix.is_empty(), rel.is_empty()) {
            (true, _) => rel.to_owned(),
            (false, true) => self.loc.prefix.clone(),
            (false, false) => format!("{}/{rel}", self.loc.prefix),
        }
    }

    fn path(&self, key: &ObjectKey) -> Path {
        Path::from(self.full(key.as_str()))
    }

    /// `s3://bucket/prefix/key`, how errors name an object.
    fn name(&self, rel: &str) -> String {
        format!("s3://{}/{}", self.loc.bucket, self.full(rel))
    }

    fn err(&self, op: &'static str, key: &ObjectKey, e: object_store::Error) -> VolumeError {
        match e {
            object_store::Error::NotFound { .. } => VolumeError::NotFound {
                key: key.to_string(),
                volume: self.describe(),
            },
            e => store_error(op, &self.name(key.as_str()), e),
        }
    }

    /// Every object under `prefix`, with its full path; object_store pages through the
    /// listing (1,000 keys a request).
    async fn list_paths(&self, prefix: &Prefix) -> VolumeResult<Vec<(ObjectKey, Path, u64)>> {
        let full = self.full(prefix.as_str());
        let under = (!full.is_empty()).then(|| Path::from(full));
        let metas: Vec<object_store::ObjectMeta> = self
            .store
            .list(under.as_ref())
            .try_collect()
            .await
            .map_err(|e| store_error("list", &self.name(prefix.as_str()), e))?;
        let strip = if self.loc.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.loc.prefix)
        };
        let mut out: Vec<_> = metas
            .into_iter()
            .filter_map(|m| {
                let rel = m.location.as_ref().strip_prefix(strip.as_str())?;
                // Keys not valid here were not written through this trait: leave them be.
                let key = ObjectKey::new(rel).ok()?;
                key.starts_with(prefix).then_some((key, m.location, m.size))
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}

/// reqwest needs a rustls provider; the daemon installs ring at start, other users of this
/// crate (tests, tools) may not have.
fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

impl ArchiveVolume for S3Volume {
    /// On s3s-fs over loopback, 8 ranged GETs in flight restored the bench's mixed set at
    /// 0.84-0.85x a plain parallel GET of the same bytes, and 4 at 0.66x.
    fn reads_in_flight(&self) -> usize {
        8
    }

    fn describe(&self) -> String {
        format!(
            "s3:{}/{}",
            self.loc.endpoint,
            self.name("").trim_start_matches("s3://")
        )
    }

    fn put<'a>(&'a self, key: &'a ObjectKey, data: Bytes) -> BoxFuture<'a, VolumeResult<()>> {
        async move {
            self.store
                .put(&self.path(key), PutPayload::from(data))
                .await
                .map_err(|e| self.err("write", key, e))?;
            Ok(())
        }
        .boxed()
    }

    fn put_new<'a>(&'a self, key: &'a ObjectKey, data: Bytes) -> BoxFuture<'a, VolumeResult<()>> {
        async move {
            put_create(&self.store, &self.path(key), PutPayload::from(data))
                .await
                .map_err(|e| match e {
                    object_store::Error::AlreadyExists { .. } => VolumeError::AlreadyExists {
                        key: key.to_string(),
                        volume: self.describe(),
                    },
                    e => self.err("write", key, e),
                })
        }
        .boxed()
    }

    fn create<'a>(
        &'a self,
        key: &'a ObjectKey,
    ) -> BoxFuture<'a, VolumeResult<Box<dyn ObjectWriter>>> {
        let writer = S3Writer::new(
            Arc::clone(&self.store),
            self.path(key),
            self.name(key.as_str()),
            Arc::clone(&self.parts_uploaded),
        );
        async move { Ok(Box::new(writer) as Box<dyn ObjectWriter>) }.boxed()
    }

    fn get<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<Bytes>> {
        async move {
            let got = self.store.get(&self.path(key)).await;
            match got {
                Ok(r) => r.bytes().await.map_err(|e| self.err("read", key, e)),
                Err(e) => Err(self.err("read", key, e)),
            }
        }
        .boxed()
    }

    fn get_range<'a>(
        &'a self,
        key: &'a ObjectKey,
        range: Range<u64>,
    ) -> BoxFuture<'a, VolumeResult<Bytes>> {
        async move {
            let out_of_range = |size: u64| VolumeError::OutOfRange {
                key: key.to_string(),
                size,
                start: range.start,
                end: range.end,
            };
            // S3 cannot serve an empty range and shortens one past the end of the object;
            // those cases are settled with the object's size.
            if range.start < range.end {
                match self.store.get_range(&self.path(key), range.clone()).await {
                    Ok(b) if b.len() as u64 == range.end - range.start => return Ok(b),
                    Err(e @ object_store::Error::NotFound { .. }) => {
                        return Err(self.err("read", key, e));
                    }
                    Ok(b) => {
                        let size = self.head(key).await?.map_or(0, |m| m.size);
                        if range.end > size {
                            return Err(out_of_range(size));
                        }
                        let e = short_read(b.len(), &range);
                        return Err(store_error("read", &self.name(key.as_str()), e));
                    }
                    Err(e) => {
                        return match self.head(key).await {
                            Ok(Some(m)) if range.end > m.size => Err(out_of_range(m.size)),
                            _ => Err(self.err("read", key, e)),
                        };
                    }
                }
            }
            match self.head(key).await? {
                None => Err(self.err("read", key, not_found(key))),
                Some(m) if range.start > range.end || range.end > m.size => {
                    Err(out_of_range(m.size))
                }
                Some(_) => Ok(Bytes::new()),
            }
        }
        .boxed()
    }

    fn head<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<Option<ObjectMeta>>> {
        async move {
            match self.store.head(&self.path(key)).await {
                Ok(m) => Ok(Some(ObjectMeta {
                    key: key.clone(),
                    size: m.size,
                })),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(self.err("stat", key, e)),
            }
        }
        .boxed()
    }

    fn list<'a>(&'a self, prefix: &'a Prefix) -> BoxFuture<'a, VolumeResult<Vec<ObjectMeta>>> {
        async move {
            Ok(self
                .list_paths(prefix)
                .await?
                .into_iter()
                .map(|(key, _, size)| ObjectMeta { key, size })
                .collect())
        }
        .boxed()
    }

    fn delete<'a>(&'a self, key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<()>> {
        async move {
            match self.store.delete(&self.path(key)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(self.err("delete", key, e)),
            }
        }
        .boxed()
    }

    fn delete_prefix<'a>(&'a self, prefix: &'a Prefix) -> BoxFuture<'a, VolumeResult<u64>> {
        async move {
            let paths: Vec<Path> = self
                .list_paths(prefix)
                .await?
                .into_iter()
                .map(|(_, path, _)| path)
                .collect();
            let count = paths.len() as u64;
            // Bulk deletes (up to 1,000 keys a request) where the server supports them.
            let mut results = self
                .store
                .delete_stream(futures::stream::iter(paths.into_iter().map(Ok)).boxed());
            while let Some(r) = results.next().await {
                match r {
                    Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(store_error("delete", &self.name(prefix.as_str()), e)),
                }
            }
            Ok(count)
        }
        .boxed()
    }

    fn list_incomplete<'a>(
        &'a self,
        _prefix: &'a Prefix,
    ) -> BoxFuture<'a, VolumeResult<Vec<ObjectKey>>> {
        // See the module docs: multipart uploads cannot be listed through object_store.
        async { Ok(Vec::new()) }.boxed()
    }

    fn remove_incomplete<'a>(&'a self, _key: &'a ObjectKey) -> BoxFuture<'a, VolumeResult<()>> {
        async { Ok(()) }.boxed()
    }
}

/// A PUT with `If-None-Match: *`: `AlreadyExists` when the key is taken. A retried request
/// whose first attempt succeeded also answers `AlreadyExists`; callers treat that as "taken",
/// which costs a bid or fails one backup but never overwrites anything.
pub(super) async fn put_create(
    store: &AmazonS3,
    path: &Path,
    payload: PutPayload,
) -> object_store::Result<()> {
    let opts = PutOptions {
        mode: PutMode::Create,
        ..PutOptions::default()
    };
    store.put_opts(path, payload, opts).await.map(|_| ())
}

fn not_found(key: &ObjectKey) -> object_store::Error {
    object_store::Error::NotFound {
        path: key.to_string(),
        source: "no such object".into(),
    }
}

fn short_read(got: usize, range: &Range<u64>) -> object_store::Error {
    object_store::Error::Generic {
        store: "S3",
        source: format!(
            "server returned {got} bytes for range {}..{}",
            range.start, range.end
        )
        .into(),
    }
}
