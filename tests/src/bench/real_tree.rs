//! The `real` data set: regular files copied from `/usr` (many small and medium files of
//! real compressibility, nested as they are there) plus random blobs, spread over the node
//! directories. Deterministic for a given `/usr`: the walk is sorted and the blobs seeded.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use confd_storage::datagen::Rng;

use super::data::SEED;

/// Where the copied files come from; each keeps its path below one of these, under a
/// directory named after it (`lib`, `share`, `bin`).
const SOURCES: [&str; 3] = ["/usr/lib", "/usr/share", "/usr/bin"];

/// What [`build`] made.
#[derive(Debug, Clone)]
pub struct RealTree {
    /// Files copied from `/usr` and their bytes.
    pub copied: (u64, u64),
    /// Regular files in the sources and their bytes (what could have been taken).
    pub available: (u64, u64),
    /// Bytes of `/usr` the set asked for (80 % of its size).
    pub wanted: u64,
    /// Random blobs and their bytes.
    pub blobs: (u64, u64),
}

impl RealTree {
    /// The sources, comma-separated, for the data line.
    pub fn sources() -> String {
        SOURCES.join(", ")
    }
}

/// A candidate file: its source root's index in [`SOURCES`], path below it, size.
struct Candidate {
    source: usize,
    rel: PathBuf,
    len: u64,
}

/// Builds the set under `root` (`node_0 .. node_<nodes-1>`): 80 % of `total` from `/usr`,
/// 20 % random blobs.
pub fn build(root: &Path, nodes: usize, total: u64) -> anyhow::Result<RealTree> {
    let node_dirs: Vec<PathBuf> = (0..nodes).map(|k| root.join(format!("node_{k}"))).collect();
    for dir in &node_dirs {
        fs::create_dir_all(dir).with_context(|| dir.display().to_string())?;
    }
    let mut candidates = Vec::new();
    for (source, dir) in SOURCES.iter().enumerate() {
        sorted_walk(Path::new(dir), Path::new(""), source, &mut candidates);
    }
    let available = (
        candidates.len() as u64,
        candidates.iter().map(|c| c.len).sum(),
    );
    let wanted = total / 5 * 4;
    let picked = sample(&candidates, wanted);
    let copied = copy_spread(&candidates, &picked, &node_dirs)?;
    let blobs = write_blobs(&node_dirs, total - wanted)?;
    Ok(RealTree {
        copied,
        available,
        wanted,
        blobs,
    })
}

/// Regular files below `base/rel`, depth first in byte order of the names. Symlinks,
/// special files and directories that cannot be listed are skipped: the set is what can
/// be read.
fn sorted_walk(base: &Path, rel: &Path, source: usize, out: &mut Vec<Candidate>) {
    let Ok(entries) = fs::read_dir(base.join(rel)) else {
        return;
    };
    let mut names: Vec<_> = entries.filter_map(Result::ok).collect();
    names.sort_by_key(|e| e.file_name());
    for entry in names {
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        let child = rel.join(entry.file_name());
        if meta.is_dir() {
            sorted_walk(base, &child, source, out);
        } else if meta.is_file() {
            out.push(Candidate {
                source,
                rel: child,
                len: meta.len(),
            });
        }
    }
}

/// Indices of the files to copy, in walk order, adding up to at most `wanted` bytes.
/// A prefix of the sorted walk would be a few hundred large binaries from the first
/// directories, so files are taken evenly spaced over the whole walk instead (every k-th
/// file, k from the bytes still wanted); a few passes fill what one pass left.
fn sample(candidates: &[Candidate], wanted: u64) -> Vec<usize> {
    let mut picked = vec![false; candidates.len()];
    let mut taken = 0u64;
    for _pass in 0..8 {
        let left: u64 = candidates
            .iter()
            .zip(&picked)
            .filter(|(_, p)| !**p)
            .map(|(c, _)| c.len)
            .sum();
        let room = wanted.saturating_sub(taken);
        // Stop once within 1 % of the target, or when nothing is left to take.
        if left == 0 || room <= wanted / 100 {
            break;
        }
        let share = (room as f64 / left as f64).min(1.0);
        let mut credit = 0.0;
        for (c, p) in candidates.iter().zip(picked.iter_mut()) {
            if *p {
                continue;
            }
            credit += share;
            if credit >= 1.0 {
                credit -= 1.0;
                if taken + c.len <= wanted {
                    *p = true;
                    taken += c.len;
                }
            }
        }
    }
    (0..candidates.len()).filter(|&i| picked[i]).collect()
}

/// Copies the picked files, each to the node directory holding the fewest bytes so far
/// (ties: the lowest node), so every node gets about the same share. Files that cannot be
/// read are skipped. Returns (files, bytes) copied.
fn copy_spread(
    candidates: &[Candidate],
    picked: &[usize],
    node_dirs: &[PathBuf],
) -> anyhow::Result<(u64, u64)> {
    let mut load = vec![0u64; node_dirs.len()];
    let (mut files, mut bytes) = (0u64, 0u64);
    for &i in picked {
        let Some(c) = candidates.get(i) else {
            continue;
        };
        let Some((node, _)) = load.iter().enumerate().min_by_key(|(k, l)| (**l, *k)) else {
            break;
        };
        let source = Path::new(SOURCES[c.source]);
        let top = source.file_name().unwrap_or(source.as_os_str());
        let dest = node_dirs[node].join(top).join(&c.rel);
        if let Some(n) = copy_file(&source.join(&c.rel), &dest)? {
            load[node] += n;
            files += 1;
            bytes += n;
        }
    }
    Ok((files, bytes))
}

/// Copies `src` to `dest` with default permissions (no set-uid bits land in the scratch
/// directory); `None` if `src` cannot be read, leaving nothing behind.
fn copy_file(src: &Path, dest: &Path) -> anyhow::Result<Option<u64>> {
    let Ok(mut input) = File::open(src) else {
        return Ok(None);
    };
    if let Some(parent) = dest.parent() {
        fs::create_dir_all(parent).with_context(|| parent.display().to_string())?;
    }
    let mut output = File::create(dest).with_context(|| dest.display().to_string())?;
    match io::copy(&mut input, &mut output) {
        Ok(n) => Ok(Some(n)),
        Err(_) => {
            drop(output);
            fs::remove_file(dest).with_context(|| dest.display().to_string())?;
            Ok(None)
        }
    }
}

/// Random blobs of 1-64 MiB, `bytes` in all, an equal share under `random/blobs/` of each
/// node. Returns (blobs, bytes).
fn write_blobs(node_dirs: &[PathBuf], bytes: u64) -> anyhow::Result<(u64, u64)> {
    const MIB: u64 = 1 << 20;
    let mut rng = Rng::new(SEED ^ 0xB10B);
    let mut buf = vec![0u8; MIB as usize];
    let (mut count, mut written) = (0u64, 0u64);
    let share = bytes / node_dirs.len().max(1) as u64;
    for (k, node) in node_dirs.iter().enumerate() {
        let dir = node.join("random").join("blobs");
        fs::create_dir_all(&dir).with_context(|| dir.display().to_string())?;
        let mut left = if k + 1 == node_dirs.len() {
            bytes - written
        } else {
            share
        };
        let mut index = 0;
        while left > 0 {
            let len = ((1 + rng.below(64)) * MIB).min(left);
            let path = dir.join(format!("blob_{index:03}.bin"));
            let mut out = File::create(&path).with_context(|| path.display().to_string())?;
            let mut todo = len;
            while todo > 0 {
                let n = todo.min(MIB) as usize;
                rng.fill(&mut buf[..n]);
                out.write_all(&buf[..n])
                    .with_context(|| path.display().to_string())?;
                todo -= n as u64;
            }
            left -= len;
            written += len;
            count += 1;
            index += 1;
        }
    }
    Ok((count, written))
}
