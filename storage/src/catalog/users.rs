//! Users, keyed by name.

use super::{Catalog, WrapSled, decode, decode_all, encode};
use crate::error::StorageError;
use crate::records::UserRecord;

impl Catalog {
    /// The user called `name`.
    pub fn user(&self, name: &str) -> Result<Option<UserRecord>, StorageError> {
        self.users
            .get(name)
            .wrap_sled()?
            .map(|v| decode("users", &v))
            .transpose()
    }

    /// Adds or replaces a user.
    pub fn put_user(&self, user: &UserRecord) -> Result<(), StorageError> {
        self.users.insert(&user.name, encode(user)).wrap_sled()?;
        Ok(())
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<UserRecord>, StorageError> {
        decode_all("users", &self.users)
    }

    /// Adds a user; fails if the name is taken.
    pub fn insert_user(&self, user: &UserRecord) -> Result<(), StorageError> {
        self.users
            .compare_and_swap(&user.name, None::<&[u8]>, Some(encode(user)))
            .wrap_sled()?
            .map_err(|_| StorageError::Conflict(format!("user '{}' already exists", user.name)))
    }

    /// Removes a user; returns it if it existed.
    pub fn remove_user(&self, name: &str) -> Result<Option<UserRecord>, StorageError> {
        self.users
            .remove(name)
            .wrap_sled()?
            .map(|v| decode("users", &v))
            .transpose()
    }

    /// True when no user exists yet (first start).
    pub fn has_no_users(&self) -> Result<bool, StorageError> {
        Ok(self.users.is_empty())
    }
}
