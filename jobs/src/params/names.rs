//! Parameter newtypes that validate once: object names that become paths, volume refs.

use std::fmt::Display;
use std::str::FromStr;

use super::ParamReader;
use crate::error::JobError;

/// A validated object name (database, volume): letters, digits, `_`, `-`, `.`; no `/`,
/// no `..`, not empty, at most 128 characters. Names become directory names, so this is
/// the guard against path traversal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectName(String);

impl ObjectName {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Display for ObjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ObjectName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if s.is_empty() {
            return Err("the name is empty".into());
        }
        if s.len() > 128 {
            return Err(format!(
                "the name is longer than 128 characters ({})",
                s.len()
            ));
        }
        if s.contains('/') || s.contains("..") || s.contains('\0') || s.starts_with('.') {
            return Err(format!(
                "'{s}' is not a valid name: '/', '..', NUL and a leading '.' are not allowed"
            ));
        }
        if let Some(c) = s.chars().find(|c| !ok_char(*c)) {
            return Err(format!(
                "'{s}' is not a valid name: character {c:?} is not allowed (use letters, digits, '_', '-', '.')"
            ));
        }
        Ok(ObjectName(s.to_owned()))
    }
}

/// A volume given by ID or by name; the ID wins when both are given (spec 3.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeRef {
    /// By numeric ID.
    Id(u32),
    /// By name.
    Name(String),
}

impl VolumeRef {
    /// Reads `id_param`, else `name_param`; at least one must be present.
    pub fn read(p: &ParamReader, id_param: &str, name_param: &str) -> Result<Self, JobError> {
        if let Some(id) = p.opt_int(id_param)? {
            let id = u32::try_from(id)
                .map_err(|_| JobError::invalid(id_param, format!("{id} is not a volume ID")))?;
            return Ok(VolumeRef::Id(id));
        }
        match p.opt_str(name_param)? {
            Some(name) => Ok(VolumeRef::Name(name)),
            None => Err(JobError::MissingParameter(id_param.to_owned())),
        }
    }
}

impl Display for VolumeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VolumeRef::Id(id) => write!(f, "with ID {id}"),
            VolumeRef::Name(name) => write!(f, "'{name}'"),
        }
    }
}

/// Parameters of the jobs that address one database by `db_name` and read nothing else.
pub struct DbNameParam {
    /// Name of the database.
    pub db_name: String,
}

impl super::FromParams for DbNameParam {
    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(DbNameParam {
            db_name: p.str("db_name")?,
        })
    }
}

/// The spec of a mandatory `db_name`.
pub const DB_NAME: super::ParamSpec =
    super::ParamSpec::required("db_name", super::ParamType::Str, "Name of the database.");
