//! Bids on shared volumes. Several daemons (one per machine) may write to one bucket or
//! NFS export, each with its own catalogue, so the catalogue's bid counter alone cannot keep
//! them apart: before a backup writes anything it claims its bid on the volume with a
//! create-new write of `<db>/id_<bid>/claim`. Only one writer can create it; the loser
//! moves to a higher bid. The claim names its writer, so start-up recovery removes only its
//! own uncommitted backups and never one another daemon is writing right now.

use std::collections::{BTreeMap, HashSet};

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::archive::layout;
use crate::volume::{ArchiveVolume, Prefix, VolumeError};

use super::error::EngineResult;

/// The content of a claim object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BidClaim {
    /// Who claimed the bid (a daemon's writer ID, kept in its catalogue).
    pub writer: String,
    /// When, Unix seconds.
    pub claimed_at: i64,
}

/// Claims `bid` of `db` on `volume` for `writer`. `false` when the bid is taken: another
/// writer claimed it, or objects of a backup written without a claim already use it.
pub async fn claim_bid(
    volume: &dyn ArchiveVolume,
    db: &str,
    bid: u64,
    writer: &str,
) -> EngineResult<bool> {
    let key = layout::claim_key(db, bid)?;
    let claim = BidClaim {
        writer: writer.to_owned(),
        claimed_at: jiff::Timestamp::now().as_second(),
    };
    let json = serde_json::to_vec(&claim).map_err(|e| {
        super::error::EngineError::Internal(format!("encoding the claim of bid {bid}: {e}"))
    })?;
    match volume.put_new(&key, Bytes::from(json)).await {
        Ok(()) => {}
        Err(VolumeError::AlreadyExists { .. }) => return Ok(false),
        Err(e) => return Err(e.into()),
    }
    // Backups of older builds (or of another product using this layout) have no claim;
    // the claim stays as a marker that the bid is used, the backup goes elsewhere.
    let prefix = layout::bid_prefix(db, bid)?;
    let others = volume
        .list(&prefix)
        .await?
        .into_iter()
        .any(|o| o.key != key);
    Ok(!others)
}

/// The highest bid of `db` used on `volume` (claims and backup objects), if any.
pub async fn highest_bid(volume: &dyn ArchiveVolume, db: &str) -> EngineResult<Option<u64>> {
    let prefix = Prefix::new(db.to_owned())?;
    Ok(volume
        .list(&prefix)
        .await?
        .iter()
        .filter_map(|o| layout::parse_bid_key(o.key.as_str()))
        .map(|(_, bid)| bid)
        .max())
}

/// The highest bid per database used on `volume` (claims and backup objects).
pub async fn highest_bids(volume: &dyn ArchiveVolume) -> EngineResult<BTreeMap<String, u64>> {
    let mut out: BTreeMap<String, u64> = BTreeMap::new();
    for o in volume.list(&Prefix::root()).await? {
        if let Some((db, bid)) = layout::parse_bid_key(o.key.as_str()) {
            let e = out.entry(db.to_owned()).or_default();
            *e = (*e).max(bid);
        }
    }
    Ok(out)
}

/// `(db, bid)` of the uncommitted backups on `volume` claimed by a writer other than
/// `writer`: another daemon may be writing them now, so they are not ours to clean up.
/// (What such a daemon leaves after a crash stays invisible: no marker, no backup.)
pub async fn claimed_by_others(
    volume: &dyn ArchiveVolume,
    writer: &str,
) -> EngineResult<HashSet<(String, u64)>> {
    let objects = volume.list(&Prefix::root()).await?;
    let committed: HashSet<(&str, u64)> = objects
        .iter()
        .filter_map(|o| layout::parse_status_key(o.key.as_str()))
        .map(|(db, bid, _, _)| (db, bid))
        .collect();
    let mut out = HashSet::new();
    for o in &objects {
        let Some((db, bid)) = layout::parse_bid_key(o.key.as_str()) else {
            continue;
        };
        let is_claim = o.key.as_str().rsplit('/').next() == Some(layout::CLAIM_NAME);
        if !is_claim || committed.contains(&(db, bid)) {
            continue;
        }
        let mine = match volume.get(&o.key).await {
            Ok(bytes) => {
                serde_json::from_slice::<BidClaim>(&bytes).is_ok_and(|c| c.writer == writer)
            }
            // Unreadable: rather keep someone's data than delete it.
            Err(_) => false,
        };
        if !mine {
            out.insert((db.to_owned(), bid));
        }
    }
    Ok(out)
}
