//! Parameters shared by the schedule jobs.

use confd_storage::records::CronFields;

use super::cron::check_field;
use crate::error::JobError;
use crate::params::{DB_NAME, ObjectName, Param, ParamReader, Text};

/// `db_name`.
pub const DB: Param<String> = DB_NAME.described("Database the schedule backs up.");
/// `backup_name`.
pub const BACKUP_NAME: Param<ObjectName> =
    Param::required("backup_name", "Name of the schedule, unique per database.");
/// `enabled`.
pub const ENABLED: Param<bool> = Param::optional(
    "enabled",
    "true: the schedule runs (default for a new one); false: it is kept but does not run.",
);
/// `minute`.
pub const MINUTE: Param<Text> = Param::optional(
    "minute",
    "Cron minute 0-59, '*', lists, ranges, '*/n'; default '0'.",
);
/// `hour`.
pub const HOUR: Param<Text> = Param::optional("hour", "Cron hour 0-23 or '*'; default '*'.");
/// `day`.
pub const DAY: Param<Text> =
    Param::optional("day", "Cron day of the month 1-31 or '*'; default '*'.");
/// `month`.
pub const MONTH: Param<Text> = Param::optional("month", "Cron month 1-12 or '*'; default '*'.");
/// `weekday`.
pub const WEEKDAY: Param<Text> = Param::optional(
    "weekday",
    "Cron weekday 0-7 (0 and 7 = Sunday), English day names, or '*'; default '*'.",
);

/// The cron field parameters, in pattern order.
pub const CRON: [&Param<Text>; 5] = [&MINUTE, &HOUR, &DAY, &MONTH, &WEEKDAY];

/// The cron fields a call gives, each checked; absent ones are `None`.
#[derive(Debug, Clone, Default)]
pub struct CronChange([Option<String>; 5]);

impl CronChange {
    /// Reads and checks every cron field that was given.
    pub fn read(p: &ParamReader) -> Result<Self, JobError> {
        let mut fields: [Option<String>; 5] = Default::default();
        for (slot, param) in fields.iter_mut().zip(CRON) {
            if let Some(Text(value)) = p.opt(param)? {
                *slot = Some(check_field(param.name(), &value)?);
            }
        }
        Ok(CronChange(fields))
    }

    /// `fields` with the given ones replaced.
    pub fn apply(&self, fields: &mut CronFields) {
        let slots = [
            &mut fields.minute,
            &mut fields.hour,
            &mut fields.day,
            &mut fields.month,
            &mut fields.weekday,
        ];
        for (slot, value) in slots.into_iter().zip(&self.0) {
            if let Some(value) = value {
                slot.clone_from(value);
            }
        }
    }

    /// True when no field was given.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }
}

/// Spec 3.5's defaults: minute 0 of every hour.
pub fn default_fields() -> CronFields {
    CronFields {
        minute: "0".into(),
        hour: "*".into(),
        day: "*".into(),
        month: "*".into(),
        weekday: "*".into(),
    }
}
