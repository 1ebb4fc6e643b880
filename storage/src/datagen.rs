//! Deterministic generator of database-like data for the demo database, tests and `bench`.
//!
//! Each node directory gets a mix of compressible, table-like text (CSV rows of a few
//! tables, in nested schema directories) and incompressible bytes (data blocks), about half
//! and half, so compression and throughput figures resemble a real data volume rather than
//! an all-zero or all-random best or worst case. The same seed always gives the same bytes.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::StorageError;

/// SplitMix64: tiny, fast, and deterministic across platforms (no dependency needed).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Fills `buf` with random bytes.
    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

const STATUSES: [&str; 4] = ["ACTIVE", "CLOSED", "PENDING", "ARCHIVED"];
const CITIES: [&str; 6] = [
    "BERLIN",
    "NUERNBERG",
    "LONDON",
    "PARIS",
    "MADRID",
    "WARSZAWA",
];

/// Generates `bytes_per_node` bytes of data into each directory of `node_dirs` (created if
/// missing). Nodes are generated in parallel.
pub fn generate(node_dirs: &[PathBuf], bytes_per_node: u64, seed: u64) -> Result<(), StorageError> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = node_dirs
            .iter()
            .enumerate()
            .map(|(k, dir)| {
                let seed = seed ^ ((k as u64 + 1) << 32);
                scope.spawn(move || generate_node(dir, bytes_per_node, seed))
            })
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join().unwrap_or_else(|_| {
                Err(StorageError::Conflict(
                    "data generator thread panicked".into(),
                ))
            })
        })
    })
}

fn generate_node(dir: &Path, bytes: u64, seed: u64) -> Result<(), StorageError> {
    let mut rng = Rng::new(seed);
    let text_budget = bytes / 2;
    let block_budget = bytes - text_budget;
    mkdir(dir)?;
    write_small(
        &dir.join("VERSION"),
        b"confd-rs demo data volume, format 1\n",
    )?;

    // Text: 3 schemas x 3 tables, sizes varying around the average.
    let tables: Vec<PathBuf> = (0..3)
        .flat_map(|s| (0..3).map(move |t| (s, t)))
        .map(|(s, t)| dir.join(format!("schemas/SCHEMA_{s}/TABLE_{t}.csv")))
        .collect();
    for (path, share) in tables
        .iter()
        .zip(shares(text_budget, tables.len(), &mut rng))
    {
        write_table(path, share, &mut rng)?;
    }

    // Blocks: incompressible segments in a two-level directory tree.
    for (i, share) in shares(block_budget, 4, &mut rng).into_iter().enumerate() {
        let path = dir.join(format!("blocks/seg_{}/block_{i:04}.dat", i % 2));
        write_random(&path, share, &mut rng)?;
    }
    mkdir(&dir.join("tmp"))?;
    Ok(())
}

/// Splits `total` into `parts` uneven shares (0.5x to 1.5x the average) that add up to
/// exactly `total`.
fn shares(total: u64, parts: usize, rng: &mut Rng) -> Vec<u64> {
    let weights: Vec<u64> = (0..parts).map(|_| 50 + rng.below(101)).collect();
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut out: Vec<u64> = weights.iter().map(|w| total * w / sum).collect();
    let assigned: u64 = out.iter().sum();
    if let Some(last) = out.last_mut() {
        *last += total - assigned;
    }
    out
}

fn write_table(path: &Path, bytes: u64, rng: &mut Rng) -> Result<(), StorageError> {
    let mut out = create(path)?;
    let mut written = 0u64;
    let mut row = 0u64;
    let mut line = String::with_capacity(128);
    while written < bytes {
        use std::fmt::Write as _;
        line.clear();
        let amount = rng.below(10_000_000);
        let _ = writeln!(
            line,
            "{row},2026-{:02}-{:02},CUSTOMER_{:06},{},{},{}.{:02}",
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(50_000),
            STATUSES[rng.below(4) as usize],
            CITIES[rng.below(6) as usize],
            amount / 100,
            amount % 100
        );
        let take = line.len().min((bytes - written) as usize);
        out.write_all(&line.as_bytes()[..take])
            .map_err(|e| StorageError::io("write", path, e))?;
        written += take as u64;
        row += 1;
    }
    out.flush().map_err(|e| StorageError::io("write", path, e))
}

fn write_random(path: &Path, bytes: u64, rng: &mut Rng) -> Result<(), StorageError> {
    let mut out = create(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        rng.fill(&mut buf[..n]);
        out.write_all(&buf[..n])
            .map_err(|e| StorageError::io("write", path, e))?;
        left -= n as u64;
    }
    out.flush().map_err(|e| StorageError::io("write", path, e))
}

fn create(path: &Path) -> Result<BufWriter<File>, StorageError> {
    if let Some(parent) = path.parent() {
        mkdir(parent)?;
    }
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| StorageError::io("create", path, e))
}

fn write_small(path: &Path, bytes: &[u8]) -> Result<(), StorageError> {
    fs::write(path, bytes).map_err(|e| StorageError::io("write", path, e))
}

fn mkdir(path: &Path) -> Result<(), StorageError> {
    fs::create_dir_all(path).map_err(|e| StorageError::io("create directory", path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((
                        p.strip_prefix(dir).unwrap().to_path_buf(),
                        fs::read(&p).unwrap(),
                    ));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn same_seed_gives_same_bytes_and_exact_size() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let dirs_a = vec![a.path().join("node_0"), a.path().join("node_1")];
        let dirs_b = vec![b.path().join("node_0"), b.path().join("node_1")];
        generate(&dirs_a, 300_000, 7).unwrap();
        generate(&dirs_b, 300_000, 7).unwrap();
        let ta = tree_bytes(a.path());
        assert_eq!(ta, tree_bytes(b.path()));
        let data: u64 = ta
            .iter()
            .filter(|(p, _)| !p.ends_with("VERSION"))
            .map(|(_, d)| d.len() as u64)
            .sum();
        assert_eq!(data, 600_000);
        assert!(ta.len() >= 2 * 13, "several files per node: {}", ta.len());
    }

    #[test]
    fn nodes_differ_and_text_compresses() {
        let a = tempfile::tempdir().unwrap();
        let dirs = vec![a.path().join("node_0"), a.path().join("node_1")];
        generate(&dirs, 200_000, 1).unwrap();
        let t0 = fs::read(dirs[0].join("schemas/SCHEMA_0/TABLE_0.csv")).unwrap();
        let t1 = fs::read(dirs[1].join("schemas/SCHEMA_0/TABLE_0.csv")).unwrap();
        assert_ne!(t0, t1);
        assert!(String::from_utf8(t0).unwrap().lines().count() > 100);
    }
}
