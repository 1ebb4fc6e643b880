//! Domain values read straight from parameters: backup levels, expiries, backup IDs.

use std::fmt::Display;

use serde_json::Value;

use super::{Example, ParamType, ParamValue};
use crate::backup_id::{self, BackupId};
use crate::error::JobError;
use crate::expiry::{Expire, MAX_EXPIRE_SECONDS};

/// A backup level: 0 = full, 1..9 = incremental on level - 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Level(pub u8);

impl ParamValue for Level {
    const TYPE: ParamType = ParamType::Int;
    const EXAMPLE: Example = Example::Int(0);
    type Wire = i64;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        let level = i64::read(name, value)?;
        u8::try_from(level)
            .ok()
            .filter(|l| *l <= 9)
            .map(Level)
            .ok_or_else(|| JobError::invalid(name, format!("{level} is not a backup level 0..9")))
    }
}

impl Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An integer is taken as seconds (schedules accept integers, spec 4.3); text is
/// `#w #d #h #m`.
impl ParamValue for Expire {
    const TYPE: ParamType = ParamType::StrOrInt;
    const EXAMPLE: Example = Example::Str("1w 3d");
    /// Seconds or text, as the caller has it.
    type Wire = Value;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        match value {
            Value::Number(n) => n
                .as_i64()
                .filter(|s| (1..=MAX_EXPIRE_SECONDS).contains(s))
                .map(Expire)
                .ok_or_else(|| {
                    JobError::invalid(
                        name,
                        format!("{n} is not a number of seconds between 1 and {MAX_EXPIRE_SECONDS} (100 years)"),
                    )
                }),
            other => String::read(name, other)?
                .parse()
                .map_err(|e: String| JobError::invalid(name, e)),
        }
    }
}

/// `<volume_id> <path> <db>`, as `db_backup_list` key `id` shows it.
impl ParamValue for BackupId {
    const TYPE: ParamType = ParamType::Str;
    const EXAMPLE: Example =
        Example::Str("10001 MY_DATABASE/id_1/level_0/node_0/backup_202611251208 MY_DATABASE");
    type Wire = String;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        backup_id::parse_id(&String::read(name, value)?).map_err(|e| JobError::invalid(name, e))
    }
}

/// A list of backup IDs.
impl ParamValue for Vec<BackupId> {
    const TYPE: ParamType = ParamType::List;
    const EXAMPLE: Example =
        Example::List(&["10001 MY_DATABASE/id_1/level_0/node_0/backup_202611251208 MY_DATABASE"]);
    type Wire = Vec<String>;

    fn read(name: &str, value: &Value) -> Result<Self, JobError> {
        Vec::<String>::read(name, value)?
            .iter()
            .map(|text| backup_id::parse_id(text).map_err(|e| JobError::invalid(name, e)))
            .collect()
    }
}
