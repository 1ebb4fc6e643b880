//! `backup`: one full or incremental backup of all nodes of a database.
//!
//! Order (design section 4, "nothing is referenced before it is durable"):
//! 1. Protect: scan every node directory, decide per file whether it must be read (new or
//!    changed against the base manifest) and fix the progress totals.
//! 2. Write: per node, stream chunks into the node's data object; finished = durable.
//! 3. Manifests: written only after every data object is durable, because they point into
//!    them.
//! 4. Validate: re-read each manifest from the volume and check it against what was meant
//!    to be written and against the data object sizes.
//! 5. Unprotect: write the status marker; from this moment the backup exists.
//!
//! Any failure or cancellation before step 5 removes everything under the backup's prefix,
//! so an aborted backup leaves nothing behind (and a crash leaves only objects without a
//! marker, which `remove_uncommitted` deletes at start-up).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::backup_check::{totals, validate};
use super::backup_node::{NodeStats, write_data};
use super::backup_plan::{NodePlan, scan_nodes};
use super::error::{EngineError, EngineResult};
use super::load::load_manifests;
use super::progress::{Phase, Progress};
use crate::archive::{
    BackupKeys, BackupRef, ChunkHash, Compression, MANIFEST_FORMAT, Manifest, ManifestInfo,
    STATUS_FORMAT, StatusMarker, layout,
};
use crate::volume::{ArchiveVolume, Prefix};

/// The base of an incremental: its status marker and its (complete) manifests.
#[derive(Debug, Clone)]
pub struct BaseBackup {
    /// Status marker of the base (level N − 1).
    pub marker: StatusMarker,
    /// Its manifests, one per node.
    pub manifests: Vec<Manifest>,
}

impl BaseBackup {
    /// Loads the manifests of `marker` from `volume`, checked against the marker's hashes.
    pub async fn load(volume: &dyn ArchiveVolume, marker: StatusMarker) -> EngineResult<Self> {
        let manifests = load_manifests(volume, &marker).await?;
        Ok(Self { marker, manifests })
    }
}

/// What to back up and how.
#[derive(Debug, Clone)]
pub struct BackupPlan {
    /// Database name (first key segment).
    pub db: String,
    /// Backup id, unique per database.
    pub bid: u64,
    /// Level 0..=9.
    pub level: u8,
    /// Timestamp `YYYYMMDDHHMM` (UTC), part of every object name.
    pub ts: String,
    /// Node directories; node `k` is `nodes[k]`.
    pub nodes: Vec<PathBuf>,
    /// Chunk compression (`Compression::None` for `nocompression` volumes).
    pub compression: Compression,
    /// Expiry, Unix seconds; `None` for never.
    pub expire: Option<i64>,
    /// Base backup, required for level ≥ 1 and forbidden for level 0.
    pub base: Option<BaseBackup>,
    /// Re-read every file even when size, mtime and inode are unchanged.
    pub full_read: bool,
    /// Threads that read small files, hash and compress; `None` for two per core.
    pub threads: Option<usize>,
}

impl BackupPlan {
    /// A level-0 plan with zstd level 1, no expiry and default threads.
    pub fn full(db: &str, bid: u64, ts: &str, nodes: Vec<PathBuf>) -> Self {
        Self {
            db: db.to_owned(),
            bid,
            level: 0,
            ts: ts.to_owned(),
            nodes,
            compression: Compression::Zstd { level: 1 },
            expire: None,
            base: None,
            full_read: false,
            threads: None,
        }
    }

    /// A plan for the next level on top of `base`, same db and nodes.
    pub fn incremental(bid: u64, ts: &str, nodes: Vec<PathBuf>, base: BaseBackup) -> Self {
        let db = base.marker.db.clone();
        let level = base.marker.level.saturating_add(1);
        let compression = base.marker.compression;
        Self {
            level,
            compression,
            base: Some(base),
            ..Self::full(&db, bid, ts, nodes)
        }
    }
}

/// Outcome of a successful backup.
#[derive(Debug, Clone)]
pub struct BackupSummary {
    /// The status marker that was written (it holds the totals).
    pub marker: StatusMarker,
    /// Files read (new or changed).
    pub files_read: u64,
    /// Files whose chunks were taken from the base without reading them.
    pub files_reused: u64,
    /// Wall time.
    pub elapsed: Duration,
}

fn check_plan(plan: &BackupPlan) -> EngineResult<BackupKeys> {
    let invalid = |m: String| Err(EngineError::Invalid(m));
    let Some(keys) = BackupKeys::new(&plan.db, plan.bid, plan.level, &plan.ts) else {
        return invalid(format!(
            "invalid db name '{}' or timestamp '{}'",
            plan.db, plan.ts
        ));
    };
    if plan.nodes.is_empty() || plan.level > 9 {
        return invalid("a backup needs at least one node and a level in 0..=9".into());
    }
    match (&plan.base, plan.level) {
        (None, 0) => {}
        (Some(_), 0) => return invalid("a level-0 backup has no base".into()),
        (None, l) => {
            return Err(EngineError::MissingBase {
                detail: format!("level {l} needs a base backup of level {}", l - 1),
            });
        }
        (Some(b), l) => {
            let m = &b.marker;
            if m.db != plan.db || m.level + 1 != l || m.nodes != plan.nodes.len() {
                return Err(EngineError::MissingBase {
                    detail: format!(
                        "{} ({} nodes) cannot be the base of level {l} of {} ({} nodes)",
                        layout::backup_dir(&m.db, m.bid, m.level),
                        m.nodes,
                        plan.db,
                        plan.nodes.len()
                    ),
                });
            }
            if b.manifests.len() != m.nodes {
                return invalid("base manifests do not match the base's node count".into());
            }
        }
    }
    Ok(keys)
}

/// Backs up `plan.nodes` to `volume`; see the module docs for the order of writes.
///
/// `progress` is updated throughout; `cancel` is checked between chunks, and cancelling
/// removes everything this backup wrote before [`EngineError::Aborted`] is returned.
pub async fn backup(
    volume: &dyn ArchiveVolume,
    plan: &BackupPlan,
    progress: &Arc<Progress>,
    cancel: &CancellationToken,
) -> EngineResult<BackupSummary> {
    let started = Instant::now();
    let keys = check_plan(plan)?;
    let prefix = keys.prefix()?;
    // Never write into (and so never clean up) a prefix that already holds objects: they
    // belong to another backup or to a crashed attempt that recovery must handle.
    if !volume.list(&prefix).await?.is_empty() || !volume.list_incomplete(&prefix).await?.is_empty()
    {
        return Err(EngineError::AlreadyExists {
            prefix: prefix.to_string(),
        });
    }
    match run(volume, plan, &keys, progress, cancel).await {
        Ok(mut summary) => {
            summary.elapsed = started.elapsed();
            Ok(summary)
        }
        Err(e) => {
            discard(volume, &keys, &prefix).await;
            Err(e)
        }
    }
}

/// Removes what a failed or aborted backup wrote; its own failure is only logged, the
/// original error is what the caller must see (recovery retries at the next start).
async fn discard(volume: &dyn ArchiveVolume, keys: &BackupKeys, prefix: &Prefix) {
    // The status marker may already be there (e.g. its directory fsync failed after the
    // rename): it goes first, so a crash mid-discard never leaves a marker over partial data.
    if let Ok(status) = keys.status()
        && let Err(e) = volume.delete(&status).await
    {
        tracing::warn!(%prefix, error = %e, "could not remove the status marker of a failed backup");
    }
    if let Err(e) = volume.delete_prefix(prefix).await {
        tracing::warn!(%prefix, error = %e, "could not remove the objects of a failed backup");
    }
}

async fn run(
    volume: &dyn ArchiveVolume,
    plan: &BackupPlan,
    keys: &BackupKeys,
    progress: &Arc<Progress>,
    cancel: &CancellationToken,
) -> EngineResult<BackupSummary> {
    progress.set_phase(Phase::Protect).await;
    let mut nodes = scan_nodes(plan, cancel).await?;
    let files_read: u64 = nodes.iter().map(|n| n.files.len() as u64).sum();
    let bytes_to_read = nodes
        .iter()
        .flat_map(|n| &n.files)
        .map(|f| f.entry.size)
        .sum();
    progress.set_totals(bytes_to_read, files_read);

    progress.set_phase(Phase::Write).await;
    let stats = write_data(volume, plan, keys, &mut nodes, progress, cancel).await?;
    // Data objects are durable; only now may manifests point into them.
    let (manifests, infos) = write_manifests(volume, plan, keys, nodes, &stats, cancel).await?;

    progress.set_phase(Phase::Validate).await;
    let marker = status_marker(plan, &manifests, &stats, infos);
    validate(volume, keys, &marker, &manifests).await?;

    // The commit point. Cancellation is honoured up to here and not after: once the marker
    // is durable the backup exists and an abort would have to delete a good backup.
    progress.before_status_marker().await;
    check_cancel(cancel)?;
    progress.set_phase(Phase::Unprotect).await;
    let json = marker
        .encode()
        .map_err(|e| EngineError::Internal(format!("encoding status marker: {e}")))?;
    volume.put_new(&keys.status()?, Bytes::from(json)).await?;
    progress.finish().await;
    Ok(BackupSummary {
        files_read,
        files_reused: marker.totals.files.saturating_sub(files_read),
        marker,
        elapsed: Duration::ZERO,
    })
}

/// Step 3: the manifest of every node, with what the status marker records about it.
/// Manifests are encoded off the runtime's threads and written all at once (each write
/// waits for its own fsyncs); every write is awaited before any failure is reported, so
/// none lands after the clean-up.
async fn write_manifests(
    volume: &dyn ArchiveVolume,
    plan: &BackupPlan,
    keys: &BackupKeys,
    nodes: Vec<NodePlan>,
    stats: &[NodeStats],
    cancel: &CancellationToken,
) -> EngineResult<(Vec<Manifest>, Vec<ManifestInfo>)> {
    check_cancel(cancel)?;
    let encodes: Vec<_> = nodes
        .into_iter()
        .enumerate()
        .map(|(k, node)| {
            let m = Manifest {
                format: MANIFEST_FORMAT,
                db: plan.db.clone(),
                bid: plan.bid,
                level: plan.level,
                ts: plan.ts.clone(),
                node: k,
                entries: node.entries,
            };
            tokio::task::spawn_blocking(move || m.encode().map(|bytes| (m, bytes)))
        })
        .collect();
    let mut manifests = Vec::with_capacity(encodes.len());
    let mut infos = Vec::with_capacity(encodes.len());
    let mut puts = Vec::with_capacity(encodes.len());
    for (k, task) in encodes.into_iter().enumerate() {
        let (m, bytes) = task
            .await
            .map_err(|e| EngineError::Internal(format!("manifest task: {e}")))?
            .map_err(|e| EngineError::Internal(format!("encoding manifest: {e}")))?;
        infos.push(ManifestInfo {
            node: k,
            size: bytes.len() as u64,
            blake3: ChunkHash::of(&bytes),
            data_size: stats[k].data_size,
        });
        puts.push((keys.manifest(k)?, Bytes::from(bytes)));
        manifests.push(m);
    }
    let written = futures::future::join_all(
        puts.iter()
            .map(|(key, bytes)| volume.put_new(key, bytes.clone())),
    )
    .await;
    written.into_iter().collect::<Result<Vec<()>, _>>()?;
    Ok((manifests, infos))
}

/// The status marker that commits this backup once it is written.
fn status_marker(
    plan: &BackupPlan,
    manifests: &[Manifest],
    stats: &[NodeStats],
    infos: Vec<ManifestInfo>,
) -> StatusMarker {
    StatusMarker {
        format: STATUS_FORMAT,
        db: plan.db.clone(),
        bid: plan.bid,
        level: plan.level,
        ts: plan.ts.clone(),
        nodes: plan.nodes.len(),
        base: plan.base.as_ref().map(|b| BackupRef {
            bid: b.marker.bid,
            level: b.marker.level,
            ts: b.marker.ts.clone(),
        }),
        expire: plan.expire,
        compression: plan.compression,
        committed_at: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        totals: totals(manifests, stats),
        manifests: infos,
    }
}

fn check_cancel(cancel: &CancellationToken) -> EngineResult<()> {
    if cancel.is_cancelled() {
        Err(EngineError::Aborted)
    } else {
        Ok(())
    }
}
