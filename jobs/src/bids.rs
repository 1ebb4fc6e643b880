//! Bids for new backups. The catalogue's counter gives the next candidate (above every bid
//! imported from any volume); the candidate is then claimed on the target volume, which
//! may be shared with other daemons that have catalogues of their own (see
//! `engine::claim_bid`). A taken bid moves the counter past the highest bid on the volume.

use confd_storage::engine;
use confd_storage::records::VolumeRecord;

use crate::error::JobError;
use crate::services::Services;

/// Candidates tried before giving up: each miss jumps past the highest bid on the volume,
/// so more than one miss means other writers keep claiming at the same moment.
const ATTEMPTS: usize = 8;

/// This daemon's writer ID, created (random) on first use.
pub fn writer_id(services: &Services) -> Result<String, JobError> {
    Ok(services.catalog.writer_id(|| {
        let mut bytes = [0u8; 16];
        // Without OS randomness the time and process still tell daemons apart.
        if getrandom::fill(&mut bytes).is_err() {
            let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
            bytes.copy_from_slice(&blake3::hash(seed.as_bytes()).as_bytes()[..16]);
        }
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    })?)
}

/// A bid for a new backup of `db` on `volume`, claimed on the volume.
pub async fn claim_next(
    services: &Services,
    volume: &VolumeRecord,
    db: &str,
) -> Result<u64, JobError> {
    let store =
        confd_storage::volume::open(volume).map_err(|e| JobError::Unsupported(e.to_string()))?;
    let writer = writer_id(services)?;
    let failed = |e: engine::EngineError| {
        JobError::Internal(format!(
            "claiming a backup id on volume '{}': {e}",
            volume.name
        ))
    };
    for _ in 0..ATTEMPTS {
        let bid = services.catalog.allocate_bid(db)?;
        if engine::claim_bid(&*store, db, bid, &writer)
            .await
            .map_err(failed)?
        {
            return Ok(bid);
        }
        tracing::info!(
            volume = volume.name,
            db,
            bid,
            "backup id is taken on the volume (another writer); trying a higher one"
        );
        if let Some(highest) = engine::highest_bid(&*store, db).await.map_err(failed)? {
            services.catalog.reserve_bid(db, highest)?;
        }
    }
    Err(JobError::Conflict(format!(
        "No free backup id for database '{db}' on volume '{}' after {ATTEMPTS} attempts: other writers keep taking them",
        volume.name
    )))
}
