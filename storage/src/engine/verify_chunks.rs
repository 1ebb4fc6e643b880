//! The chunk pass of a verify: every chunk a manifest of the chain refers to, read once
//! (several files or backups may share it), per data object in offset order so a disk
//! reads forward, back-to-back chunks as one span.
//!
//! ```text
//! producer (async: spans, several in flight) ──stored chunks──▶ N workers (zstd -d + BLAKE3) ──in order──▶ tally (blocking thread)
//! ```
//! The tally thread counts progress and calls the hooks (which may block), and names
//! each file a bad chunk belongs to once per data object.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use bytes::Bytes;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::error::{EngineError, EngineResult};
use super::pipeline::{self, Drain, Feeder, default_workers};
use super::progress::Progress;
use super::spans::{self, Span};
use super::unpack::Unpacker;
use super::verify::{Damage, Loaded, VerifyReport};
use crate::archive::{ChunkRef, EntryKind, layout};
use crate::volume::{ArchiveVolume, ObjectKey};

/// Everything the chunk pass reads, grouped by data object.
pub(crate) struct Plan {
    targets: Vec<Target>,
    /// `node_<k>/<path>` of every file named by a chunk.
    files: Vec<String>,
}

/// One data object and the chunks in it that manifests refer to, by offset.
struct Target {
    key: ObjectKey,
    chunks: Vec<Chunk>,
}

struct Chunk {
    r: ChunkRef,
    /// Indexes into [`Plan::files`].
    files: Vec<usize>,
}

/// (target, chunk) of a read chunk, and whether it checked out.
type Checked = (usize, usize, Result<(), String>);

impl Plan {
    /// Collects the chunk references of every intact manifest. A file whose chunks do not
    /// add up to its size, or that points outside the chain, is damage found here.
    pub(crate) fn build(loaded: &[Loaded], report: &mut VerifyReport) -> EngineResult<Plan> {
        let in_chain: HashMap<(u64, u8), usize> = loaded
            .iter()
            .enumerate()
            .map(|(i, b)| ((b.marker.bid, b.marker.level), i))
            .collect();
        let mut objects: BTreeMap<(usize, usize), BTreeMap<u64, Chunk>> = BTreeMap::new();
        let mut files: Vec<String> = Vec::new();
        let mut ids: HashMap<(usize, Vec<u8>), usize> = HashMap::new();
        let mut reported = HashSet::new();
        for b in loaded {
            for (node, m) in b.manifests.iter().enumerate() {
                let Some(m) = m else { continue };
                for e in m.entries.iter().filter(|e| e.kind == EntryKind::File) {
                    let id = *ids.entry((node, e.path.clone())).or_insert_with(|| {
                        files.push(format!("node_{node}/{}", String::from_utf8_lossy(&e.path)));
                        files.len() - 1
                    });
                    let mut bad = |object: String, detail: &str| {
                        if reported.insert((id, object.clone())) {
                            report.add(Damage {
                                file: Some(files[id].clone()),
                                object,
                                detail: detail.into(),
                            });
                        }
                    };
                    if e.chunks.iter().map(|c| c.raw_len).sum::<u64>() != e.size {
                        let manifest = b.keys.manifest(node)?.to_string();
                        bad(manifest, "its chunks do not add up to its size");
                    }
                    for r in &e.chunks {
                        let Some(&i) = in_chain.get(&(r.bid, r.level)) else {
                            let dir = layout::backup_dir(&m.db, r.bid, r.level);
                            bad(dir, "it refers to a backup that is not in the chain");
                            continue;
                        };
                        let chunk = objects
                            .entry((i, node))
                            .or_default()
                            .entry(r.offset)
                            .or_insert_with(|| Chunk {
                                r: r.clone(),
                                files: Vec::new(),
                            });
                        if !chunk.files.contains(&id) {
                            chunk.files.push(id);
                        }
                    }
                }
            }
        }
        let targets = objects
            .into_iter()
            .map(|((i, node), chunks)| {
                Ok(Target {
                    key: loaded[i].keys.data(node)?,
                    chunks: chunks.into_values().collect(),
                })
            })
            .collect::<EngineResult<_>>()?;
        Ok(Plan { targets, files })
    }

    /// Raw bytes of all chunks to check: the progress total.
    pub(crate) fn bytes(&self) -> u64 {
        self.targets
            .iter()
            .flat_map(|t| &t.chunks)
            .map(|c| c.r.raw_len)
            .sum()
    }
}

/// Reads and checks every chunk of `plan`; damage goes into `report`.
pub(crate) async fn check_chunks(
    volume: &dyn ArchiveVolume,
    plan: Arc<Plan>,
    progress: &Arc<Progress>,
    cancel: &CancellationToken,
    report: &mut VerifyReport,
) -> EngineResult<()> {
    let workers = default_workers();
    let for_workers = Arc::clone(&plan);
    let (feeder, drain) = pipeline::start("confd-verify", workers, 2 * workers + 2, move || {
        let plan = Arc::clone(&for_workers);
        let mut unpacker = Unpacker::new();
        move |(t, c, stored): (usize, usize, Bytes)| -> Checked {
            let r = &plan.targets[t].chunks[c].r;
            (t, c, unpacker.unpack(r, &stored).map(|_| ()))
        }
    })?;
    let tallied = {
        let (plan, progress, cancel) = (Arc::clone(&plan), Arc::clone(progress), cancel.clone());
        tokio::task::spawn_blocking(move || tally(drain, &plan, &progress, &cancel))
    };
    let produced = read_chunks(volume, &plan, &feeder, cancel).await;
    // Ends the stream: the tally drains what is queued and returns.
    drop(feeder);
    let tallied = tallied
        .await
        .map_err(|e| EngineError::Internal(format!("verify tally thread: {e}")))?;
    match (produced, tallied) {
        // The tally's error is the cause when the producer only saw it go away.
        (Err(EngineError::Aborted), Err(e)) if !cancel.is_cancelled() => Err(e),
        (Err(e), _) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(found)) => {
            report.absorb(found);
            Ok(())
        }
    }
}

/// The producer: the stored bytes of every chunk, in plan order, read as spans. A chunk
/// that is not on the volume is damage, passed on as such; any other volume failure stops
/// the verify.
async fn read_chunks(
    volume: &dyn ArchiveVolume,
    plan: &Plan,
    feeder: &Feeder<(usize, usize, Bytes), Checked>,
    cancel: &CancellationToken,
) -> EngineResult<()> {
    let keys: Vec<ObjectKey> = plan.targets.iter().map(|t| t.key.clone()).collect();
    let chunks = plan.targets.iter().enumerate().flat_map(|(t, target)| {
        target.chunks.iter().enumerate().map(move |(c, chunk)| {
            let r = &chunk.r;
            (t, r.offset..r.offset.saturating_add(r.stored_len), (t, c))
        })
    });
    let mut fetched = std::pin::pin!(spans::fetch(volume, &keys, spans::plan(chunks)));
    while let Some(span) = fetched.next().await {
        if cancel.is_cancelled() {
            return Err(EngineError::Aborted);
        }
        match span {
            Ok(chunks) => {
                for ((t, c), stored) in chunks {
                    feeder
                        .submit((t, c, stored))
                        .await
                        .map_err(|_| EngineError::Aborted)?;
                }
            }
            Err((span, e)) if spans::is_lost(&e) => {
                read_one_by_one(volume, &keys, span, feeder).await?;
            }
            Err((_, e)) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The chunks of a span whose read failed as damage, each read on its own so only those
/// that are really gone are reported.
async fn read_one_by_one(
    volume: &dyn ArchiveVolume,
    keys: &[ObjectKey],
    span: Span<(usize, usize)>,
    feeder: &Feeder<(usize, usize, Bytes), Checked>,
) -> EngineResult<()> {
    let key = &keys[span.object];
    for ((t, c), range) in span.chunks {
        let sent = match volume.get_range(key, range).await {
            Ok(stored) => feeder.submit((t, c, stored)).await,
            Err(e) if spans::is_lost(&e) => feeder.pass((t, c, Err(e.to_string()))).await,
            Err(e) => return Err(e.into()),
        };
        sent.map_err(|_| EngineError::Aborted)?;
    }
    Ok(())
}

/// The consumer, on a blocking thread: progress, hooks, and the damage found.
fn tally(
    mut drain: Drain<Checked>,
    plan: &Plan,
    progress: &Progress,
    cancel: &CancellationToken,
) -> EngineResult<VerifyReport> {
    let mut found = VerifyReport::default();
    let mut named = HashSet::new();
    while let Some((t, c, result)) = drain.blocking_next()? {
        if cancel.is_cancelled() {
            return Err(EngineError::Aborted);
        }
        let target = &plan.targets[t];
        let chunk = &target.chunks[c];
        found.chunks += 1;
        found.bytes += chunk.r.raw_len;
        progress.add_bytes(chunk.r.raw_len);
        if let Some(&f) = chunk.files.first() {
            progress.chunk(Path::new(&plan.files[f]), chunk.r.offset);
        }
        let Err(detail) = result else { continue };
        for &f in &chunk.files {
            if named.insert((t, f)) {
                found.add(Damage {
                    file: Some(plan.files[f].clone()),
                    object: target.key.to_string(),
                    detail: detail.clone(),
                });
            }
        }
    }
    Ok(found)
}
