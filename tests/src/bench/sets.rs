//! Makes the data set a run of figures works on and prints its `data` line: what it holds,
//! how it was made, and how well zstd-1 compresses it.

use std::path::Path;

use super::backup::Sizes;
use super::data::{DataSet, SEED};
use super::real_tree::{self, RealTree};
use super::{DataKind, big_file};

/// Makes set `kind` under `root` and prints its `data` line.
pub fn prepare(kind: DataKind, root: &Path, sizes: Sizes) -> anyhow::Result<DataSet> {
    let (data, how) = match kind {
        DataKind::Mixed => {
            let per_node = sizes.total / sizes.nodes as u64;
            let data = DataSet::generate(root, sizes.nodes, per_node)?;
            let how = format!(
                "{} nodes x {} MiB, storage::datagen seed {SEED:#x}: half CSV text, half random blocks",
                sizes.nodes,
                per_node >> 20
            );
            (data, how)
        }
        DataKind::Real => {
            let tree = real_tree::build(root, sizes.nodes, sizes.total)?;
            let data = DataSet::measure(kind.name(), root, sizes.nodes)?;
            let how = describe_real(&tree, sizes.nodes);
            (data, how)
        }
        DataKind::Big => {
            big_file::build(root, sizes.big)?;
            let data = DataSet::measure(kind.name(), root, 1)?;
            let how = format!(
                "1 node, one file ({}) of {} MiB: {} MiB segments alternating CSV text and random bytes (seed {SEED:#x}); --nodes does not apply",
                big_file::FILE,
                sizes.big >> 20,
                big_file::SEGMENT >> 20
            );
            (data, how)
        }
    };
    let compressibility = data.compressibility()?;
    println!(
        "data     [{}] {} bytes ({:.2} GB) in {} files and {} directories, {how}; zstd-1 compressibility {compressibility:.2}x (sampled)",
        data.name,
        data.bytes,
        data.bytes as f64 / 1e9,
        data.files,
        data.dirs,
    );
    Ok(data)
}

fn describe_real(tree: &RealTree, nodes: usize) -> String {
    let (files, bytes) = tree.copied;
    let (avail_files, avail_bytes) = tree.available;
    let short = if avail_bytes < tree.wanted {
        format!(
            " (all there is: {} asked for 80 % of --size, the sources hold less)",
            gb(tree.wanted)
        )
    } else {
        String::new()
    };
    format!(
        "{nodes} nodes, each about 1/{nodes} of the bytes: {files} files ({}) copied from {} (every k-th file of a sorted walk of their {avail_files} regular files, {}; paths kept){short}, plus {} random blobs of 1-64 MiB ({}, seed {SEED:#x}) under random/blobs/ of each node",
        gb(bytes),
        RealTree::sources(),
        gb(avail_bytes),
        tree.blobs.0,
        gb(tree.blobs.1),
    )
}

fn gb(bytes: u64) -> String {
    format!("{:.3} GB", bytes as f64 / 1e9)
}
