//! The `bench` binary's figures (design 8). Each part starts what it needs (an in-process
//! daemon on port 0 or the real `confd` binary as a child, a data set in a temporary
//! directory, an S3 server) and prints one line per figure, beside its reference and its
//! ceiling where there is one. The backup, restore and S3 figures run once per data set
//! asked for (`--data`), each line naming its set.

mod backup;
mod big_file;
mod ceilings;
mod child;
mod client;
mod cpu;
mod data;
mod growth;
mod pollers;
mod real_tree;
mod restore;
mod rss;
mod s3;
mod s3_metrics;
mod s3_plain;
mod sched;
mod server_latency;
mod sets;
mod small_files;
mod xmlrpc;

use anyhow::{Context as _, bail};

const USAGE: &str = "usage: bench [--only xmlrpc|backup|restore|verify|incremental|progress|rss|nocompression|s3|growth|smallfiles[,...]]
             [--data mixed|real|big|both[,...] (default both = mixed,real)]
             [--size SIZE (default 1GiB)] [--big-size SIZE (default 2GiB)]
             [--rss-size SIZE (default 4GiB)] [--nodes N (default 4)]
             [--small-files N (default 200000)] [--scale]
default: every figure but growth and smallfiles; they run only when --only names them
figures:
  s3      level-0 backup to and restore from an S3 volume (s3s-fs on loopback, $S3S_FS)
          beside plain object_store puts and ranged GETs of the same objects, and the
          requests each sent per GiB; on each data set asked for
  growth  a confd child's level-0 backup time and peak RSS at 1 and 4 GiB of mixed data
          (--scale adds 16 GiB); --small-files files of 1-64 KiB backed up and restored
          by a confd child beside tar | zstd and zstd -d | tar -x; level-1 after
          rewriting 0.1 %, 1 % and 10 % of the files of a real set of --size bytes
  smallfiles  the small-files part of growth alone
data sets (each backup/restore/s3 figure runs on each one asked for):
  mixed  storage::datagen: CSV text and random blocks, --size bytes over --nodes nodes
  real   files sampled from /usr/lib, /usr/share, /usr/bin (80 % of --size) plus random
         blobs of 1-64 MiB (20 %), over --nodes nodes
  big    one node holding one file of --big-size bytes, half CSV text, half random";

/// Which figures to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    xmlrpc: bool,
    backup: bool,
    nocompression: bool,
    incremental: bool,
    restore: bool,
    verify: bool,
    progress: bool,
    rss: bool,
    s3: bool,
    growth: bool,
    small_files: bool,
}

impl Selection {
    fn all() -> Self {
        Self {
            xmlrpc: true,
            backup: true,
            nocompression: true,
            incremental: true,
            restore: true,
            verify: true,
            progress: true,
            rss: true,
            s3: true,
            // Opt-in: it makes sets of several GiB and 200,000 files.
            growth: false,
            small_files: false,
        }
    }

    fn add(&mut self, name: &str) -> anyhow::Result<()> {
        let flag = match name {
            "xmlrpc" => &mut self.xmlrpc,
            "backup" => &mut self.backup,
            "nocompression" => &mut self.nocompression,
            "incremental" => &mut self.incremental,
            "restore" => &mut self.restore,
            "verify" => &mut self.verify,
            "progress" => &mut self.progress,
            "rss" => &mut self.rss,
            "s3" => &mut self.s3,
            "growth" => &mut self.growth,
            "smallfiles" => &mut self.small_files,
            other => bail!("unknown figure '{other}'\n{USAGE}"),
        };
        *flag = true;
        Ok(())
    }

    fn any_backup(&self) -> bool {
        self.backup
            || self.nocompression
            || self.incremental
            || self.restore
            || self.verify
            || self.progress
            || self.s3
    }
}

/// A data set the backup and restore figures run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataKind {
    /// `storage::datagen`'s mixed text and random data.
    Mixed,
    /// Files copied from `/usr` plus random blobs.
    Real,
    /// One node with one large file.
    Big,
}

impl DataKind {
    /// The name printed on every line of the set's figures.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mixed => "mixed",
            Self::Real => "real",
            Self::Big => "big",
        }
    }
}

/// `--data a,b`: the sets in the order mixed, real, big, whatever order they were named in.
fn data_arg(value: Option<&String>) -> anyhow::Result<Vec<DataKind>> {
    let value = value.with_context(|| format!("--data needs a value\n{USAGE}"))?;
    let mut kinds = Vec::new();
    for name in value.split(',') {
        match name.trim() {
            "mixed" => kinds.push(DataKind::Mixed),
            "real" => kinds.push(DataKind::Real),
            "big" => kinds.push(DataKind::Big),
            "both" => kinds.extend([DataKind::Mixed, DataKind::Real]),
            other => bail!("unknown data set '{other}'\n{USAGE}"),
        }
    }
    kinds.sort_by_key(|k| *k as u8);
    kinds.dedup();
    Ok(kinds)
}

/// MB/s (10^6 bytes per second).
fn mb_s(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs.max(1e-9)
}

/// `"1.23x (target >= 1.0x): MET"`.
fn verdict(ratio: f64, target: f64) -> String {
    let word = if ratio >= target { "MET" } else { "MISSED" };
    format!("{ratio:.2}x (target >= {target}x): {word}")
}

fn size_arg(value: Option<&String>, flag: &str) -> anyhow::Result<u64> {
    let value = value.with_context(|| format!("{flag} needs a value\n{USAGE}"))?;
    let bytes = confd_jobs::units::parse_size(value).map_err(|e| anyhow::anyhow!("{flag}: {e}"))?;
    if bytes == 0 {
        bail!("{flag} must be more than 0");
    }
    Ok(bytes)
}

/// Runs the selected figures (`--only a,b` picks some; default: all).
pub fn main(args: Vec<String>) -> anyhow::Result<()> {
    let mut only: Option<Selection> = None;
    let (mut size, mut rss_size, mut nodes) = (1u64 << 30, 4u64 << 30, 4usize);
    let mut big = 2u64 << 30;
    let mut kinds = vec![DataKind::Mixed, DataKind::Real];
    let (mut small_files, mut scale) = (200_000usize, false);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--only" => {
                let names = it
                    .next()
                    .with_context(|| format!("--only needs a name\n{USAGE}"))?;
                let sel = only.get_or_insert_with(Selection::default);
                for name in names.split(',') {
                    sel.add(name.trim())?;
                }
            }
            "--size" => size = size_arg(it.next(), "--size")?,
            "--rss-size" => rss_size = size_arg(it.next(), "--rss-size")?,
            "--big-size" => big = size_arg(it.next(), "--big-size")?,
            "--data" => kinds = data_arg(it.next())?,
            "--nodes" => {
                nodes = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| (1..=64).contains(n))
                    .with_context(|| format!("--nodes needs a number 1..64\n{USAGE}"))?;
            }
            "--small-files" => {
                small_files = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .with_context(|| format!("--small-files needs a number > 0\n{USAGE}"))?;
            }
            "--scale" => scale = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument '{other}'\n{USAGE}"),
        }
    }
    let sel = only.unwrap_or_else(Selection::all);
    println!(
        "# confd-rs bench ({} cores, {})",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        if cfg!(debug_assertions) {
            "DEBUG build: figures are meaningless, use --release"
        } else {
            "release build"
        }
    );
    if sel.xmlrpc {
        xmlrpc::calls_per_second(5_000)?;
    }
    if sel.any_backup() {
        let sizes = backup::Sizes {
            total: size,
            nodes,
            big,
        };
        backup::run(&sel, sizes, &kinds)?;
    }
    if sel.rss {
        rss::peak_rss(rss_size, nodes)?;
    }
    if sel.growth || sel.small_files {
        let cache = data::Cache::detect();
        if !sel.any_backup() {
            println!("cache    {}", cache.describe());
        }
        let g = growth::Growth {
            scale,
            small_files,
            nodes,
            size,
        };
        if sel.growth {
            growth::run(g, cache)?;
        } else {
            growth::small_files_only(g, cache)?;
        }
    }
    Ok(())
}
