//! Shared by the jobs that address one backup: resolving ConfD IDs against the catalogue,
//! and deleting a backup in the safe order (volume objects first, status marker first of
//! all; the catalogue entry after).

use confd_storage::engine;
use confd_storage::records::{BackupRecord, VolumeRecord};

use crate::backup_id::{self, BackupId};
use crate::error::JobError;
use crate::services::Services;

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

/// Parses a backup ID parameter.
pub fn parse(param: &str, text: &str) -> Result<BackupId, JobError> {
    backup_id::parse_id(text).map_err(|e| JobError::invalid(param, e))
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

/// Refuses when a running operation writes or reads `backup`.
pub fn refuse_if_in_use(services: &Services, backup: &BackupRecord) -> Result<(), JobError> {
    if services
        .backups
        .protected()
        .contains(&crate::chain::key(backup))
    {
        return Err(JobError::Conflict(format!(
            "Backup '{}' is in use by a running backup or restore",
            backup_id::id(backup.volume_id, &backup.marker)
        )));
    }
    Ok(())
}
