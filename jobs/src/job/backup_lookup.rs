//! Shared by the jobs that address one backup: resolving ConfD IDs against the catalogue,
//! and deleting a backup in the safe order (volume objects first, status marker first of
//! all; the catalogue entry after).

use confd_storage::engine;
use confd_storage::records::{BackupRecord, VolumeRecord};

use crate::backup_id::{self, BackupId};
use crate::chain;
use crate::error::JobError;
use crate::services::Services;
use crate::supervisor::Claim;

/// The catalogue entry and volume of a listed backup ID.
pub fn resolve(
    services: &Services,
    id: &BackupId,
) -> Result<(BackupRecord, VolumeRecord), JobError> {
    let missing = || JobError::NotFound(format!("Backup '{id}' does not exist"));
    let backup = services
        .catalog
        .backup(&id.db, id.bid)?
        .ok_or_else(missing)?;
    if backup.volume_id != id.volume_id
        || backup.marker.level != id.level
        || backup.marker.ts != id.ts
    {
        return Err(missing());
    }
    let volume = services.catalog.volume(backup.volume_id)?.ok_or_else(|| {
        JobError::NotFound(format!(
            "Volume with ID {} of backup '{id}' does not exist",
            backup.volume_id
        ))
    })?;
    Ok((backup, volume))
}

/// Deletes `backup` from its volume, then from the catalogue.
pub async fn delete(
    services: &Services,
    backup: &BackupRecord,
    volume: &VolumeRecord,
) -> Result<(), JobError> {
    let m = &backup.marker;
    let store =
        confd_storage::volume::open(volume).map_err(|e| JobError::Unsupported(e.to_string()))?;
    engine::delete_backup(&*store, &m.db, m.bid, m.level)
        .await
        .map_err(|e| JobError::Internal(format!("deleting {}: {e}", backup_id::files(m))))?;
    services.catalog.remove_backup(&m.db, m.bid)?;
    Ok(())
}

/// Claims `backups` for deleting or rewriting them (see [`Supervisor::claim`]); the
/// error names the first one a running backup, restore or delete is using.
///
/// [`Supervisor::claim`]: crate::supervisor::Supervisor::claim
pub fn claim<'a>(services: &'a Services, backups: &[&BackupRecord]) -> Result<Claim<'a>, JobError> {
    services
        .backups
        .claim(backups.iter().map(|b| chain::key(b)).collect())
        .map_err(|busy| {
            let id = backups.iter().find(|b| chain::key(b) == busy).map_or_else(
                || format!("{}/id_{}", busy.0, busy.1),
                |b| backup_id::id(b.volume_id, &b.marker),
            );
            JobError::Conflict(format!(
                "Backup '{id}' is in use by a running backup, restore or delete"
            ))
        })
}
