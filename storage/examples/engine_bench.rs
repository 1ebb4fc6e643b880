//! Temporary: level-0 backup and restore throughput on generated data.
#![allow(clippy::unwrap_used)]
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use confd_storage::archive::Compression;
use confd_storage::engine::{self, BackupPlan, Progress};
use confd_storage::volume::LocalVolume;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let base = PathBuf::from(&args[1]);
    let mode = args[2].as_str();
    let nodes: Vec<PathBuf> = (0..4).map(|k| base.join(format!("data/node_{k}"))).collect();
    if mode == "gen" {
        confd_storage::datagen::generate(&nodes, 256 << 20, 42).unwrap();
        return;
    }
    let vol = Arc::new(LocalVolume::open(base.join(format!("vol_{mode}"))).unwrap());
    let mut plan = BackupPlan::full("DB", 1, "202611251200", nodes.clone());
    if mode == "raw" {
        plan.compression = Compression::None;
    }
    let p = Arc::new(Progress::new());
    let t = Instant::now();
    let s = engine::backup(&*vol, &plan, &p, &CancellationToken::new()).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    let mb = s.marker.totals.bytes as f64 / 1e6;
    println!("backup {mode}: {mb:.0} MB in {secs:.2}s = {:.0} MB/s, stored {:.0} MB", mb / secs, s.marker.totals.bytes_stored as f64 / 1e6);
    let targets: Vec<PathBuf> = (0..4).map(|k| base.join(format!("restore_{mode}/node_{k}"))).collect();
    let chain = engine::load_chain(&*vol, s.marker).await.unwrap();
    let t = Instant::now();
    let r = engine::restore(&*vol, &chain, &targets, &Arc::new(Progress::new()), &CancellationToken::new()).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!("restore {mode}: {:.0} MB in {secs:.2}s = {:.0} MB/s", r.bytes as f64 / 1e6, r.bytes as f64 / 1e6 / secs);
}
