//! Users, keyed by name.

use super::{Catalog, WrapSled, decode, encode};
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

    /// True when no user exists yet (first start).
    pub fn has_no_users(&self) -> Result<bool, StorageError> {
        Ok(self.users.is_empty())
    }
}
