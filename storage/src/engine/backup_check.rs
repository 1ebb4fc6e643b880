//! Step 4 of a backup: check what was written before committing it, and the totals the
//! status marker records.

use super::backup_node::NodeStats;
use super::error::EngineResult;
use super::load::{corrupt, load_manifest};
use crate::archive::{BackupKeys, EntryKind, Manifest, StatusMarker, Totals};
use crate::volume::ArchiveVolume;

pub(crate) fn totals(manifests: &[Manifest], stats: &[NodeStats]) -> Totals {
    let mut t = Totals::default();
    for e in manifests.iter().flat_map(|m| &m.entries) {
        match e.kind {
            EntryKind::File => {
                t.files += 1;
                t.bytes += e.size;
            }
            EntryKind::Dir => t.dirs += 1,
            EntryKind::Symlink => t.symlinks += 1,
        }
    }
    for s in stats {
        t.bytes_read += s.bytes_read;
        t.bytes_stored += s.bytes_stored;
        t.chunks_stored += s.chunks_stored;
        t.chunks_reused += s.chunks_reused;
    }
    t
}

/// Re-reads every manifest and data object size from the volume and checks them against
/// what this backup meant to write, so a marker is never written over a bad read-back.
pub(crate) async fn validate(
    volume: &dyn ArchiveVolume,
    keys: &BackupKeys,
    marker: &StatusMarker,
    written: &[Manifest],
) -> EngineResult<()> {
    // All nodes at once: each read waits for the volume, not for the others.
    let read =
        futures::future::join_all((0..marker.nodes).map(|k| load_manifest(volume, marker, k)))
            .await
            .into_iter()
            .collect::<EngineResult<Vec<_>>>()?;
    for (k, (m, w)) in read.iter().zip(written).enumerate() {
        let key = keys.manifest(k)?;
        if m != w {
            return Err(corrupt(
                &key,
                "manifest read back differs from the one written",
            ));
        }
        let data_key = keys.data(k)?;
        let size = volume.head(&data_key).await?.map(|o| o.size);
        if size != Some(marker.manifests[k].data_size) {
            return Err(corrupt(&data_key, format!("data object size is {size:?}")));
        }
        for e in &m.entries {
            let raw: u64 = e.chunks.iter().map(|c| c.raw_len).sum();
            let own_ok = e.chunks.iter().all(|c| {
                (c.bid, c.level) != (marker.bid, marker.level)
                    || c.offset + c.stored_len <= marker.manifests[k].data_size
            });
            if raw != e.size || !own_ok {
                return Err(corrupt(
                    &key,
                    format!("chunks of '{}' do not add up", e.rel_path().display()),
                ));
            }
        }
    }
    let bytes: u64 = read.iter().map(Manifest::file_bytes).sum();
    if bytes != marker.totals.bytes {
        return Err(corrupt(
            &keys.status()?,
            "totals do not match the manifests",
        ));
    }
    Ok(())
}
