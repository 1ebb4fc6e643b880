//! The write phase of one node: a reader thread cuts the files to read into chunks, worker
//! threads hash and compress them, and this task writes new chunks to the node's data
//! object in file order, deduplicating against the chain and against itself.
//!
//! ```text
//! reader (blocking thread) ──chunks──▶ N workers (BLAKE3 + zstd) ──in order──▶ writer (async)
//! ```
//! The pipeline is bounded (see `pipeline`), so memory stays flat whatever the data size.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::error::{EngineError, EngineResult};
use super::pipeline::{self, Feeder};
use super::progress::Progress;
use super::tree::same_file;
use crate::archive::{CHUNK_SIZE, ChunkHash, ChunkRef, Compression, Entry};
use crate::volume::{ObjectKey, ObjectWriter};

/// A hashed and (maybe) compressed chunk.
pub(crate) struct Chunk {
    hash: ChunkHash,
    raw_len: u64,
    stored: Bytes,
    compressed: bool,
}

/// What flows through the pipeline, in file order.
pub(crate) enum Piece {
    /// Chunks of entry `i` follow.
    Start(usize),
    /// The next chunk of the current file.
    Chunk(Chunk),
    /// Entry `i` was read completely and did not change.
    End(usize),
}

/// A file to read: its index in the entry list and the scanned state it must keep.
pub(crate) struct FileToRead {
    pub index: usize,
    pub entry: Entry,
}

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
pub(crate) struct NodeWrite<'a> {
    pub bid: u64,
    pub level: u8,
    pub dir: PathBuf,
    pub data_key: ObjectKey,
    /// Chunks already stored by the chain, by hash.
    pub chain: HashMap<ChunkHash, ChunkRef>,
    pub compression: Compression,
    pub workers: usize,
    pub progress: &'a Arc<Progress>,
    pub cancel: &'a CancellationToken,
}

fn hash_and_compress(compression: Compression) -> impl Fn() -> Box<dyn FnMut(Vec<u8>) -> Piece> {
    move || {
        let mut ctx = match compression {
            Compression::Zstd { level } => zstd::bulk::Compressor::new(level).ok(),
            Compression::None => None,
        };
        Box::new(move |raw: Vec<u8>| {
            let hash = ChunkHash::of(&raw);
            let raw_len = raw.len() as u64;
            // Keep the compressed form only when it is smaller: incompressible chunks are
            // stored raw, so they cost nothing to restore. A compressor error (not expected)
            // also falls back to raw rather than failing the backup.
            let packed = ctx
                .as_mut()
                .and_then(|c| c.compress(&raw).ok())
                .filter(|z| z.len() < raw.len());
            let (stored, compressed) = match packed {
                Some(z) => (Bytes::from(z), true),
                None => (Bytes::from(raw), false),
            };
            Piece::Chunk(Chunk {
                hash,
                raw_len,
                stored,
                compressed,
            })
        })
    }
}

/// Runs the write phase of one node: fills `entries[i].chunks` of every file read and
/// leaves the node's data object finished (durable) on success, aborted on failure.
pub(crate) async fn write_node(
    volume: &dyn crate::volume::ArchiveVolume,
    job: &NodeWrite<'_>,
    files: Vec<FileToRead>,
    entries: &mut [Entry],
) -> EngineResult<NodeStats> {
    let mut writer = volume.create(&job.data_key).await?;
    let depth = 2 * job.workers + 2;
    let (feeder, drain) = pipeline::start(
        "confd-chunk",
        job.workers,
        depth,
        hash_and_compress(job.compression),
    )?;
    let (dir, progress, cancel) = (
        job.dir.clone(),
        Arc::clone(job.progress),
        job.cancel.clone(),
    );
    // A thread of its own (not tokio's blocking pool) so that it can yield the CPU to
    // request handling like the compression workers do.
    let (read_tx, read_rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("confd-read".into())
        .spawn(move || {
            pipeline::lower_priority();
            let _ = read_tx.send(read_files(&dir, files, &feeder, &progress, &cancel));
        })
        .map_err(|e| EngineError::Internal(format!("cannot start the reader thread: {e}")))?;
    let reader = read_rx;

    let pumped = pump(&mut *writer, drain, job, entries).await;
    // The drain is gone now, so a reader blocked on a full pipeline wakes up and stops.
    let read = reader
        .await
        .map_err(|_| EngineError::Internal("the reader thread ended without an answer".into()))
        .and_then(|r| r);
    let outcome = match (pumped, read) {
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
        (Ok(stats), Ok(())) => Ok(stats),
    };
    match outcome {
        Ok(mut stats) => {
            stats.data_size = writer.finish().await?;
            Ok(stats)
        }
        Err(e) => {
            if let Err(ae) = writer.abort().await {
                tracing::warn!(error = %ae, "could not discard partial data object");
            }
            Err(e)
        }
    }
}

/// The ordered writer: stores new chunks, references known ones.
async fn pump(
    writer: &mut dyn ObjectWriter,
    mut drain: pipeline::Drain<Piece>,
    job: &NodeWrite<'_>,
    entries: &mut [Entry],
) -> EngineResult<NodeStats> {
    let mut stats = NodeStats::default();
    let mut own: HashMap<ChunkHash, ChunkRef> = HashMap::new();
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
                let known = job.chain.get(&c.hash).or_else(|| own.get(&c.hash));
                let r = match known {
                    Some(r) => {
                        stats.chunks_reused += 1;
                        r.clone()
                    }
                    None => {
                        let r = ChunkRef {
                            bid: job.bid,
                            level: job.level,
                            offset: writer.written(),
                            stored_len: c.stored.len() as u64,
                            raw_len: c.raw_len,
                            blake3: c.hash,
                            compressed: c.compressed,
                        };
                        writer.write(c.stored).await?;
                        stats.chunks_stored += 1;
                        stats.bytes_stored += r.stored_len;
                        own.insert(c.hash, r.clone());
                        r
                    }
                };
                stats.bytes_read += c.raw_len;
                job.progress.add_bytes(c.raw_len);
                entries[i].chunks.push(r);
            }
            Piece::End(i) => {
                if cur != Some(i) {
                    return Err(EngineError::Internal("file end without start".into()));
                }
                stats.files_read += 1;
                job.progress.add_file();
                cur = None;
            }
        }
    }
    Ok(stats)
}

fn changed(path: &Path) -> EngineError {
    EngineError::FileChanged {
        file: path.to_path_buf(),
    }
}

/// Reads each file in chunks. A file must look the same (size, mtime, inode) before and
/// after it is read, through the open descriptor and through its path (a replace by rename
/// is a change too), and must have exactly `size` bytes; anything else fails the backup
/// naming the file, rather than storing a torn copy.
fn read_files(
    dir: &Path,
    files: Vec<FileToRead>,
    feeder: &Feeder<Vec<u8>, Piece>,
    progress: &Progress,
    cancel: &CancellationToken,
) -> EngineResult<()> {
    let closed = |_| EngineError::Aborted; // the writer stopped; its error is the one reported
    for FileToRead { index, entry } in files {
        let path = dir.join(entry.rel_path());
        let mut f = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(changed(&path)),
            Err(e) => return Err(EngineError::io(&path)(e)),
        };
        let before = f.metadata().map_err(EngineError::io(&path))?;
        if !same_file(&entry, &before) {
            return Err(changed(&path));
        }
        feeder.blocking_pass(Piece::Start(index)).map_err(closed)?;
        let mut offset = 0u64;
        while offset < entry.size {
            if cancel.is_cancelled() {
                return Err(EngineError::Aborted);
            }
            let n = (entry.size - offset).min(CHUNK_SIZE as u64) as usize;
            let mut buf = vec![0u8; n];
            match f.read_exact(&mut buf) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(changed(&path)),
                Err(e) => return Err(EngineError::io(&path)(e)),
            }
            feeder.blocking_submit(buf).map_err(closed)?;
            progress.chunk(&path, offset);
            offset += n as u64;
        }
        let grew = f.read(&mut [0u8; 1]).map_err(EngineError::io(&path))? > 0;
        let after_fd = f.metadata().map_err(EngineError::io(&path))?;
        let after_path = fs::symlink_metadata(&path).map_err(|_| changed(&path))?;
        if grew || !same_file(&entry, &after_fd) || !same_file(&entry, &after_path) {
            return Err(changed(&path));
        }
        feeder.blocking_pass(Piece::End(index)).map_err(closed)?;
    }
    Ok(())
}
