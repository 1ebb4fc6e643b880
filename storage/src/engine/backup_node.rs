//! Step 2 of a backup, the write phase, node after node: a reader thread and N workers turn
//! the files to read into hashed, compressed chunks (see `backup_read`), and this task
//! dedupes them in file order, against the chain and against itself, and queues the new
//! ones for the node's data object (see `backup_write`).
//!
//! ```text
//! reader (large files; batches of small ones) ──▶ N workers (read small files, BLAKE3 +
//! zstd) ──in order──▶ pump (dedupe, refs) ──queue──▶ data object writer
//! ```
//! The pipeline and the queue are bounded, so memory stays flat whatever the data size.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::backup::BackupPlan;
use super::backup_plan::NodePlan;
use super::backup_read::{Chunk, FileToRead, Piece, WorkerJob, read_files, worker};
use super::backup_write::{Gather, gather, write_queued};
use super::error::{EngineError, EngineResult};
use super::pipeline::{self, pipeline_threads};
use super::progress::Progress;
use crate::archive::{BackupKeys, CHUNK_SIZE, ChunkHash, ChunkRef, Compression, Entry};
use crate::buf_pool::BufPool;
use crate::volume::{ArchiveVolume, ObjectKey, ObjectWriter, VolumeResult};

/// Counters of one node's write phase.
#[derive(Debug, Default)]
pub(crate) struct NodeStats {
    pub bytes_read: u64,
    pub bytes_stored: u64,
    pub chunks_stored: u64,
    pub chunks_reused: u64,
    pub files_read: u64,
    pub data_size: u64,
}

/// Everything the write phase of one node needs.
struct NodeWrite<'a> {
    bid: u64,
    level: u8,
    dir: PathBuf,
    data_key: ObjectKey,
    /// Chunks already stored by the chain, by hash.
    chain: Arc<HashMap<ChunkHash, ChunkRef>>,
    compression: Compression,
    workers: usize,
    progress: &'a Arc<Progress>,
    cancel: &'a CancellationToken,
}

/// Step 2: the data object of every node, one node after the other; each node's entries
/// get the refs of the chunks written for them. A node's data object is made durable
/// (its last flush, which may wait for the disk) while the next node is read.
pub(crate) async fn write_data(
    volume: &dyn ArchiveVolume,
    plan: &BackupPlan,
    keys: &BackupKeys,
    nodes: &mut [NodePlan],
    progress: &Arc<Progress>,
    cancel: &CancellationToken,
) -> EngineResult<Vec<NodeStats>> {
    let workers = plan.threads.unwrap_or_else(pipeline_threads).max(1);
    let mut stats = Vec::with_capacity(nodes.len());
    let mut finishing: Option<Finishing> = None;
    for (k, node) in nodes.iter_mut().enumerate() {
        let job = NodeWrite {
            bid: plan.bid,
            level: plan.level,
            dir: plan.nodes[k].clone(),
            data_key: keys.data(k)?,
            chain: Arc::new(std::mem::take(&mut node.chain)),
            compression: plan.compression,
            workers,
            progress,
            cancel,
        };
        let files = std::mem::take(&mut node.files);
        // Both run to the end even when one fails, so no write is left running.
        let (finished, written) = futures::join!(
            finish(finishing.take()),
            write_node(volume, &job, files, &mut node.entries)
        );
        let finished = finished.map(|size| store_size(&mut stats, size));
        match (finished, written) {
            (Ok(()), Ok((s, writer))) => {
                stats.push(s);
                finishing = Some(writer.finish());
            }
            (Err(e), Ok((_, writer))) => {
                if let Err(ae) = writer.abort().await {
                    tracing::warn!(error = %ae, "could not discard partial data object");
                }
                return Err(e);
            }
            (_, Err(e)) => return Err(e),
        }
    }
    let size = finish(finishing).await?;
    store_size(&mut stats, size);
    Ok(stats)
}

/// A data object being made durable; its size once done.
type Finishing = futures::future::BoxFuture<'static, VolumeResult<u64>>;

async fn finish(finishing: Option<Finishing>) -> EngineResult<Option<u64>> {
    match finishing {
        Some(f) => Ok(Some(f.await?)),
        None => Ok(None),
    }
}

/// Records the size of the last node's data object, once it is durable.
fn store_size(stats: &mut [NodeStats], size: Option<u64>) {
    if let (Some(size), Some(last)) = (size, stats.last_mut()) {
        last.data_size = size;
    }
}

/// Runs the write phase of one node: fills `entries[i].chunks` of every file read. On
/// success the data object holds every chunk and is returned unfinished, so the caller
/// can make it durable while the next node is read; on failure it is aborted.
async fn write_node(
    volume: &dyn ArchiveVolume,
    job: &NodeWrite<'_>,
    files: Vec<FileToRead>,
    entries: &mut [Entry],
) -> EngineResult<(NodeStats, Box<dyn ObjectWriter>)> {
    let mut writer = volume.create(&job.data_key).await?;
    // A chunk for every worker and two waiting: with two workers per core, half of them
    // wait for the device at any time, so more would only hold memory (each slot is up to
    // two chunk buffers; 2 * workers + 2 took the 1 GiB backup to 292 MiB of RSS).
    let depth = job.workers + 2;
    // Enough idle buffers for every chunk the pipeline holds at once.
    let pool = BufPool::new(CHUNK_SIZE, 2 * depth + 4);
    let work = WorkerJob {
        dir: job.dir.clone(),
        compression: job.compression,
        progress: Arc::clone(job.progress),
        cancel: job.cancel.clone(),
        pool: pool.clone(),
        chain: Arc::clone(&job.chain),
    };
    let (feeder, drain) = pipeline::start("confd-chunk", job.workers, depth, worker(work.clone()))?;
    // A thread of its own (not tokio's blocking pool) so that it can yield the CPU to
    // request handling like the compression workers do.
    let (read_tx, read_rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("confd-read".into())
        .spawn(move || {
            pipeline::lower_priority();
            let _ = read_tx.send(read_files(files, &feeder, &work));
        })
        .map_err(|e| EngineError::Internal(format!("cannot start the reader thread: {e}")))?;

    let (out, queue) = gather(pool);
    let (pumped, written) = futures::join!(
        pump(out, drain, job, entries),
        write_queued(&mut *writer, queue)
    );
    // The drain is gone now, so a reader blocked on a full pipeline wakes up and stops.
    let read = read_rx
        .await
        .map_err(|_| EngineError::Internal("the reader thread ended without an answer".into()))
        .and_then(|r| r);
    let outcome = match (written, pumped, read) {
        (Err(e), _, _) => Err(e.into()),
        (Ok(()), Err(e), _) | (Ok(()), Ok(_), Err(e)) => Err(e),
        (Ok(()), Ok(stats), Ok(())) if writer.written() != stats.bytes_stored => {
            Err(EngineError::Internal(format!(
                "data object has {} bytes, its chunks {}",
                writer.written(),
                stats.bytes_stored
            )))
        }
        (Ok(()), Ok(stats), Ok(())) => Ok(stats),
    };
    match outcome {
        Ok(stats) => Ok((stats, writer)),
        Err(e) => {
            if let Err(ae) = writer.abort().await {
                tracing::warn!(error = %ae, "could not discard partial data object");
            }
            Err(e)
        }
    }
}

/// Dedupe and write state of one node's pump.
struct Store<'a> {
    job: &'a NodeWrite<'a>,
    out: Gather,
    own: HashMap<ChunkHash, ChunkRef>,
    stats: NodeStats,
}

impl Store<'_> {
    /// The ref of `c`: a chunk already in the chain or in this object, or `c` stored now.
    async fn store(&mut self, c: Chunk) -> EngineResult<ChunkRef> {
        let known = self
            .job
            .chain
            .get(&c.hash)
            .or_else(|| self.own.get(&c.hash));
        let r = match known {
            Some(r) => {
                self.stats.chunks_reused += 1;
                r.clone()
            }
            None => {
                let r = ChunkRef {
                    bid: self.job.bid,
                    level: self.job.level,
                    offset: self.out.offset(),
                    stored_len: c.stored.len() as u64,
                    raw_len: c.raw_len,
                    blake3: c.hash,
                    compressed: c.compressed,
                };
                self.out.push(c.stored).await?;
                self.stats.chunks_stored += 1;
                self.stats.bytes_stored += r.stored_len;
                self.own.insert(c.hash, r.clone());
                r
            }
        };
        self.stats.bytes_read += c.raw_len;
        self.job.progress.add_bytes(c.raw_len);
        Ok(r)
    }

    fn file_done(&mut self) {
        self.stats.files_read += 1;
        self.job.progress.add_file();
    }
}

/// The ordered writer: stores new chunks, references known ones.
async fn pump(
    out: Gather,
    mut drain: pipeline::Drain<Piece>,
    job: &NodeWrite<'_>,
    entries: &mut [Entry],
) -> EngineResult<NodeStats> {
    let mut s = Store {
        job,
        out,
        own: HashMap::new(),
        stats: NodeStats::default(),
    };
    let mut cur = None;
    loop {
        let next = tokio::select! {
            biased;
            () = job.cancel.cancelled() => return Err(EngineError::Aborted),
            next = drain.next() => next?,
        };
        let Some(piece) = next else { break };
        match piece {
            Piece::Start(i) => {
                entries[i].chunks.clear();
                cur = Some(i);
            }
            Piece::Chunk(c) => {
                let i = cur.ok_or_else(|| EngineError::Internal("chunk outside a file".into()))?;
                let r = s.store(c).await?;
                entries[i].chunks.push(r);
            }
            Piece::End(i) => {
                if cur != Some(i) {
                    return Err(EngineError::Internal("file end without start".into()));
                }
                s.file_done();
                cur = None;
            }
            Piece::Files(files) => {
                for (i, chunk) in files {
                    // Exactly one ref, not a pushed-to Vec's four: a tree of 200,000 small
                    // files holds as many chunk lists until its manifest is written.
                    entries[i].chunks = match chunk {
                        Some(c) => vec![s.store(c).await?],
                        None => Vec::new(),
                    };
                    s.file_done();
                }
            }
            Piece::Failed(e) => return Err(e),
        }
    }
    s.out.flush().await?;
    Ok(s.stats)
}
