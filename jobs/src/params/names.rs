//! Parameter newtypes that validate once: object names that become paths, volume refs.

use std::fmt::Display;
use std::str::FromStr;

use serde_json::Value;

use super::{Example, FromParams, Param, ParamReader, ParamSpec, ParamType, ParamValue, Text};
use crate::echo::Shown;
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
                "'{}' is not a valid name: '/', '..', NUL and a leading '.' are not allowed",
                Shown(s)
            ));
        }
        if let Some(c) = s.chars().find(|c| !ok_char(*c)) {
            return Err(format!(
                "'{}' is not a valid name: character {c:?} is not allowed (use letters, digits, '_', '-', '.')",
                Shown(s)
            ));
        }
        Ok(ObjectName(s.to_owned()))
    }
}

impl ParamValue for ObjectName {
    const TYPE: ParamType = ParamType::Str;
    const EXAMPLE: Example = Example::Str("MY_DATABASE");
    type Wire = String;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        String::read(name, value)?
            .parse()
            .map_err(|e: String| JobError::invalid(name, e))
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

impl Display for VolumeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            VolumeRef::Id(id) => write!(f, "with ID {id}"),
            VolumeRef::Name(name) => write!(f, "'{}'", Shown(name)),
        }
    }
}

/// A volume parameter pair: a mandatory ID that its name may replace
/// (`backup_volume_id` / `backup_volume_name`, `vid` / `vname`).
#[derive(Clone, Copy)]
pub struct VolumeParam<I> {
    /// The ID, mandatory unless the name is given.
    pub id: Param<I>,
    /// The name.
    pub name: Param<String>,
}

impl<I: ParamValue> VolumeParam<I> {
    /// The pair with a mandatory ID that the name may replace.
    pub const fn new(id: Param<I>, name: Param<String>) -> Self {
        VolumeParam {
            id: id.or(&name),
            name,
        }
    }

    /// The pair with a mandatory name that the ID may replace (the remote volume jobs).
    pub const fn by_name(name: Param<String>, id: Param<I>) -> Self {
        VolumeParam {
            name: name.or(&id),
            id,
        }
    }
}

impl VolumeParam<i64> {
    /// Reads the ID, else the name: the ID wins when both are given.
    pub fn read(&self, p: &ParamReader) -> Result<VolumeRef, JobError> {
        match p.opt(&self.id)? {
            Some(id) => volume_id(self.id.name(), id),
            None => self.read_name(p),
        }
    }
}

impl VolumeParam<Text> {
    /// Reads the ID (sent as text or integer), else the name: the ID wins.
    pub fn read(&self, p: &ParamReader) -> Result<VolumeRef, JobError> {
        match p.opt(&self.id)? {
            Some(text) => text_volume_id(self.id.name(), &text),
            None => self.read_name(p),
        }
    }
}

impl<I> VolumeParam<I> {
    /// The name, when no ID was given.
    pub fn read_name(&self, p: &ParamReader) -> Result<VolumeRef, JobError> {
        match p.opt(&self.name)? {
            Some(name) => Ok(VolumeRef::Name(name)),
            None => Err(JobError::MissingParameter(self.id.name().to_owned())),
        }
    }
}

/// A volume ID from an integer parameter.
pub fn volume_id(param: &str, id: i64) -> Result<VolumeRef, JobError> {
    u32::try_from(id)
        .map(VolumeRef::Id)
        .map_err(|_| JobError::invalid(param, format!("{id} is not a volume ID")))
}

/// A volume ID from a parameter that may be text.
pub fn text_volume_id(param: &str, Text(text): &Text) -> Result<VolumeRef, JobError> {
    let id = text
        .trim()
        .parse()
        .map_err(|_| JobError::invalid(param, format!("'{}' is not an integer", Shown(text))))?;
    volume_id(param, id)
}

/// Parameters of the jobs that address one database by `db_name` and read nothing else.
pub struct DbNameParam {
    /// Name of the database.
    pub db_name: String,
}

impl FromParams for DbNameParam {
    const PARAMS: &'static [ParamSpec] = &[DB_NAME.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(DbNameParam {
            db_name: p.get(&DB_NAME)?,
        })
    }
}

/// A mandatory `db_name`.
pub const DB_NAME: Param<String> = Param::required("db_name", "Name of the database.");
