//! The reading side of a node's write phase: what goes into the pipeline and what comes
//! out of it.
//!
//! Files larger than one chunk are read by the one reader thread, chunk after chunk, and
//! its chunks go to the workers to be hashed and compressed. Small files (at most one
//! chunk, most files of a real database tree) go to the workers in batches instead, and
//! each worker opens, reads, checks, hashes and compresses them itself: their opens and
//! reads then run on every core, and one pipeline slot carries a whole batch instead of a
//! round trip per file.
//!
//! Either way a file must look the same (size, mtime, inode) before and after it is read,
//! through the open descriptor and through its path (a replace by rename is a change too),
//! and must have exactly `size` bytes; anything else fails the backup naming the file,
//! rather than storing a torn copy.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::error::{EngineError, EngineResult};
use super::pipeline::Feeder;
use super::progress::Progress;
use super::tree::same_file;
use crate::archive::{CHUNK_SIZE, ChunkHash, ChunkRef, Compression, Entry};
use crate::buf_pool::{BufPool, Pooled};

/// A batch of small files is cut once it holds this many bytes: the memory bound of a
/// pipeline slot stays one chunk.
const BATCH_BYTES: u64 = CHUNK_SIZE as u64;

/// ... or this many files, so that a batch of empty or tiny files (an open and four
/// metadata calls each) still ends within milliseconds and cancellation stays prompt.
const BATCH_FILES: usize = 512;

/// A file to read: its index in the entry list and the scanned state it must keep.
pub(crate) struct FileToRead {
    pub index: usize,
    pub entry: Entry,
}

/// What the reader hands to a worker.
pub(crate) enum Work {
    /// A chunk of a large file, already read.
    Chunk(Pooled),
    /// Small files for the worker to read itself, in entry order.
    Files(Vec<FileToRead>),
}

/// A hashed and (maybe) compressed chunk; `stored` is empty when the chain has it.
pub(crate) struct Chunk {
    pub hash: ChunkHash,
    pub raw_len: u64,
    pub stored: Bytes,
    pub compressed: bool,
}

impl Chunk {
    fn in_chain(hash: ChunkHash, raw_len: usize) -> Self {
        Self {
            hash,
            raw_len: raw_len as u64,
            stored: Bytes::new(),
            compressed: false,
        }
    }
}

/// What flows out of the pipeline, in file order.
pub(crate) enum Piece {
    /// Chunks of (large) entry `i` follow.
    Start(usize),
    /// The next chunk of the current large file.
    Chunk(Chunk),
    /// Large entry `i` was read completely and did not change.
    End(usize),
    /// Small files, each read completely and unchanged, with its chunk (none when empty).
    Files(Vec<(usize, Option<Chunk>)>),
    /// A worker could not read a small file unchanged: the backup fails with this error.
    Failed(EngineError),
}

/// What every worker needs besides its own buffers.
#[derive(Clone)]
pub(crate) struct WorkerJob {
    pub dir: PathBuf,
    pub compression: Compression,
    pub progress: Arc<Progress>,
    pub cancel: CancellationToken,
    pub pool: BufPool,
    /// Chunks the chain already stores: found there, a chunk is not compressed at all, as
    /// the writer only references it (an incremental re-reads whole changed files).
    pub chain: Arc<HashMap<ChunkHash, ChunkRef>>,
}

/// One worker's state: its compression context and buffers reused from item to item, so a
/// small file costs no allocation but its stored copy.
struct Worker {
    job: WorkerJob,
    zstd: Option<zstd::bulk::Compressor<'static>>,
    read_buf: Vec<u8>,
    packed: Vec<u8>,
}

/// The work function of each pipeline worker.
pub(crate) fn worker(job: WorkerJob) -> impl Fn() -> Box<dyn FnMut(Work) -> Piece> {
    move || {
        let zstd = match job.compression {
            Compression::Zstd { level } => zstd::bulk::Compressor::new(level).ok(),
            Compression::None => None,
        };
        let mut w = Worker {
            job: job.clone(),
            zstd,
            read_buf: Vec::new(),
            packed: Vec::new(),
        };
        Box::new(move |work| match work {
            Work::Chunk(raw) => Piece::Chunk(w.pack_large(raw)),
            Work::Files(files) => w.read_small(files),
        })
    }
}

impl Worker {
    /// Hashes and compresses a chunk of a large file, into a pooled buffer. The compressed
    /// form is kept only when it is smaller: incompressible chunks are stored raw, so they
    /// cost nothing to restore. A compressor error (not expected) also falls back to raw
    /// rather than failing.
    fn pack_large(&mut self, raw: Pooled) -> Chunk {
        let hash = ChunkHash::of(raw.as_ref());
        let raw_len = raw.len();
        if self.job.chain.contains_key(&hash) {
            return Chunk::in_chain(hash, raw_len);
        }
        let mut out = self.job.pool.get(0);
        // Room for one byte less than the input: output that does not fit is no smaller.
        let packed = self.zstd.as_mut().and_then(|z| {
            let room = &mut out.whole()[..raw_len.saturating_sub(1)];
            z.compress_to_buffer(raw.as_ref(), room).ok()
        });
        let (stored, compressed) = match packed {
            Some(n) => {
                out.set_len(n);
                (out.into_bytes(), true)
            }
            None => (raw.into_bytes(), false),
        };
        Chunk {
            hash,
            raw_len: raw_len as u64,
            stored,
            compressed,
        }
    }

    /// Hashes and compresses a small file's only chunk; the stored copy is exactly its
    /// size, as a batch may hold hundreds of them.
    fn pack_small(&mut self, raw: &[u8]) -> Chunk {
        let hash = ChunkHash::of(raw);
        if self.job.chain.contains_key(&hash) {
            return Chunk::in_chain(hash, raw.len());
        }
        let packed = self.zstd.as_mut().is_some_and(|z| {
            self.packed.clear();
            self.packed
                .reserve(zstd::zstd_safe::compress_bound(raw.len()));
            z.compress_to_buffer(raw, &mut self.packed).is_ok() && self.packed.len() < raw.len()
        });
        let stored = if packed { &self.packed[..] } else { raw };
        Chunk {
            hash,
            raw_len: raw.len() as u64,
            stored: Bytes::copy_from_slice(stored),
            compressed: packed,
        }
    }

    fn read_small(&mut self, files: Vec<FileToRead>) -> Piece {
        let mut out = Vec::with_capacity(files.len());
        for FileToRead { index, entry } in files {
            if self.job.cancel.is_cancelled() {
                return Piece::Failed(EngineError::Aborted);
            }
            let path = self.job.dir.join(entry.rel_path());
            // Lengths here are at most one chunk (`read_files` sends nothing larger).
            let len = usize::try_from(entry.size)
                .unwrap_or(CHUNK_SIZE)
                .min(CHUNK_SIZE);
            if self.read_buf.len() < len {
                self.read_buf.resize(len, 0);
            }
            let mut buf = std::mem::take(&mut self.read_buf);
            let read = read_whole(&path, &entry, &mut buf[..len], &self.job.progress);
            let chunk = (read.is_ok() && len > 0).then(|| self.pack_small(&buf[..len]));
            self.read_buf = buf;
            if let Err(e) = read {
                return Piece::Failed(e);
            }
            out.push((index, chunk));
        }
        Piece::Files(out)
    }
}

fn changed(path: &Path) -> EngineError {
    EngineError::FileChanged {
        file: path.to_path_buf(),
    }
}

/// Opens `path` and checks that it is still the file the scan saw.
fn open_unchanged(path: &Path, entry: &Entry) -> EngineResult<File> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(changed(path)),
        Err(e) => return Err(EngineError::io(path)(e)),
    };
    let before = f.metadata().map_err(EngineError::io(path))?;
    if !same_file(entry, &before) {
        return Err(changed(path));
    }
    Ok(f)
}

/// Fills `buf` from `f`; a file shorter than expected has changed.
fn read_chunk(f: &mut File, path: &Path, buf: &mut [u8]) -> EngineResult<()> {
    match f.read_exact(buf) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(changed(path)),
        Err(e) => Err(EngineError::io(path)(e)),
    }
}

/// After the last byte: nothing more to read, and still the same file through the
/// descriptor and through the path.
fn check_unchanged_after(f: &mut File, path: &Path, entry: &Entry) -> EngineResult<()> {
    let grew = f.read(&mut [0u8; 1]).map_err(EngineError::io(path))? > 0;
    let after_fd = f.metadata().map_err(EngineError::io(path))?;
    let after_path = fs::symlink_metadata(path).map_err(|_| changed(path))?;
    if grew || !same_file(entry, &after_fd) || !same_file(entry, &after_path) {
        return Err(changed(path));
    }
    Ok(())
}

/// Reads a small file (`buf` is exactly its size) with every check of a large one.
fn read_whole(path: &Path, entry: &Entry, buf: &mut [u8], progress: &Progress) -> EngineResult<()> {
    let mut f = open_unchanged(path, entry)?;
    if !buf.is_empty() {
        read_chunk(&mut f, path, buf)?;
        progress.chunk(path, 0);
    }
    check_unchanged_after(&mut f, path, entry)
}

/// The reader thread: large files chunk by chunk, small files gathered into batches for
/// the workers, all in entry order.
pub(crate) fn read_files(
    files: Vec<FileToRead>,
    feeder: &Feeder<Work, Piece>,
    job: &WorkerJob,
) -> EngineResult<()> {
    let closed = |_| EngineError::Aborted; // the writer stopped; its error is the one reported
    let mut batch = Vec::new();
    let mut batch_bytes = 0;
    for file in files {
        if job.cancel.is_cancelled() {
            return Err(EngineError::Aborted);
        }
        if file.entry.size <= CHUNK_SIZE as u64 {
            batch_bytes += file.entry.size;
            batch.push(file);
            if batch_bytes >= BATCH_BYTES || batch.len() >= BATCH_FILES {
                let full = std::mem::take(&mut batch);
                feeder.blocking_submit(Work::Files(full)).map_err(closed)?;
                batch_bytes = 0;
            }
            continue;
        }
        if !batch.is_empty() {
            let full = std::mem::take(&mut batch);
            feeder.blocking_submit(Work::Files(full)).map_err(closed)?;
            batch_bytes = 0;
        }
        read_large(file, feeder, job)?;
    }
    if !batch.is_empty() {
        feeder.blocking_submit(Work::Files(batch)).map_err(closed)?;
    }
    Ok(())
}

fn read_large(
    FileToRead { index, entry }: FileToRead,
    feeder: &Feeder<Work, Piece>,
    job: &WorkerJob,
) -> EngineResult<()> {
    let closed = |_| EngineError::Aborted;
    let path = job.dir.join(entry.rel_path());
    let mut f = open_unchanged(&path, &entry)?;
    feeder.blocking_pass(Piece::Start(index)).map_err(closed)?;
    let mut offset = 0u64;
    while offset < entry.size {
        if job.cancel.is_cancelled() {
            return Err(EngineError::Aborted);
        }
        let n = (entry.size - offset).min(CHUNK_SIZE as u64) as usize;
        let mut buf = job.pool.get(n);
        read_chunk(&mut f, &path, buf.as_mut())?;
        feeder.blocking_submit(Work::Chunk(buf)).map_err(closed)?;
        job.progress.chunk(&path, offset);
        offset += n as u64;
    }
    check_unchanged_after(&mut f, &path, &entry)?;
    feeder.blocking_pass(Piece::End(index)).map_err(closed)
}
