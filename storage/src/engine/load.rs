//! Reading committed backups back: status markers, manifests (checked against the hashes in
//! the marker before they are trusted) and chains of incrementals.

use crate::archive::{BackupKeys, ChunkHash, Manifest, StatusMarker, layout};
use crate::volume::{ArchiveVolume, ObjectKey, VolumeError};

use super::error::{EngineError, EngineResult};

pub(crate) fn keys_of(marker: &StatusMarker) -> EngineResult<BackupKeys> {
    marker.keys().ok_or_else(|| {
        EngineError::Invalid(format!(
            "status marker has an invalid db name or timestamp: {}/{}",
            marker.db, marker.ts
        ))
    })
}

pub(crate) fn corrupt(key: &ObjectKey, detail: impl Into<String>) -> EngineError {
    EngineError::Corrupt {
        file: key.to_string(),
        detail: detail.into(),
    }
}

/// Reads the status marker of backup `bid`/`level` of `db` taken at `ts`.
pub async fn load_status(
    volume: &dyn ArchiveVolume,
    db: &str,
    bid: u64,
    level: u8,
    ts: &str,
) -> EngineResult<StatusMarker> {
    let keys = BackupKeys::new(db, bid, level, ts)
        .ok_or_else(|| EngineError::Invalid(format!("invalid db name or timestamp: {db}/{ts}")))?;
    let key = keys.status()?;
    let bytes = volume.get(&key).await?;
    let marker = StatusMarker::decode(&bytes).map_err(|d| corrupt(&key, d))?;
    if (
        marker.db.as_str(),
        marker.bid,
        marker.level,
        marker.ts.as_str(),
    ) != (db, bid, level, ts)
    {
        return Err(corrupt(&key, "marker content does not match its key"));
    }
    Ok(marker)
}

/// Reads and decodes the manifests of every node of a committed backup, checking each
/// against the size and BLAKE3 hash its status marker recorded.
pub async fn load_manifests(
    volume: &dyn ArchiveVolume,
    marker: &StatusMarker,
) -> EngineResult<Vec<Manifest>> {
    let mut out = Vec::with_capacity(marker.nodes);
    for node in 0..marker.nodes {
        out.push(load_manifest(volume, marker, node).await?);
    }
    Ok(out)
}

/// The manifest of `node` of a committed backup, checked like [`load_manifests`] does.
pub(crate) async fn load_manifest(
    volume: &dyn ArchiveVolume,
    marker: &StatusMarker,
    node: usize,
) -> EngineResult<Manifest> {
    let key = keys_of(marker)?.manifest(node)?;
    let info = marker
        .manifests
        .get(node)
        .filter(|i| i.node == node)
        .ok_or_else(|| corrupt(&key, "status marker does not list this manifest"))?;
    let bytes = volume.get(&key).await?;
    if bytes.len() as u64 != info.size || ChunkHash::of(&bytes) != info.blake3 {
        return Err(corrupt(
            &key,
            "manifest does not match the hash in the status marker",
        ));
    }
    let m = Manifest::decode(&bytes).map_err(|e| corrupt(&key, e.to_string()))?;
    if m.bid != marker.bid || m.level != marker.level || m.node != node {
        return Err(corrupt(&key, "manifest belongs to another backup or node"));
    }
    Ok(m)
}

/// The chain of `marker`: its base, the base's base, … down to level 0, returned in
/// level order (level 0 first, `marker` last).
pub async fn load_chain(
    volume: &dyn ArchiveVolume,
    marker: StatusMarker,
) -> EngineResult<Vec<StatusMarker>> {
    let mut chain = vec![marker];
    loop {
        let top = &chain[chain.len() - 1];
        let Some(base) = top.base.clone() else { break };
        if base.level + 1 != top.level || chain.len() > 10 {
            return Err(EngineError::MissingBase {
                detail: format!(
                    "backup {} names a base of level {}",
                    layout::backup_dir(&top.db, top.bid, top.level),
                    base.level
                ),
            });
        }
        let db = top.db.clone();
        match load_status(volume, &db, base.bid, base.level, &base.ts).await {
            Ok(m) => chain.push(m),
            Err(EngineError::Volume(VolumeError::NotFound { .. })) => {
                return Err(EngineError::MissingBase {
                    detail: format!(
                        "{} is not on the volume",
                        layout::backup_dir(&db, base.bid, base.level)
                    ),
                });
            }
            Err(e) => return Err(e),
        }
    }
    chain.reverse();
    Ok(chain)
}

/// The key prefix of a backup, for callers that need to look at its objects.
pub fn backup_prefix(db: &str, bid: u64, level: u8) -> EngineResult<crate::volume::Prefix> {
    Ok(layout::backup_prefix(db, bid, level)?)
}
