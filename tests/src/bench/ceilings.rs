//! What the machine can do at best on a data set, measured in the same run on the same
//! data as the figures, so a figure can be read as a fraction of what was possible:
//! the CPU work of a backup with no I/O at all, writing the set with `cp -r` (and as many
//! bytes with `dd oflag=direct`), and reading it with `cat`. Each is the best of [`RUNS`] runs: a ceiling is what the machine can
//! do, and on a shared disk one run alone came out at half that.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::Context as _;
use confd_storage::archive::CHUNK_SIZE;

use super::data::{Cache, DataSet, quote, time_sh};
use super::mb_s;

/// Runs per ceiling; the fastest counts.
const RUNS: usize = 2;

/// The fastest of [`RUNS`] calls of `run` (seconds).
fn best(mut run: impl FnMut() -> anyhow::Result<f64>) -> anyhow::Result<f64> {
    let mut fastest = f64::INFINITY;
    for _ in 0..RUNS {
        fastest = fastest.min(run()?);
    }
    Ok(fastest)
}

/// Which ceilings the selected figures compare with.
#[derive(Debug, Clone, Copy)]
pub struct Needs {
    pub cpu: bool,
    pub write: bool,
    pub read: bool,
}

/// Seconds each ceiling took for the whole set; `None` when not measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ceilings {
    /// BLAKE3 + zstd of every chunk, in memory, on all cores.
    pub cpu: Option<f64>,
    /// `cp -r DIR DEST && sync` from the page cache.
    pub write: Option<f64>,
    /// As many bytes as the set written past the page cache, in one file: what the device
    /// takes when page-cache allocation is out of the way (it is not a bound of `cp -r`
    /// on a machine whose free memory goes back to its host, see `storage::direct`).
    pub direct_write: Option<f64>,
    /// Every file read to `/dev/null`, with the cache policy of the figures.
    pub read: Option<f64>,
}

impl Ceilings {
    /// Measures what `needs` asks for and prints the `ceiling` line.
    pub fn measure(
        needs: Needs,
        data: &DataSet,
        cache: Cache,
        scratch: &Path,
    ) -> anyhow::Result<Self> {
        let mut out = Self::default();
        let mut parts = Vec::new();
        if needs.cpu {
            let level = zstd_level();
            let (secs, chunks, packed) = cpu(data, level)?;
            parts.push(format!(
                "CPU: BLAKE3 + zstd-{level} of the {chunks} chunks (<= {} MiB, cut per file like the engine) in memory, {} threads, best of {RUNS}: {secs:.2} s = {:.0} MB/s, {:.2}x",
                CHUNK_SIZE >> 20,
                threads(),
                mb_s(data.bytes, secs),
                data.bytes as f64 / packed.max(1) as f64
            ));
            out.cpu = Some(secs);
        }
        if needs.write {
            let secs = best(|| write(data, scratch))?;
            parts.push(format!(
                "write: `cp -r DIR DEST && sync`, source in the page cache, best of {RUNS}: {secs:.2} s = {:.0} MB/s",
                mb_s(data.bytes, secs)
            ));
            out.write = Some(secs);
            let secs = best(|| direct_write(data, scratch))?;
            parts.push(format!(
                "direct write: `dd if=/dev/zero of=FILE bs=4M oflag=direct && sync` of as many bytes, best of {RUNS}: {secs:.2} s = {:.0} MB/s",
                mb_s(data.bytes, secs)
            ));
            out.direct_write = Some(secs);
        }
        if needs.read {
            let script = format!(
                "find {} -type f -print0 | xargs -0 cat > /dev/null",
                quote(&data.root)
            );
            let secs = best(|| {
                cache.prepare(&[&data.root])?;
                time_sh(&script)
            })?;
            let how = match cache {
                Cache::Cold => "cold cache",
                Cache::Warm => "from the page cache (cannot drop it here)",
            };
            parts.push(format!(
                "read: `find DIR -type f -print0 | xargs -0 cat > /dev/null`, {how}, best of {RUNS}: {secs:.2} s = {:.0} MB/s",
                mb_s(data.bytes, secs)
            ));
            out.read = Some(secs);
        }
        if !parts.is_empty() {
            println!("ceiling  [{}] {}", data.name, parts.join(" | "));
        }
        Ok(out)
    }
}

/// The zstd level of new backups, as the daemon's configuration defaults it.
fn zstd_level() -> i32 {
    confd_daemon::Config::with_state_dir(std::path::PathBuf::new()).compression_level
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Warm `cp -r` of the set and `sync`: the fastest the disk takes the set's bytes.
pub fn write(data: &DataSet, scratch: &Path) -> anyhow::Result<f64> {
    let dest = scratch.join("ceiling_copy");
    Cache::Warm.prepare(&[&data.root])?;
    let secs = time_sh(&format!(
        "cp -r {} {} && sync",
        quote(&data.root),
        quote(&dest)
    ))?;
    std::fs::remove_dir_all(&dest).with_context(|| dest.display().to_string())?;
    Ok(secs)
}

/// The set's byte count written to one file with `O_DIRECT`, and `sync`.
fn direct_write(data: &DataSet, scratch: &Path) -> anyhow::Result<f64> {
    let dest = scratch.join("ceiling_direct");
    let blocks = data.bytes.div_ceil(4 << 20);
    let secs = time_sh(&format!(
        "dd if=/dev/zero of={} bs=4M count={blocks} oflag=direct status=none && sync",
        quote(&dest)
    ))?;
    std::fs::remove_file(&dest).with_context(|| dest.display().to_string())?;
    Ok(secs)
}

/// The device work of an operation with no CPU work at all, best of [`RUNS`]: every file
/// under `read` read to `/dev/null` with the figures' cache policy, while `write_bytes` go
/// to one file past the page cache, both at once, then `sync`. A backup reads the set and
/// writes its stored bytes, a restore reads the stored bytes and writes the set; on a disk
/// whose reads and writes share one bandwidth (this VM's: 0.68 GB read alone 0.55 s,
/// 1.07 GB direct write alone 0.80 s, both at once 1.60 s), that bounds the operation, not
/// the read or the write ceiling alone.
pub fn device(cache: Cache, read: &Path, write_bytes: u64, scratch: &Path) -> anyhow::Result<f64> {
    let dest = scratch.join("ceiling_device");
    let script = format!(
        "find {} -type f -print0 | xargs -0 cat > /dev/null & dd if=/dev/zero of={} bs=4M count={} oflag=direct status=none; wait; sync",
        quote(read),
        quote(&dest),
        write_bytes.div_ceil(4 << 20)
    );
    best(|| {
        cache.prepare(&[read])?;
        let secs = time_sh(&script)?;
        std::fs::remove_file(&dest).with_context(|| dest.display().to_string())?;
        Ok(secs)
    })
}

/// `" | ours/device ceiling 0.93x (read R while writing W at once: 1.60 s)"`.
pub fn device_line(ceiling: f64, ours: f64, what: &str) -> String {
    format!(
        " | ours/device ceiling {:.2}x ({what} at once: {ceiling:.2} s)",
        ceiling / ours
    )
}

/// Reads the set into memory in chunks cut as the engine cuts them, then times BLAKE3 and
/// zstd of all chunks on all cores (one compressor per thread, a shared index). Returns
/// (seconds, chunks, compressed bytes); the chunks are freed before returning.
fn cpu(data: &DataSet, level: i32) -> anyhow::Result<(f64, usize, u64)> {
    let chunks = read_chunks(data)?;
    let mut packed = 0;
    let secs = best(|| {
        let next = AtomicUsize::new(0);
        let start = Instant::now();
        packed = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads())
                .map(|_| scope.spawn(|| hash_and_compress(&chunks, &next, level)))
                .collect();
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .map_err(|_| anyhow::anyhow!("ceiling thread panicked"))?
                })
                .sum::<anyhow::Result<u64>>()
        })?;
        Ok(start.elapsed().as_secs_f64())
    })?;
    Ok((secs, chunks.len(), packed))
}

fn hash_and_compress(chunks: &[Vec<u8>], next: &AtomicUsize, level: i32) -> anyhow::Result<u64> {
    let mut zstd = zstd::bulk::Compressor::new(level).context("zstd compressor")?;
    let mut packed = 0u64;
    while let Some(chunk) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) {
        std::hint::black_box(blake3::hash(chunk));
        // Stored raw when compression does not help, as the engine does.
        packed += zstd.compress(chunk)?.len().min(chunk.len()) as u64;
    }
    Ok(packed)
}

fn read_chunks(data: &DataSet) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut chunks = Vec::new();
    for (path, len) in data.file_list()? {
        let mut file = File::open(&path).with_context(|| path.display().to_string())?;
        let mut left = len;
        while left > 0 {
            let mut chunk = vec![0u8; left.min(CHUNK_SIZE as u64) as usize];
            file.read_exact(&mut chunk)
                .with_context(|| path.display().to_string())?;
            left -= chunk.len() as u64;
            chunks.push(chunk);
        }
    }
    Ok(chunks)
}
