//! The cron fields of a schedule, checked one by one with croner so an error names the
//! parameter, and the next time they match.

use std::str::FromStr;

use confd_storage::records::CronFields;
use croner::Cron;
use jiff::Zoned;

use crate::echo::Shown;
use crate::error::JobError;

/// Builds a whole pattern around one field's value.
type AroundField = fn(&str) -> String;

/// The cron fields in pattern order, each with a pattern that varies only that field.
const FIELDS: [(&str, AroundField); 5] = [
    ("minute", |f| format!("{f} * * * *")),
    ("hour", |f| format!("0 {f} * * *")),
    ("day", |f| format!("0 0 {f} * *")),
    ("month", |f| format!("0 0 * {f} *")),
    ("weekday", |f| format!("0 0 * * {f}")),
];

/// English day names, which croner knows only by their first three letters.
const DAY_NAMES: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// Checks one field (`param` is its parameter name) and answers it as stored.
pub fn check_field(param: &str, value: &str) -> Result<String, JobError> {
    let value = value.trim();
    let pattern = FIELDS
        .iter()
        .find(|(name, _)| *name == param)
        .map(|(_, pattern)| pattern)
        .ok_or_else(|| JobError::Internal(format!("'{param}' is not a cron field")))?;
    let value = if param == "weekday" {
        short_day_names(value)
    } else {
        value.to_owned()
    };
    if value.is_empty() || value.contains(char::is_whitespace) {
        return Err(JobError::invalid(
            param,
            format!(
                "'{}' is not one cron field (use e.g. '*', '5', '1-5', '*/15', '0,30')",
                Shown(&value)
            ),
        ));
    }
    Cron::from_str(&pattern(&value)).map_err(|e| {
        JobError::invalid(
            param,
            format!("'{value}' is not a valid {param} field: {e}"),
        )
    })?;
    Ok(value)
}

/// `monday,friday` -> `mon,fri`; other text is kept.
fn short_day_names(field: &str) -> String {
    let mut out = field.to_ascii_lowercase();
    for name in DAY_NAMES {
        out = out.replace(name, &name[..3]);
    }
    out
}

/// The whole pattern, `minute hour day month weekday`.
pub fn pattern(c: &CronFields) -> String {
    format!(
        "{} {} {} {} {}",
        c.minute, c.hour, c.day, c.month, c.weekday
    )
}

/// The first time after `after` (in its time zone) the fields match, if any.
pub fn next_after(c: &CronFields, after: &Zoned) -> Option<Zoned> {
    let cron = Cron::from_str(&pattern(c)).ok()?;
    cron.find_next_occurrence(after, false).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(minute: &str, hour: &str, weekday: &str) -> CronFields {
        CronFields {
            minute: minute.into(),
            hour: hour.into(),
            day: "*".into(),
            month: "*".into(),
            weekday: weekday.into(),
        }
    }

    #[test]
    fn bad_fields_name_their_parameter() {
        let e = check_field("minute", "61").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("Invalid parameter 'minute': '61'"),
            "{e}"
        );
        let e = check_field("weekday", "funday").unwrap_err();
        assert!(
            e.to_string().starts_with("Invalid parameter 'weekday'"),
            "{e}"
        );
        let e = check_field("hour", "1 2").unwrap_err();
        assert!(e.to_string().contains("not one cron field"), "{e}");
        assert!(check_field("day", "32").is_err());
        assert!(check_field("month", "13").is_err());
    }

    #[test]
    fn lists_ranges_steps_and_day_names_are_accepted() {
        assert_eq!(check_field("minute", "*/15").unwrap(), "*/15");
        assert_eq!(check_field("hour", "1-3,22").unwrap(), "1-3,22");
        assert_eq!(check_field("weekday", "Monday,friday").unwrap(), "mon,fri");
        assert_eq!(
            check_field("weekday", "0,1,2,3,4,5").unwrap(),
            "0,1,2,3,4,5"
        );
        assert_eq!(check_field("weekday", "mon-fri").unwrap(), "mon-fri");
    }

    #[test]
    fn next_run_follows_the_wall_clock_of_the_time_zone() {
        let after: Zoned = "2026-12-01T21:38:00+01:00[Europe/Berlin]".parse().unwrap();
        let next = next_after(&fields("0", "2", "*"), &after).unwrap();
        assert_eq!(next.to_string(), "2026-12-02T02:00:00+01:00[Europe/Berlin]");
        let next = next_after(&fields("30", "*", "sat"), &after).unwrap();
        assert_eq!(next.to_string(), "2026-12-05T00:30:00+01:00[Europe/Berlin]");
    }
}
