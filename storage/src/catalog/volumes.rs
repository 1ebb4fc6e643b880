//! Archive volumes (local and remote share one ID and name space), keyed by big-endian ID.

use super::{Catalog, WrapSled, decode, decode_all, encode};
use crate::error::StorageError;
use crate::records::VolumeRecord;

/// First ID of remote volumes; local volumes use IDs below it.
pub const FIRST_REMOTE_ID: u32 = 10001;

impl Catalog {
    /// The volume with ID `id`.
    pub fn volume(&self, id: u32) -> Result<Option<VolumeRecord>, StorageError> {
        self.volumes
            .get(id.to_be_bytes())
            .wrap_sled()?
            .map(|v| decode("volumes", &v))
            .transpose()
    }

    /// The volume called `name`.
    pub fn volume_by_name(&self, name: &str) -> Result<Option<VolumeRecord>, StorageError> {
        Ok(self.volumes()?.into_iter().find(|v| v.name == name))
    }

    /// All volumes, ordered by ID.
    pub fn volumes(&self) -> Result<Vec<VolumeRecord>, StorageError> {
        decode_all("volumes", &self.volumes)
    }

    /// Adds a volume. `build` receives the ID to use: `id` if given, otherwise the lowest
    /// free ID at or above `first_free`. Fails if the ID or the resulting name is taken.
    pub fn insert_volume(
        &self,
        id: Option<u32>,
        first_free: u32,
        build: impl FnOnce(u32) -> VolumeRecord,
    ) -> Result<VolumeRecord, StorageError> {
        // One writer at a time: name uniqueness spans records, which sled's per-key
        // compare-and-swap cannot express.
        let _guard = self
            .volume_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let existing = self.volumes()?;
        let id = match id {
            Some(id) => id,
            None => (first_free..)
                .find(|candidate| existing.iter().all(|v| v.id != *candidate))
                .unwrap_or(first_free),
        };
        if existing.iter().any(|v| v.id == id) {
            return Err(StorageError::Conflict(format!(
                "a volume with ID {id} already exists"
            )));
        }
        let record = build(id);
        if let Some(other) = existing.iter().find(|v| v.name == record.name) {
            return Err(StorageError::Conflict(format!(
                "a volume named '{}' already exists (ID {})",
                record.name, other.id
            )));
        }
        self.volumes
            .insert(id.to_be_bytes(), encode(&record))
            .wrap_sled()?;
        Ok(record)
    }

    /// Removes a volume record; returns it if it existed.
    pub fn remove_volume(&self, id: u32) -> Result<Option<VolumeRecord>, StorageError> {
        self.volumes
            .remove(id.to_be_bytes())
            .wrap_sled()?
            .map(|v| decode("volumes", &v))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::VolumeLocation;

    fn remote(id: u32, name: &str) -> VolumeRecord {
        VolumeRecord {
            id,
            name: name.into(),
            location: VolumeLocation::Remote {
                vol_type: "file".into(),
                url: "file:///tmp".into(),
                username: None,
                password: None,
            },
            options: vec![],
            labels: vec![],
            owner: (0, 0),
            owner_name: "admin".into(),
            created: 0,
        }
    }

    #[test]
    fn ids_are_allocated_from_the_first_free() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        let a = c
            .insert_volume(None, FIRST_REMOTE_ID, |id| remote(id, "a"))
            .unwrap();
        let b = c
            .insert_volume(None, FIRST_REMOTE_ID, |id| remote(id, "b"))
            .unwrap();
        assert_eq!((a.id, b.id), (10001, 10002));
        c.remove_volume(10001).unwrap();
        let d = c
            .insert_volume(None, FIRST_REMOTE_ID, |id| remote(id, "d"))
            .unwrap();
        assert_eq!(d.id, 10001);
    }

    #[test]
    fn taken_id_or_name_is_a_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        c.insert_volume(Some(10005), FIRST_REMOTE_ID, |id| remote(id, "a"))
            .unwrap();
        let by_id = c.insert_volume(Some(10005), FIRST_REMOTE_ID, |id| remote(id, "z"));
        assert!(by_id.unwrap_err().to_string().contains("ID 10005"));
        let by_name = c.insert_volume(None, FIRST_REMOTE_ID, |id| remote(id, "a"));
        assert!(by_name.unwrap_err().to_string().contains("'a'"));
        assert_eq!(c.volume_by_name("a").unwrap().unwrap().id, 10005);
    }
}
