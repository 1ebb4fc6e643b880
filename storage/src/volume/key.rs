//! Validated object keys and prefixes.
//!
//! Keys are relative `/`-separated paths. They are checked once, here, so that a volume can
//! map them onto a directory without any chance of escaping it (`..`, absolute paths, NUL)
//! and onto S3 without surprises (empty segments).

use std::fmt;

use super::VolumeError;

/// Suffix a local volume gives to objects being written; reserved, so no key may end in it.
pub(crate) const PARTIAL_SUFFIX: &str = ".partial";

fn check_segments(s: &str) -> Result<(), &'static str> {
    if s.starts_with('/') {
        return Err("must not start with '/'");
    }
    if s.contains('\0') {
        return Err("must not contain NUL");
    }
    if s.contains('\\') {
        return Err("must not contain '\\'");
    }
    for seg in s.split('/') {
        match seg {
            "" => return Err("must not contain empty segments ('//' or a trailing '/')"),
            "." | ".." => return Err("must not contain '.' or '..' segments"),
            _ if seg.ends_with(PARTIAL_SUFFIX) => return Err("must not end in '.partial'"),
            _ => {}
        }
    }
    Ok(())
}

/// A valid object key, e.g. `DB1/id_3/level_0/node_0/backup_202611251208`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey(String);

impl ObjectKey {
    /// Validates `key`: non-empty, relative, no `.`/`..`/empty segments, no NUL or `\`.
    pub fn new(key: impl Into<String>) -> Result<Self, VolumeError> {
        let key = key.into();
        if key.is_empty() {
            return Err(VolumeError::InvalidKey {
                key,
                reason: "must not be empty",
            });
        }
        match check_segments(&key) {
            Ok(()) => Ok(Self(key)),
            Err(reason) => Err(VolumeError::InvalidKey { key, reason }),
        }
    }

    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment (`backup_202611251208`).
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// Whether this key lies under `prefix` (component-wise).
    pub fn starts_with(&self, prefix: &Prefix) -> bool {
        prefix.0.is_empty()
            || self
                .0
                .strip_prefix(prefix.0.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A key prefix naming a "directory" of objects; empty means the whole volume.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Prefix(String);

impl Prefix {
    /// The whole volume.
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Validates `prefix` with the rules of [`ObjectKey::new`], except that it may be empty
    /// and a single trailing `/` is ignored.
    pub fn new(prefix: impl Into<String>) -> Result<Self, VolumeError> {
        let mut prefix = prefix.into();
        if prefix.ends_with('/') {
            prefix.pop();
        }
        if prefix.is_empty() {
            return Ok(Self(prefix));
        }
        match check_segments(&prefix) {
            Ok(()) => Ok(Self(prefix)),
            Err(reason) => Err(VolumeError::InvalidKey {
                key: prefix,
                reason,
            }),
        }
    }

    /// The prefix as a string, without trailing `/` (empty for the root).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key `<prefix>/<name>`; `name` may contain `/`.
    pub fn join(&self, name: &str) -> Result<ObjectKey, VolumeError> {
        if self.0.is_empty() {
            ObjectKey::new(name)
        } else {
            ObjectKey::new(format!("{}/{name}", self.0))
        }
    }
}

impl fmt::Display for Prefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_could_escape_the_volume_are_rejected() {
        for bad in [
            "",
            "/abs",
            "a/../b",
            "..",
            "a/./b",
            "a//b",
            "a/",
            "nul\0",
            "x.partial",
            "a\\b",
        ] {
            assert!(ObjectKey::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(ObjectKey::new("DB1/id_1/level_0/node_0/backup_202611251208").is_ok());
    }

    #[test]
    fn prefix_matching_is_component_wise() {
        let key = ObjectKey::new("db/id_1/level_0/status_1").unwrap();
        assert!(key.starts_with(&Prefix::new("db/id_1").unwrap()));
        assert!(key.starts_with(&Prefix::new("db/id_1/").unwrap()));
        assert!(!key.starts_with(&Prefix::new("db/id_").unwrap()));
        assert!(key.starts_with(&Prefix::root()));
        assert_eq!(
            Prefix::new("a").unwrap().join("b/c").unwrap().as_str(),
            "a/b/c"
        );
    }
}
