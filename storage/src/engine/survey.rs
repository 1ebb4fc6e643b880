//! What a volume holds, for imports: every status marker, each checked with the manifests
//! it names before it may enter a catalogue. The volume is the source of truth, so a
//! catalogue can be rebuilt from it; a damaged backup is reported and left out, never
//! imported as good.

use std::collections::BTreeMap;

use crate::archive::{StatusMarker, layout};
use crate::volume::{ArchiveVolume, ObjectKey, Prefix};

use super::error::{EngineError, EngineResult};
use super::load::{corrupt, load_manifests};

/// A status marker that cannot be trusted, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    /// The marker's key.
    pub key: String,
    /// What is wrong (unreadable marker, manifest hash mismatch, missing data object).
    pub reason: String,
}

/// The committed backups of a volume and the bids it uses.
#[derive(Debug, Clone, Default)]
pub struct Survey {
    /// Readable status markers whose key matches their content, sorted by db, bid, level.
    pub markers: Vec<StatusMarker>,
    /// Markers that cannot be read or do not match their key.
    pub damaged: Vec<Damaged>,
    /// The highest bid seen per database (markers, claims, any backup object).
    pub highest_bids: BTreeMap<String, u64>,
}

/// Lists `volume` once and reads every status marker on it (not the manifests: see
/// [`check_backup`]).
pub async fn survey(volume: &dyn ArchiveVolume) -> EngineResult<Survey> {
    let mut out = Survey::default();
    for obj in volume.list(&Prefix::root()).await? {
        if let Some((db, bid)) = layout::parse_bid_key(obj.key.as_str()) {
            let highest = out.highest_bids.entry(db.to_owned()).or_default();
            *highest = (*highest).max(bid);
        }
        let Some((db, bid, level, ts)) = layout::parse_status_key(obj.key.as_str()) else {
            continue;
        };
        match read_marker(volume, &obj.key).await {
            Ok(m) if (m.db.as_str(), m.bid, m.level, m.ts.as_str()) == (db, bid, level, ts) => {
                out.markers.push(m);
            }
            Ok(_) => out.damaged.push(Damaged {
                key: obj.key.to_string(),
                reason: "status marker content does not match its key".into(),
            }),
            Err(e) => out.damaged.push(Damaged {
                key: obj.key.to_string(),
                reason: e.to_string(),
            }),
        }
    }
    out.markers
        .sort_by(|a, b| (&a.db, a.bid, a.level).cmp(&(&b.db, b.bid, b.level)));
    Ok(out)
}

async fn read_marker(volume: &dyn ArchiveVolume, key: &ObjectKey) -> EngineResult<StatusMarker> {
    let bytes = volume.get(key).await?;
    StatusMarker::decode(&bytes).map_err(|d| corrupt(key, d))
}

/// Checks a committed backup before it is imported: every manifest the marker names is
/// there with the size and BLAKE3 hash the marker recorded and belongs to this backup, and
/// every node's data object has the size the marker recorded. Chunks are not read (a
/// restore verifies each one); a damaged backup is refused here with the reason.
pub async fn check_backup(volume: &dyn ArchiveVolume, marker: &StatusMarker) -> EngineResult<()> {
    if marker.manifests.len() != marker.nodes {
        return Err(EngineError::Corrupt {
            file: layout::backup_dir(&marker.db, marker.bid, marker.level),
            detail: format!(
                "status marker lists {} manifests for {} nodes",
                marker.manifests.len(),
                marker.nodes
            ),
        });
    }
    load_manifests(volume, marker).await?;
    let keys = marker.keys().ok_or_else(|| {
        EngineError::Invalid(format!(
            "invalid db name or timestamp: {}/{}",
            marker.db, marker.ts
        ))
    })?;
    for info in &marker.manifests {
        let key = keys.data(info.node)?;
        let size = volume.head(&key).await?.map(|m| m.size);
        // A node with nothing new stores an empty data object (or none at all).
        if size.unwrap_or(0) != info.data_size {
            return Err(corrupt(
                &key,
                format!(
                    "data object is {} bytes, the status marker records {}",
                    size.map_or_else(|| "missing".to_owned(), |s| s.to_string()),
                    info.data_size
                ),
            ));
        }
    }
    Ok(())
}
