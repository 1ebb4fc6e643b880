//! Backup schedules, keyed by database and schedule name (`<db> NUL <name>`), so the
//! schedules of one database are one prefix scan.

use super::{Catalog, WrapSled, decode, decode_all, encode};
use crate::error::StorageError;
use crate::records::ScheduleRecord;

fn key(db: &str, name: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(db.len() + 1 + name.len());
    key.extend_from_slice(db.as_bytes());
    key.push(0);
    key.extend_from_slice(name.as_bytes());
    key
}

fn prefix(db: &str) -> Vec<u8> {
    key(db, "")
}

impl Catalog {
    /// The schedule `name` of database `db`.
    pub fn schedule(&self, db: &str, name: &str) -> Result<Option<ScheduleRecord>, StorageError> {
        self.schedules
            .get(key(db, name))
            .wrap_sled()?
            .map(|v| decode("schedules", &v))
            .transpose()
    }

    /// Every schedule, by database and name.
    pub fn schedules(&self) -> Result<Vec<ScheduleRecord>, StorageError> {
        decode_all("schedules", &self.schedules)
    }

    /// The schedules of database `db`, by name.
    pub fn schedules_of(&self, db: &str) -> Result<Vec<ScheduleRecord>, StorageError> {
        self.schedules
            .scan_prefix(prefix(db))
            .values()
            .map(|v| decode("schedules", &v.wrap_sled()?))
            .collect()
    }

    /// Adds a schedule; fails if the database has one of that name.
    pub fn insert_schedule(&self, record: &ScheduleRecord) -> Result<(), StorageError> {
        self.schedules
            .compare_and_swap(
                key(&record.db, &record.name),
                None::<&[u8]>,
                Some(encode(record)),
            )
            .wrap_sled()?
            .map_err(|_| {
                StorageError::Conflict(format!(
                    "database '{}' already has a schedule '{}'",
                    record.db, record.name
                ))
            })
    }

    /// Applies `change` to a schedule atomically; `None` when it does not exist.
    pub fn update_schedule(
        &self,
        db: &str,
        name: &str,
        mut change: impl FnMut(&mut ScheduleRecord),
    ) -> Result<Option<ScheduleRecord>, StorageError> {
        let key = key(db, name);
        loop {
            let Some(old) = self.schedules.get(&key).wrap_sled()? else {
                return Ok(None);
            };
            let mut record: ScheduleRecord = decode("schedules", &old)?;
            change(&mut record);
            let swapped = self
                .schedules
                .compare_and_swap(&key, Some(&old), Some(encode(&record)))
                .wrap_sled()?;
            if swapped.is_ok() {
                return Ok(Some(record));
            }
        }
    }

    /// Removes a schedule; returns it if it existed.
    pub fn remove_schedule(
        &self,
        db: &str,
        name: &str,
    ) -> Result<Option<ScheduleRecord>, StorageError> {
        self.schedules
            .remove(key(db, name))
            .wrap_sled()?
            .map(|v| decode("schedules", &v))
            .transpose()
    }

    /// Removes every schedule of database `db` (when the database is deleted).
    pub fn remove_schedules_of(&self, db: &str) -> Result<(), StorageError> {
        for key in self.schedules.scan_prefix(prefix(db)).keys() {
            self.schedules.remove(key.wrap_sled()?).wrap_sled()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::CronFields;

    fn schedule(db: &str, name: &str) -> ScheduleRecord {
        ScheduleRecord {
            db: db.into(),
            name: name.into(),
            volume_id: 10001,
            level: 0,
            expire_seconds: None,
            expire_text: None,
            enabled: true,
            cron: CronFields {
                minute: "0".into(),
                hour: "2".into(),
                day: "*".into(),
                month: "*".into(),
                weekday: "*".into(),
            },
            last_run: None,
        }
    }

    #[test]
    fn names_are_unique_per_database_and_prefixes_do_not_leak() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(dir.path()).unwrap();
        c.insert_schedule(&schedule("DB", "nightly")).unwrap();
        c.insert_schedule(&schedule("DB2", "nightly")).unwrap();
        assert!(c.insert_schedule(&schedule("DB", "nightly")).is_err());
        let names: Vec<_> = c
            .schedules_of("DB")
            .unwrap()
            .into_iter()
            .map(|s| s.db)
            .collect();
        assert_eq!(names, ["DB"]);
        c.remove_schedules_of("DB").unwrap();
        assert!(c.schedule("DB", "nightly").unwrap().is_none());
        assert!(c.schedule("DB2", "nightly").unwrap().is_some());
    }

    #[test]
    fn schedules_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let c = Catalog::open(dir.path()).unwrap();
            c.insert_schedule(&schedule("DB", "hourly")).unwrap();
            c.update_schedule("DB", "hourly", |s| s.enabled = false)
                .unwrap();
        }
        let c = Catalog::open(dir.path()).unwrap();
        assert!(!c.schedule("DB", "hourly").unwrap().unwrap().enabled);
    }
}
