//! Step 1 of a backup: scan every node directory and decide per file whether it must be
//! read (new or changed against the base manifest) or its chunks can be taken from the
//! base as they are.

use std::collections::HashMap;

use tokio_util::sync::CancellationToken;

use super::backup::BackupPlan;
use super::backup_read::FileToRead;
use super::error::{EngineError, EngineResult};
use super::tree::scan;
use crate::archive::{ChunkHash, ChunkRef, Entry, EntryKind, Manifest};

/// Per node: the scanned entries and the files among them that must be read.
pub(crate) struct NodePlan {
    pub entries: Vec<Entry>,
    pub files: Vec<FileToRead>,
    pub chain: HashMap<ChunkHash, ChunkRef>,
}

fn plan_node(entries: Vec<Entry>, base: Option<&Manifest>, full_read: bool) -> NodePlan {
    let mut entries = entries;
    let mut chain = HashMap::new();
    let mut by_path: HashMap<&[u8], &Entry> = HashMap::new();
    if let Some(base) = base {
        for e in &base.entries {
            for r in &e.chunks {
                chain.entry(r.blake3).or_insert_with(|| r.clone());
            }
            by_path.insert(e.path.as_slice(), e);
        }
    }
    let mut files = Vec::new();
    for (index, e) in entries.iter_mut().enumerate() {
        if e.kind != EntryKind::File {
            continue;
        }
        // restic's rule: same size, mtime and inode means same content; reuse the refs.
        let unchanged = by_path.get(e.path.as_slice()).filter(|b| {
            !full_read
                && b.kind == EntryKind::File
                && (b.size, b.mtime_ns, b.inode) == (e.size, e.mtime_ns, e.inode)
        });
        match unchanged {
            Some(b) => e.chunks = b.chunks.clone(),
            None => files.push(FileToRead {
                index,
                entry: e.clone(),
            }),
        }
    }
    NodePlan {
        entries,
        files,
        chain,
    }
}

/// Step 1: scans every node directory (blocking file-system work, off the runtime's
/// threads, all nodes at once) and decides per file whether it must be read.
pub(crate) async fn scan_nodes(
    plan: &BackupPlan,
    cancel: &CancellationToken,
) -> EngineResult<Vec<NodePlan>> {
    // The first failure stops the other scans, but each is awaited: none outlives the call.
    let stop = cancel.child_token();
    let scans: Vec<_> = plan
        .nodes
        .iter()
        .map(|dir| {
            let (dir, token) = (dir.clone(), stop.clone());
            tokio::task::spawn_blocking(move || scan(&dir, &token))
        })
        .collect();
    let mut nodes = Vec::with_capacity(plan.nodes.len());
    let mut first_err = None;
    for (k, task) in scans.into_iter().enumerate() {
        let scanned = task
            .await
            .map_err(|e| EngineError::Internal(format!("scan task: {e}")))
            .and_then(|r| r);
        match scanned {
            Ok(entries) if first_err.is_none() => {
                let base = plan.base.as_ref().map(|b| &b.manifests[k]);
                nodes.push(plan_node(entries, base, plan.full_read));
            }
            Ok(_) => {}
            Err(e) => {
                stop.cancel();
                first_err.get_or_insert(e);
            }
        }
    }
    first_err.map_or(Ok(nodes), Err)
}
