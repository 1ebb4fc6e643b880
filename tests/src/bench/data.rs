//! The data the figures run on, the page-cache policy, and the reference pipelines.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, bail};

/// Seed of the generated data (the same data on every run).
pub const SEED: u64 = 0x00C0_FFEE;

/// Generated node directories and what they hold.
#[derive(Debug, Clone)]
pub struct DataSet {
    /// Name of the set, printed on each of its lines.
    pub name: &'static str,
    /// Directory holding `node_0 .. node_<n-1>`.
    pub root: PathBuf,
    /// Node count.
    pub nodes: usize,
    /// Bytes of regular files.
    pub bytes: u64,
    /// Regular files.
    pub files: u64,
    /// Directories (node directories included).
    pub dirs: u64,
}

impl DataSet {
    /// Generates `nodes` × `per_node` bytes of mixed data (`storage::datagen`) under `root`.
    pub fn generate(root: &Path, nodes: usize, per_node: u64) -> anyhow::Result<Self> {
        let dirs: Vec<PathBuf> = (0..nodes).map(|k| root.join(format!("node_{k}"))).collect();
        confd_storage::datagen::generate(&dirs, per_node, SEED)?;
        Self::measure("mixed", root, nodes)
    }

    /// Counts what is under `root`.
    pub fn measure(name: &'static str, root: &Path, nodes: usize) -> anyhow::Result<Self> {
        let mut set = Self {
            name,
            root: root.to_path_buf(),
            nodes,
            bytes: 0,
            files: 0,
            dirs: 0,
        };
        for (path, len) in walk(root)? {
            match len {
                Some(len) => {
                    set.bytes += len;
                    set.files += 1;
                }
                None if path != root => set.dirs += 1,
                None => {}
            }
        }
        Ok(set)
    }

    /// Regular files, sorted by path.
    pub fn file_list(&self) -> anyhow::Result<Vec<(PathBuf, u64)>> {
        let mut files: Vec<(PathBuf, u64)> = walk(&self.root)?
            .into_iter()
            .filter_map(|(p, len)| len.map(|l| (p, l)))
            .collect();
        files.sort();
        Ok(files)
    }

    /// Estimated zstd-1 compression ratio: 1 MiB samples per file (four, or one per 64 MiB
    /// of a larger file, so a file mixing text and random parts is sampled across both),
    /// weighted by file size.
    pub fn compressibility(&self) -> anyhow::Result<f64> {
        const SAMPLE: u64 = 1 << 20;
        let (mut raw, mut packed) = (0f64, 0f64);
        for (path, len) in self.file_list()? {
            if len == 0 {
                continue;
            }
            let mut f = fs::File::open(&path).with_context(|| path.display().to_string())?;
            let samples = len.div_ceil(SAMPLE).min((len >> 26).max(4));
            let (mut s_raw, mut s_packed) = (0usize, 0usize);
            for i in 0..samples {
                let offset = (len - len.min(SAMPLE)) * i / samples.max(2).saturating_sub(1);
                let mut buf = vec![0u8; len.min(SAMPLE) as usize];
                f.seek(SeekFrom::Start(offset))?;
                f.read_exact(&mut buf)?;
                s_raw += buf.len();
                s_packed += zstd::bulk::compress(&buf, 1)?.len().min(buf.len());
            }
            raw += len as f64;
            packed += len as f64 * s_packed as f64 / s_raw.max(1) as f64;
        }
        Ok(if packed > 0.0 { raw / packed } else { 1.0 })
    }

    /// Rewrites about `percent` % of the files (at least one, picked at evenly spaced
    /// quantiles of the file sizes, so one file is a median-sized one) with new content of
    /// the same size: every ASCII digit is rotated, which changes every chunk of text and
    /// random data alike and keeps the compressibility. The mtime becomes the time of the
    /// write. Returns (files, bytes) changed.
    pub fn change_files(&self, percent: f64) -> anyhow::Result<(u64, u64)> {
        let mut files = self.file_list()?;
        files.sort_by_key(|(p, len)| (*len, p.clone()));
        let n = ((files.len() as f64 * percent / 100.0).round() as usize).clamp(1, files.len());
        let (mut count, mut bytes) = (0u64, 0u64);
        for i in 0..n {
            let (path, len) = &files[(2 * i + 1) * files.len() / (2 * n)];
            let mut data = fs::read(path).with_context(|| path.display().to_string())?;
            for b in &mut data {
                if b.is_ascii_digit() {
                    *b = b'0' + (*b - b'0' + 1) % 10;
                }
            }
            fs::write(path, &data).with_context(|| path.display().to_string())?;
            count += 1;
            bytes += len;
        }
        Ok((count, bytes))
    }
}

/// Every entry under `root` (itself included): `(path, Some(size))` for regular files,
/// `(path, None)` for directories; symlinks are skipped.
pub fn walk(root: &Path) -> anyhow::Result<Vec<(PathBuf, Option<u64>)>> {
    let mut out = vec![(root.to_path_buf(), None)];
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
            let entry = entry?;
            let meta = entry.metadata()?;
            let path = entry.path();
            if meta.is_dir() {
                stack.push(path.clone());
                out.push((path, None));
            } else if meta.is_file() {
                out.push((path, Some(meta.len())));
            }
        }
    }
    Ok(out)
}

/// Bytes of regular files under `root`.
pub fn dir_bytes(root: &Path) -> anyhow::Result<u64> {
    Ok(walk(root)?.into_iter().filter_map(|(_, l)| l).sum())
}

/// How the page cache is treated before each timed run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// `sync; echo 3 > /proc/sys/vm/drop_caches` before each run (needs root).
    Cold,
    /// Inputs read once before each run, so both sides start from the page cache.
    Warm,
}

impl Cache {
    /// Cold if dropping the page cache works here, else warm.
    pub fn detect() -> Self {
        if drop_caches() {
            Self::Cold
        } else {
            Self::Warm
        }
    }

    /// Describes the policy for the header.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Cold => {
                "cold: `sync; echo 3 > /proc/sys/vm/drop_caches` before every run, ours and reference alike"
            }
            Self::Warm => {
                "warm: page cache cannot be dropped here, inputs read once before every run, ours and reference alike"
            }
        }
    }

    /// `"cold cache"` or `"warm cache"`, for lines naming the policy of one run.
    pub fn short(self) -> &'static str {
        match self {
            Self::Cold => "cold cache",
            Self::Warm => "warm cache",
        }
    }

    /// Prepares a run that reads `inputs`: flushes dirty pages, then drops the cache or
    /// reads the inputs into it.
    pub fn prepare(self, inputs: &[&Path]) -> anyhow::Result<()> {
        sh("sync")?;
        match self {
            Self::Cold => {
                if !drop_caches() {
                    bail!("dropping the page cache worked before and fails now");
                }
            }
            Self::Warm => {
                for input in inputs {
                    sh(&format!(
                        "find {} -type f -exec cat {{}} + > /dev/null",
                        quote(input)
                    ))?;
                }
            }
        }
        Ok(())
    }
}

fn drop_caches() -> bool {
    Command::new("sh")
        .arg("-c")
        .arg("sync && echo 3 > /proc/sys/vm/drop_caches")
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `diff -r -q` of two trees, in the words a figure line ends with: byte-for-byte equal
/// to `what`, or DIFFERS from it.
pub fn tree_check(a: &Path, b: &Path, what: &str) -> anyhow::Result<String> {
    let same = Command::new("diff")
        .args(["-r", "-q"])
        .arg(a)
        .arg(b)
        .output()?;
    Ok(if same.status.success() {
        format!("byte-for-byte equal to {what} (diff -r)")
    } else {
        format!("DIFFERS from {what} (diff -r)")
    })
}

/// Single-quotes `path` for `sh`.
pub fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// Runs `script` with `sh -c`; fails unless it exits 0.
pub fn sh(script: &str) -> anyhow::Result<()> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .with_context(|| format!("running `{script}`"))?;
    if !out.status.success() {
        bail!(
            "`{script}` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Fails unless the file system of `dir` has `need` bytes free, naming `what` needs them.
pub fn ensure_room(dir: &Path, need: u64, what: &str) -> anyhow::Result<()> {
    let out = Command::new("df")
        .args(["-B1", "--output=avail"])
        .arg(dir)
        .output()
        .context("running df")?;
    let free: u64 = String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .and_then(|l| l.trim().parse().ok())
        .with_context(|| format!("no free space from `df {}`", dir.display()))?;
    if free < need {
        bail!(
            "{what} needs about {:.1} GB free under {}, there are {:.1} GB",
            need as f64 / 1e9,
            dir.display(),
            free as f64 / 1e9
        );
    }
    Ok(())
}

/// Runs `script` with `sh -c` and returns its wall time in seconds.
pub fn time_sh(script: &str) -> anyhow::Result<f64> {
    let t = Instant::now();
    sh(script)?;
    Ok(t.elapsed().as_secs_f64())
}
