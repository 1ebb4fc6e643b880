//! The write phase of a restore for one node: file contents.
//!
//! ```text
//! producer (async: spans of chunks, several reads in flight) ──chunks──▶ N workers (zstd -d + BLAKE3 + positional write)
//! ```
//! Every chunk is verified against its BLAKE3 before a byte of it reaches the file; a
//! mismatch, a short object or a bad zstd frame fails the restore naming the file.
//!
//! Workers take chunks in any order and write each at its offset, so many small files and
//! one large file alike restore on every core. The first chunk of a file to arrive creates
//! it; the last one to be written sets its mode and mtime. Large files are written past
//! the page cache ([`direct`]). Nothing here fsyncs: the caller makes the whole tree
//! durable at once (`syncfs`), which costs one flush instead of one per file.

use std::collections::HashMap;
use std::fs::{File, FileTimes, Permissions};
use std::io;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use futures::StreamExt;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::error::{EngineError, EngineResult};
use super::pipeline::lower_priority;
use super::progress::Progress;
use super::spans::{self, Span};
use super::tree::system_time;
use super::unpack::Unpacker;
use crate::archive::{ChunkRef, Entry, EntryKind, Manifest};
use crate::direct;
use crate::volume::{ArchiveVolume, ObjectKey, VolumeError};

/// Where a chunk goes: file slot, chunk index in its entry, byte offset in the file.
type ChunkAt = (usize, usize, u64);

/// Work for a restore thread: a whole span or a batch of empty files, so that a thread
/// hand-off costs per few MiB rather than per small file.
enum Task {
    /// The chunks of one span read, with their stored bytes.
    Chunks(Vec<(ChunkAt, Bytes)>),
    /// File slots without content: each is created empty.
    Empty(Vec<usize>),
}

/// Empty files per [`Task::Empty`].
const EMPTY_BATCH: usize = 256;

/// A regular file of the manifest being restored: a few words each, since a restore may
/// hold hundreds of thousands (its path is derived when needed).
struct Slot {
    /// Index into the manifest's entries.
    entry: usize,
    /// Chunks not written yet; the worker that writes the last one finishes the file.
    remaining: AtomicUsize,
    /// Created by the first chunk to arrive.
    file: Mutex<Option<Arc<Output>>>,
}

/// A file being written.
struct Output {
    file: File,
    /// Opened for direct writes: its last chunk may be written padded, so finishing it
    /// cuts it to its size.
    opened_direct: bool,
    /// Still written directly (a device may refuse direct writes after all).
    direct: AtomicBool,
}

/// What the producer and the workers share.
struct Shared {
    manifest: Arc<Manifest>,
    /// The node directory restored into.
    dir: PathBuf,
    slots: Vec<Slot>,
    progress: Arc<Progress>,
    /// Cancelled by the caller, or by the first failure here.
    stop: CancellationToken,
    failure: Mutex<Option<EngineError>>,
    /// Set once a device refused an aligned direct write: the files opened after it go
    /// through the page cache.
    no_direct: AtomicBool,
}

impl Shared {
    fn entry(&self, slot: &Slot) -> &Entry {
        &self.manifest.entries[slot.entry]
    }

    fn path(&self, slot: &Slot) -> PathBuf {
        self.dir.join(self.entry(slot).rel_path())
    }

    fn fail(&self, e: EngineError) {
        let mut failure = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        failure.get_or_insert(e);
        self.stop.cancel();
    }

    fn take_failure(&self) -> Option<EngineError> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }
}

/// Restores the contents, modes and mtimes of every regular file of `manifest` under
/// `dir`, not yet durable. Returns the bytes written.
pub(crate) async fn write_files(
    volume: &dyn ArchiveVolume,
    manifest: Arc<Manifest>,
    dir: PathBuf,
    data_keys: &HashMap<(u64, u8), ObjectKey>,
    workers: usize,
    progress: &Arc<Progress>,
    cancel: &CancellationToken,
) -> EngineResult<u64> {
    let (keys, objects) = object_index(data_keys);
    let (slots, plan) = plan(&manifest, &dir, &objects)?;
    let total = manifest.file_bytes();
    let shared = Arc::new(Shared {
        manifest,
        dir,
        slots,
        progress: Arc::clone(progress),
        stop: cancel.child_token(),
        failure: Mutex::new(None),
        no_direct: AtomicBool::new(false),
    });
    let workers = workers.max(1);
    // Spans of up to 8 MiB each: in flight (4 locally, 8 from S3), queued (one per
    // worker) and being written bound the restore's data in memory to about 96 MiB
    // locally and 128 MiB from S3, with four workers.
    let (tx, rx) = mpsc::channel::<Task>(workers);
    let rx = Arc::new(Mutex::new(rx));
    let mut threads = Vec::with_capacity(workers);
    for i in 0..workers {
        let (shared, rx) = (Arc::clone(&shared), Arc::clone(&rx));
        let thread = std::thread::Builder::new()
            .name(format!("confd-restore-{i}"))
            .spawn(move || worker(&shared, &rx))
            .map_err(|e| EngineError::Internal(format!("cannot start a restore thread: {e}")))?;
        threads.push(thread);
    }
    let produced = produce(volume, &keys, plan, &shared, &tx).await;
    // Ends the stream: the workers drain what is queued and return.
    drop(tx);
    let joined =
        tokio::task::spawn_blocking(move || threads.into_iter().all(|t| t.join().is_ok())).await;
    if !matches!(joined, Ok(true)) {
        return Err(EngineError::Internal("a restore thread panicked".into()));
    }
    if let Some(e) = shared.take_failure() {
        return Err(e);
    }
    produced?;
    if cancel.is_cancelled() {
        return Err(EngineError::Aborted);
    }
    Ok(total)
}

/// The data objects of the chain as a list, and each one's index in it.
fn object_index(
    data_keys: &HashMap<(u64, u8), ObjectKey>,
) -> (Vec<ObjectKey>, HashMap<(u64, u8), usize>) {
    let mut ids: Vec<(u64, u8)> = data_keys.keys().copied().collect();
    ids.sort_unstable();
    let keys = ids.iter().map(|id| data_keys[id].clone()).collect();
    let index = ids.into_iter().enumerate().map(|(i, id)| (id, i)).collect();
    (keys, index)
}

/// A slot per regular file, and the spans of every chunk in manifest order (so a disk
/// reads the data object forward).
fn plan(
    manifest: &Manifest,
    dir: &Path,
    objects: &HashMap<(u64, u8), usize>,
) -> EngineResult<(Vec<Slot>, Vec<Span<ChunkAt>>)> {
    let mut slots = Vec::new();
    let mut chunks = Vec::new();
    for (i, e) in manifest.entries.iter().enumerate() {
        if e.kind != EntryKind::File {
            continue;
        }
        let path = dir.join(e.rel_path());
        if e.chunks.iter().map(|c| c.raw_len).sum::<u64>() != e.size {
            return Err(EngineError::Corrupt {
                file: path.display().to_string(),
                detail: format!("its chunks do not add up to its size {}", e.size),
            });
        }
        let mut at = 0;
        for (c, r) in e.chunks.iter().enumerate() {
            let object = *objects
                .get(&(r.bid, r.level))
                .ok_or_else(|| not_in_chain(&path, r))?;
            chunks.push((
                object,
                r.offset..r.offset + r.stored_len,
                (slots.len(), c, at),
            ));
            at += r.raw_len;
        }
        slots.push(Slot {
            entry: i,
            remaining: AtomicUsize::new(e.chunks.len()),
            file: Mutex::new(None),
        });
    }
    Ok((slots, spans::plan(chunks)))
}

fn not_in_chain(path: &Path, r: &ChunkRef) -> EngineError {
    EngineError::MissingBase {
        detail: format!(
            "{} needs backup id_{}/level_{}, which is not in the chain",
            path.display(),
            r.bid,
            r.level
        ),
    }
}

/// The producer: reads the spans and hands their chunks to the workers.
async fn produce(
    volume: &dyn ArchiveVolume,
    keys: &[ObjectKey],
    plan: Vec<Span<ChunkAt>>,
    shared: &Shared,
    tx: &mpsc::Sender<Task>,
) -> EngineResult<()> {
    let empty: Vec<usize> = (0..shared.slots.len())
        .filter(|&i| shared.entry(&shared.slots[i]).chunks.is_empty())
        .collect();
    for batch in empty.chunks(EMPTY_BATCH) {
        tx.send(Task::Empty(batch.to_vec()))
            .await
            .map_err(|_| EngineError::Aborted)?;
    }
    let mut fetched = std::pin::pin!(spans::fetch(volume, keys, plan));
    loop {
        let next = tokio::select! {
            biased;
            () = shared.stop.cancelled() => return Err(EngineError::Aborted),
            next = fetched.next() => next,
        };
        let Some(span) = next else { return Ok(()) };
        let chunks = match span {
            Ok(chunks) => chunks,
            Err((span, e)) => return Err(span_error(volume, keys, shared, span, e).await),
        };
        tx.send(Task::Chunks(chunks))
            .await
            .map_err(|_| EngineError::Aborted)?;
    }
}

/// The error of a failed span read. A missing or short object is damage: the chunks are
/// read one by one to name the first file that cannot be restored.
async fn span_error(
    volume: &dyn ArchiveVolume,
    keys: &[ObjectKey],
    shared: &Shared,
    span: Span<ChunkAt>,
    e: VolumeError,
) -> EngineError {
    let corrupt = |slot: usize, e: VolumeError| EngineError::Corrupt {
        file: shared.path(&shared.slots[slot]).display().to_string(),
        detail: e.to_string(),
    };
    if !spans::is_lost(&e) {
        return e.into();
    }
    let key = &keys[span.object];
    for ((slot, _, _), range) in &span.chunks {
        match volume.get_range(key, range.clone()).await {
            Ok(_) => {}
            Err(e) if spans::is_lost(&e) => return corrupt(*slot, e),
            Err(e) => return e.into(),
        }
    }
    let first = span.chunks.first().map_or(0, |((slot, _, _), _)| *slot);
    corrupt(first, e)
}

fn worker(shared: &Shared, rx: &Mutex<mpsc::Receiver<Task>>) {
    lower_priority();
    let mut unpacker = Unpacker::new();
    loop {
        // Hold the lock only to take a task, never while working on it.
        let task = rx
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .blocking_recv();
        let Some(task) = task else { return };
        if shared.stop.is_cancelled() {
            continue; // drain, so the producer is not left waiting on a full channel
        }
        let done = match task {
            Task::Chunks(chunks) => chunks
                .iter()
                .try_for_each(|(at, stored)| write_chunk(shared, &mut unpacker, *at, stored)),
            Task::Empty(slots) => slots.iter().try_for_each(|&slot| write_empty(shared, slot)),
        };
        if let Err(e) = done {
            shared.fail(e);
        }
    }
}

/// Verifies chunk `c` of file `slot` and writes it at its offset; the last chunk of a
/// file finishes it.
fn write_chunk(
    shared: &Shared,
    unpacker: &mut Unpacker,
    (slot, c, offset): ChunkAt,
    stored: &[u8],
) -> EngineResult<()> {
    let s = &shared.slots[slot];
    let entry = shared.entry(s);
    let r = &entry.chunks[c];
    let path = shared.path(s);
    let corrupt = |detail| EngineError::Corrupt {
        file: path.display().to_string(),
        detail,
    };
    let out = open_slot(shared, s, &path)?;
    if out.direct.load(Ordering::Relaxed) {
        let padded = unpacker.unpack_aligned(r, stored).map_err(corrupt)?;
        let len = usize::try_from(r.raw_len).unwrap_or(usize::MAX);
        let still = direct::write_padded_at(&out.file, padded, len, offset)
            .map_err(EngineError::io(&path))?;
        if !still {
            // The files opened after this one go through the page cache too.
            out.direct.store(false, Ordering::Relaxed);
            shared.no_direct.store(true, Ordering::Relaxed);
        }
    } else {
        let raw = unpacker.unpack(r, stored).map_err(corrupt)?;
        out.file
            .write_all_at(raw, offset)
            .map_err(EngineError::io(&path))?;
    }
    shared.progress.add_bytes(r.raw_len);
    shared.progress.chunk(&path, offset);
    // AcqRel: the worker that finishes the file sees every other worker's write done.
    if s.remaining.fetch_sub(1, Ordering::AcqRel) == 1 {
        if out.opened_direct {
            out.file
                .set_len(entry.size)
                .map_err(EngineError::io(&path))?;
        }
        finish_file(&out.file, entry).map_err(EngineError::io(&path))?;
        drop(out);
        *s.file.lock().unwrap_or_else(PoisonError::into_inner) = None;
        shared.progress.add_file();
    }
    Ok(())
}

fn write_empty(shared: &Shared, slot: usize) -> EngineResult<()> {
    let s = &shared.slots[slot];
    let path = shared.path(s);
    create(&path)
        .and_then(|f| finish_file(&f, shared.entry(s)))
        .map_err(EngineError::io(&path))?;
    shared.progress.add_file();
    Ok(())
}

/// The file of `s`, created by the first chunk that needs it.
fn open_slot(shared: &Shared, s: &Slot, path: &Path) -> EngineResult<Arc<Output>> {
    let mut file = s.file.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(out) = file.as_ref() {
        return Ok(Arc::clone(out));
    }
    let f = create(path).map_err(EngineError::io(path))?;
    let direct = !shared.no_direct.load(Ordering::Relaxed)
        && wants_direct(shared.entry(s))
        && direct::enable(&f);
    let out = Arc::new(Output {
        file: f,
        opened_direct: direct,
        direct: AtomicBool::new(direct),
    });
    *file = Some(Arc::clone(&out));
    Ok(out)
}

/// Whether `e` is large enough to write directly, with every chunk at an aligned offset
/// (chunks of a fixed size are; only the last one may be short).
fn wants_direct(e: &Entry) -> bool {
    let aligned = |len: u64| len.is_multiple_of(direct::ALIGN as u64);
    e.size >= direct::MIN_FILE
        && e.chunks
            .split_last()
            .is_some_and(|(_, rest)| rest.iter().all(|c| aligned(c.raw_len)))
}

/// A new, empty file at `path`; the read phase removed any file there. Something that
/// appeared since (another writer in the database's directory) fails the restore rather
/// than be written through.
fn create(path: &Path) -> io::Result<File> {
    File::create_new(path)
}

/// Mode after the content (writing would clear set-id bits), mtime last.
fn finish_file(f: &File, e: &Entry) -> io::Result<()> {
    f.set_permissions(Permissions::from_mode(e.mode))?;
    f.set_times(FileTimes::new().set_modified(system_time(e.mtime_ns)))
}
