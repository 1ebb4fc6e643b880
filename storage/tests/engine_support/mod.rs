//! Shared helpers of the engine tests: a generated node tree with every kind of entry, a
//! byte-for-byte tree comparison, and short-hands for volumes and plans.
#![allow(dead_code, clippy::unwrap_used)] // test helpers: a failed setup step should panic

use std::collections::BTreeMap;
use std::fs::{self, Permissions};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use confd_storage::archive::{Compression, StatusMarker};
use confd_storage::datagen::Rng;
use confd_storage::engine::{
    self, BackupPlan, BackupSummary, BaseBackup, Progress, RestoreSummary,
};
use confd_storage::volume::{ArchiveVolume, LocalVolume, Prefix};
use tokio_util::sync::CancellationToken;

pub const MIB: usize = 1 << 20;

pub fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    Rng::new(seed).fill(&mut v);
    v
}

pub fn text(lines: usize) -> String {
    (0..lines)
        .map(|i| {
            format!(
                "{i},customer_{},{}.{:02},EUR\n",
                i % 97,
                i * 13 % 1000,
                i % 100
            )
        })
        .collect()
}

/// A node directory with text, random bytes, nested dirs, symlinks (relative, absolute,
/// dangling, to a directory), an empty file, a file > 4 MiB and odd modes.
pub fn make_tree(root: &Path, seed: u64) {
    fs::create_dir_all(root.join("schema_a/tables/deep/deeper")).unwrap();
    fs::create_dir_all(root.join("empty_dir")).unwrap();
    fs::create_dir_all(root.join("ro_dir")).unwrap();
    fs::write(root.join("schema_a/tables/orders.csv"), text(20_000)).unwrap();
    fs::write(root.join("schema_a/tables/deep/deeper/leaf.txt"), "leaf\n").unwrap();
    fs::write(root.join("random.bin"), random_bytes(seed, 300_000)).unwrap();
    // > 4 MiB: two chunks, the second partial; half compressible, half not.
    let mut big = text(120_000).into_bytes();
    big.truncate(3 * MIB);
    big.extend(random_bytes(seed + 1, 2 * MIB + 12_345));
    fs::write(root.join("schema_a/big.dat"), big).unwrap();
    fs::write(root.join("empty"), b"").unwrap();
    fs::write(root.join("ro_dir/readonly.txt"), "can't touch this").unwrap();
    fs::write(root.join("exec.sh"), "#!/bin/sh\necho hi\n").unwrap();
    fs::write(root.join("weird mode"), "x").unwrap();
    symlink("schema_a/tables/orders.csv", root.join("link_rel")).unwrap();
    symlink("/nonexistent/target", root.join("link_dangling")).unwrap();
    symlink("schema_a", root.join("link_dir")).unwrap();
    fs::set_permissions(root.join("exec.sh"), Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(root.join("weird mode"), Permissions::from_mode(0o4610)).unwrap();
    fs::set_permissions(
        root.join("ro_dir/readonly.txt"),
        Permissions::from_mode(0o444),
    )
    .unwrap();
    fs::set_permissions(root.join("ro_dir"), Permissions::from_mode(0o555)).unwrap();
    fs::set_permissions(root.join("empty_dir"), Permissions::from_mode(0o710)).unwrap();
    // Distinct, old mtimes, so a restore that forgets them is caught.
    let t = filetime::FileTime::from_unix_time(1_600_000_000, 123_456_789);
    filetime::set_file_mtime(root.join("random.bin"), t).unwrap();
    filetime::set_symlink_file_times(root.join("link_rel"), t, t).unwrap();
    filetime::set_file_mtime(root.join("schema_a/tables/deep"), t).unwrap();
}

/// Everything a restore must reproduce, per path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    File {
        mode: u32,
        mtime: (i64, i64),
        content: Vec<u8>,
    },
    Dir {
        mode: u32,
        mtime: (i64, i64),
    },
    Symlink {
        target: PathBuf,
        mtime: (i64, i64),
    },
}

pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, Node> {
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn walk(root: &Path, p: &Path, out: &mut BTreeMap<PathBuf, Node>) {
    let m = fs::symlink_metadata(p).unwrap();
    let rel = p.strip_prefix(root).unwrap().to_path_buf();
    let mtime = (m.mtime(), m.mtime_nsec());
    let mode = m.mode() & 0o7777;
    if m.file_type().is_symlink() {
        out.insert(
            rel,
            Node::Symlink {
                target: fs::read_link(p).unwrap(),
                mtime,
            },
        );
    } else if m.is_dir() {
        out.insert(rel, Node::Dir { mode, mtime });
        for e in fs::read_dir(p).unwrap() {
            walk(root, &e.unwrap().path(), out);
        }
    } else {
        out.insert(
            rel,
            Node::File {
                mode,
                mtime,
                content: fs::read(p).unwrap(),
            },
        );
    }
}

/// Asserts that two trees are equal in contents, modes, mtimes and symlink targets.
pub fn assert_same_tree(expected: &BTreeMap<PathBuf, Node>, actual_root: &Path) {
    let actual = snapshot(actual_root);
    let ek: Vec<_> = expected.keys().collect();
    let ak: Vec<_> = actual.keys().collect();
    assert_eq!(ek, ak, "different set of paths");
    for (path, e) in expected {
        let a = &actual[path];
        if e != a {
            let short = |n: &Node| match n {
                Node::File {
                    mode,
                    mtime,
                    content,
                } => format!(
                    "file mode {mode:o} mtime {mtime:?} len {} hash {}",
                    content.len(),
                    blake3::hash(content)
                ),
                other => format!("{other:?}"),
            };
            panic!(
                "{} differs:\n expected {}\n actual   {}",
                path.display(),
                short(e),
                short(a)
            );
        }
    }
}

pub fn volume(dir: &Path) -> Arc<dyn ArchiveVolume> {
    Arc::new(LocalVolume::open(dir).unwrap())
}

pub async fn object_keys(vol: &dyn ArchiveVolume) -> Vec<String> {
    vol.list(&Prefix::root())
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.key.to_string())
        .collect()
}

/// Asserts that `vol` holds nothing: no finished object and no incomplete write.
pub async fn assert_volume_empty(vol: &dyn ArchiveVolume) {
    assert_eq!(object_keys(vol).await, Vec::<String>::new());
    assert!(
        vol.list_incomplete(&Prefix::root())
            .await
            .unwrap()
            .is_empty(),
        "incomplete writes left on {}",
        vol.describe()
    );
}

/// A temp dir with `n` node directories under `data/`, a volume under `vol/` and room
/// for restores under `restore/`.
pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub nodes: Vec<PathBuf>,
    pub vol: Arc<dyn ArchiveVolume>,
}

impl Fixture {
    pub fn new(n: usize) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let nodes: Vec<PathBuf> = (0..n)
            .map(|k| tmp.path().join(format!("data/node_{k}")))
            .collect();
        for n in &nodes {
            fs::create_dir_all(n).unwrap();
        }
        let vol = volume(&tmp.path().join("vol"));
        Self { tmp, nodes, vol }
    }

    pub fn restore_dirs(&self, name: &str) -> Vec<PathBuf> {
        (0..self.nodes.len())
            .map(|k| self.tmp.path().join(format!("{name}/node_{k}")))
            .collect()
    }

    pub fn snapshots(&self) -> Vec<BTreeMap<PathBuf, Node>> {
        self.nodes.iter().map(|n| snapshot(n)).collect()
    }

    pub async fn full(&self, bid: u64, ts: &str) -> BackupSummary {
        let plan = BackupPlan::full("DB1", bid, ts, self.nodes.clone());
        self.run(&plan).await
    }

    pub async fn incremental(&self, base: &StatusMarker, bid: u64, ts: &str) -> BackupSummary {
        let base = BaseBackup::load(&*self.vol, base.clone()).await.unwrap();
        let plan = BackupPlan::incremental(bid, ts, self.nodes.clone(), base);
        self.run(&plan).await
    }

    pub async fn run(&self, plan: &BackupPlan) -> BackupSummary {
        let progress = Arc::new(Progress::new());
        engine::backup(&*self.vol, plan, &progress, &CancellationToken::new())
            .await
            .unwrap()
    }

    pub async fn restore(
        &self,
        top: &StatusMarker,
        targets: &[PathBuf],
    ) -> Result<RestoreSummary, engine::EngineError> {
        let chain = engine::load_chain(&*self.vol, top.clone()).await?;
        let progress = Arc::new(Progress::new());
        engine::restore(
            &*self.vol,
            &chain,
            targets,
            &progress,
            &CancellationToken::new(),
        )
        .await
    }
}

pub fn no_compression(mut plan: BackupPlan) -> BackupPlan {
    plan.compression = Compression::None;
    plan
}
