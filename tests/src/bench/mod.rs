//! The `bench` binary's figures (design 8). Each part starts what it needs (an in-process
//! daemon on port 0 or the real `confd` binary as a child, generated data in a temporary
//! directory) and prints one line per figure, beside its reference where there is one.

mod backup;
mod client;
mod data;
mod rss;
mod xmlrpc;

use anyhow::{Context as _, bail};

const USAGE: &str = "usage: bench [--only xmlrpc|backup|restore|verify|incremental|progress|rss|nocompression[,...]] [--size SIZE (default 1GiB)] [--rss-size SIZE (default 4GiB)] [--nodes N (default 4)]";

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
    }
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
            "--nodes" => {
                nodes = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| (1..=64).contains(n))
                    .with_context(|| format!("--nodes needs a number 1..64\n{USAGE}"))?;
            }
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
        backup::run(&sel, backup::Sizes { total: size, nodes })?;
    }
    if sel.rss {
        rss::peak_rss(rss_size, nodes)?;
    }
    Ok(())
}
