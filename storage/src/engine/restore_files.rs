//! The write phase of a restore for one node: file contents.
//!
//! ```text
//! producer (async: ranged reads) ──stored chunks──▶ N workers (zstd -d + BLAKE3) ──in order──▶ writer (blocking thread)
//! ```
//! Every chunk is verified against its BLAKE3 before a byte of it reaches the file; a
//! mismatch, a short object or a bad zstd frame fails the restore naming the file.

use std::collections::HashMap;
use std::fs::{self, File, FileTimes, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;

use super::error::{EngineError, EngineResult};
use super::pipeline::{self, Drain, Feeder};
use super::progress::Progress;
use super::tree::system_time;
use crate::archive::{ChunkHash, ChunkRef, EntryKind, Manifest};
use crate::volume::{ArchiveVolume, ObjectKey, VolumeError};

/// What flows to the writer, in file order.
enum Piece {
    Start(usize),
    Chunk(Result<Bytes, String>),
    End(usize),
}

/// Decompresses and verifies one stored chunk.
fn unpack() -> impl FnMut((ChunkRef, Bytes)) -> Piece {
    let mut ctx = zstd::bulk::Decompressor::new().ok();
    move |(r, stored): (ChunkRef, Bytes)| {
        let raw_len = usize::try_from(r.raw_len).unwrap_or(usize::MAX);
        let raw = if r.compressed {
            let Some(ctx) = ctx.as_mut() else {
                return Piece::Chunk(Err("no zstd decompression context".into()));
            };
            match ctx.decompress(&stored, raw_len) {
                Ok(v) if v.len() == raw_len => Bytes::from(v),
                Ok(v) => {
                    let detail = format!(
                        "chunk at offset {} decompressed to {} bytes, expected {raw_len}",
                        r.offset,
                        v.len()
                    );
                    return Piece::Chunk(Err(detail));
                }
                Err(e) => {
                    return Piece::Chunk(Err(format!("chunk at offset {}: zstd: {e}", r.offset)));
                }
            }
        } else {
            stored
        };
        if raw.len() != raw_len || ChunkHash::of(&raw) != r.blake3 {
            return Piece::Chunk(Err(format!(
                "chunk at offset {} of backup id_{}/level_{} fails its BLAKE3 check",
                r.offset, r.bid, r.level
            )));
        }
        Piece::Chunk(Ok(raw))
    }
}

/// Restores the contents, modes and mtimes of every regular file of `manifest` under
/// `dir`. Returns the bytes written.
pub(crate) async fn write_files(
    volume: &dyn ArchiveVolume,
    manifest: Arc<Manifest>,
    dir: PathBuf,
    data_keys: &HashMap<(u64, u8), ObjectKey>,
    workers: usize,
    progress: &Arc<Progress>,
    cancel: &CancellationToken,
) -> EngineResult<u64> {
    let (feeder, drain) = pipeline::start("confd-restore", workers, 2 * workers + 2, unpack)?;
    let writer = {
        let (m, d, p, c) = (
            Arc::clone(&manifest),
            dir.clone(),
            Arc::clone(progress),
            cancel.clone(),
        );
        tokio::task::spawn_blocking(move || write_loop(drain, &m, &d, &p, &c))
    };
    let produced = feed_chunks(volume, &manifest, &dir, data_keys, &feeder, cancel).await;
    // Ends the stream: the writer drains what is queued and returns.
    drop(feeder);
    let written = writer
        .await
        .map_err(|e| EngineError::Internal(format!("restore writer thread: {e}")))?;
    match (produced, written) {
        // The writer's error is the cause when the producer only saw it go away.
        (Err(EngineError::Aborted), Err(e)) if !cancel.is_cancelled() => Err(e),
        (Err(e), _) | (Ok(()), Err(e)) => Err(e),
        (Ok(()), Ok(n)) => Ok(n),
    }
}

/// The producer: every stored chunk of every file, in file order, framed by the file's
/// start and end so the writer knows where one file ends.
async fn feed_chunks(
    volume: &dyn ArchiveVolume,
    manifest: &Manifest,
    dir: &Path,
    data_keys: &HashMap<(u64, u8), ObjectKey>,
    feeder: &Feeder<(ChunkRef, Bytes), Piece>,
    cancel: &CancellationToken,
) -> EngineResult<()> {
    for (i, e) in manifest.entries.iter().enumerate() {
        if e.kind != EntryKind::File {
            continue;
        }
        feeder
            .pass(Piece::Start(i))
            .await
            .map_err(|_| EngineError::Aborted)?;
        for r in &e.chunks {
            if cancel.is_cancelled() {
                return Err(EngineError::Aborted);
            }
            let file = || dir.join(e.rel_path()).display().to_string();
            let stored = read_stored_chunk(volume, data_keys, r, file).await?;
            feeder
                .submit((r.clone(), stored))
                .await
                .map_err(|_| EngineError::Aborted)?;
        }
        feeder
            .pass(Piece::End(i))
            .await
            .map_err(|_| EngineError::Aborted)?;
    }
    Ok(())
}

/// The stored (compressed) bytes of chunk `r`, from the data object of the backup of
/// the chain that holds it. `file` names the file being restored, for errors.
async fn read_stored_chunk(
    volume: &dyn ArchiveVolume,
    data_keys: &HashMap<(u64, u8), ObjectKey>,
    r: &ChunkRef,
    file: impl Fn() -> String,
) -> EngineResult<Bytes> {
    let key = data_keys
        .get(&(r.bid, r.level))
        .ok_or_else(|| EngineError::MissingBase {
            detail: format!(
                "{} needs backup id_{}/level_{}, which is not in the chain",
                file(),
                r.bid,
                r.level
            ),
        })?;
    match volume
        .get_range(key, r.offset..r.offset + r.stored_len)
        .await
    {
        Ok(b) => Ok(b),
        Err(e @ (VolumeError::NotFound { .. } | VolumeError::OutOfRange { .. })) => {
            Err(EngineError::Corrupt {
                file: file(),
                detail: e.to_string(),
            })
        }
        Err(e) => Err(e.into()),
    }
}

fn write_loop(
    mut drain: Drain<Piece>,
    manifest: &Manifest,
    dir: &Path,
    progress: &Progress,
    cancel: &CancellationToken,
) -> EngineResult<u64> {
    let mut open: Option<(usize, PathBuf, File, u64)> = None;
    let mut total = 0u64;
    // Files are fsynced after the whole node is written rather than one by one: the kernel
    // then writes back large batches, which is about twice as fast as a flush per file.
    let mut written_files = Vec::new();
    fill_files(
        &mut drain,
        manifest,
        dir,
        progress,
        cancel,
        &mut open,
        &mut total,
        &mut written_files,
    )?;
    for path in written_files {
        if cancel.is_cancelled() {
            return Err(EngineError::Aborted);
        }
        File::open(&path)
            .and_then(|f| f.sync_data())
            .map_err(EngineError::io(path))?;
    }
    Ok(total)
}

#[allow(clippy::too_many_arguments)]
fn fill_files(
    drain: &mut Drain<Piece>,
    manifest: &Manifest,
    dir: &Path,
    progress: &Progress,
    cancel: &CancellationToken,
    open: &mut Option<(usize, PathBuf, File, u64)>,
    total: &mut u64,
    written_files: &mut Vec<PathBuf>,
) -> EngineResult<()> {
    while let Some(piece) = drain.blocking_next()? {
        if cancel.is_cancelled() {
            return Err(EngineError::Aborted);
        }
        match piece {
            Piece::Start(i) => {
                let path = dir.join(manifest.entries[i].rel_path());
                // A fresh inode: an existing read-only file or a hard link to something
                // else must not be written through.
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(EngineError::io(&path)(e)),
                }
                let f = File::create(&path).map_err(EngineError::io(&path))?;
                *open = Some((i, path, f, 0));
            }
            Piece::Chunk(chunk) => {
                let Some((_, path, f, written)) = open.as_mut() else {
                    return Err(EngineError::Internal("chunk outside a file".into()));
                };
                let data = chunk.map_err(|detail| EngineError::Corrupt {
                    file: path.display().to_string(),
                    detail,
                })?;
                f.write_all(&data).map_err(EngineError::io(&*path))?;
                progress.chunk(path, *written);
                *written += data.len() as u64;
                *total += data.len() as u64;
                progress.add_bytes(data.len() as u64);
            }
            Piece::End(i) => {
                let Some((j, path, f, written)) = open.take() else {
                    return Err(EngineError::Internal("file end without start".into()));
                };
                let e = &manifest.entries[i];
                if i != j || written != e.size {
                    return Err(EngineError::Corrupt {
                        file: path.display().to_string(),
                        detail: format!("restored {written} bytes, manifest says {}", e.size),
                    });
                }
                // Mode after the content (writing would clear set-id bits), mtime last;
                // the fsync follows once the node is complete (see `write_loop`).
                f.set_permissions(Permissions::from_mode(e.mode))
                    .and_then(|()| {
                        f.set_times(FileTimes::new().set_modified(system_time(e.mtime_ns)))
                    })
                    .map_err(EngineError::io(&path))?;
                drop(f);
                written_files.push(path);
                progress.add_file();
            }
        }
    }
    Ok(())
}
