//! Databases, keyed by name.

use super::{Catalog, WrapSled, decode, decode_all, encode};
use crate::error::StorageError;
use crate::records::DatabaseRecord;

impl Catalog {
    /// The database called `name`.
    pub fn database(&self, name: &str) -> Result<Option<DatabaseRecord>, StorageError> {
        self.databases
            .get(name)
            .wrap_sled()?
            .map(|v| decode("databases", &v))
            .transpose()
    }

    /// All databases, ordered by name.
    pub fn databases(&self) -> Result<Vec<DatabaseRecord>, StorageError> {
        decode_all("databases", &self.databases)
    }

    /// Adds a database; fails if the name is taken.
    pub fn insert_database(&self, record: &DatabaseRecord) -> Result<(), StorageError> {
        self.databases
            .compare_and_swap(&record.name, None::<&[u8]>, Some(encode(record)))
            .wrap_sled()?
            .map_err(|_| {
                StorageError::Conflict(format!("database '{}' already exists", record.name))
            })
    }

    /// Applies `change` to the database atomically (retried if another writer raced us)
    /// and returns the new record, or `None` if there is no such database. `change`
    /// returns `Err` to refuse the update; that error is passed through, and catalogue
    /// failures arrive as `E` too.
    pub fn update_database<E: From<StorageError>>(
        &self,
        name: &str,
        mut change: impl FnMut(&mut DatabaseRecord) -> Result<(), E>,
    ) -> Result<Option<DatabaseRecord>, E> {
        loop {
            let Some(old) = self.databases.get(name).wrap_sled()? else {
                return Ok(None);
            };
            let mut record: DatabaseRecord = decode("databases", &old)?;
            change(&mut record)?;
            let swapped = self
                .databases
                .compare_and_swap(name, Some(&old), Some(encode(&record)))
                .wrap_sled()?;
            if swapped.is_ok() {
                return Ok(Some(record));
            }
        }
    }

    /// Removes a database record; returns it if it existed.
    pub fn remove_database(&self, name: &str) -> Result<Option<DatabaseRecord>, StorageError> {
        self.databases
            .remove(name)
            .wrap_sled()?
            .map(|v| decode("databases", &v))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use crate::records::DbState;

    use super::*;

    fn record(name: &str) -> DatabaseRecord {
        DatabaseRecord {
            name: name.into(),
            version: "test".into(),
            state: DbState::Running,
            nodes: 2,
            data_path: "/tmp/x".into(),
            owns_data: true,
            owner: (500, 500),
            created: 0,
            data_incomplete: false,
        }
    }

    #[test]
    fn duplicate_database_name_is_a_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        c.insert_database(&record("A")).unwrap();
        assert!(matches!(
            c.insert_database(&record("A")),
            Err(StorageError::Conflict(_))
        ));
    }

    #[test]
    fn refused_update_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        c.insert_database(&record("A")).unwrap();
        let r = c.update_database("A", |db| {
            db.state = DbState::Setup;
            Err(Refused::No)
        });
        assert!(matches!(r, Err(Refused::No)));
        assert_eq!(c.database("A").unwrap().unwrap().state, DbState::Running);
        let r = c
            .update_database("A", |db| {
                db.state = DbState::Setup;
                Ok::<(), StorageError>(())
            })
            .unwrap();
        assert_eq!(r.unwrap().state, DbState::Setup);
        assert!(
            c.update_database("B", |_| Ok::<(), StorageError>(()))
                .unwrap()
                .is_none()
        );
    }

    #[derive(Debug)]
    enum Refused {
        No,
        Storage,
    }

    impl From<StorageError> for Refused {
        fn from(_: StorageError) -> Self {
            Refused::Storage
        }
    }
}
