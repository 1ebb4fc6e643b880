//! Expiry: ConfD's relative `expire` (`"1w 3d"`, `"12h 30m"`; `m` = minutes, spec 4.3)
//! and the absolute forms `db_backup_list` shows (`YYYY-MM-DD HH:MM`) and
//! `db_backup_change_expiration` takes (`YYYY-MM-DD hh:mm:ss`, blank = never).

use crate::echo::Shown;
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// The longest expiry accepted, in seconds (100 years): far enough for any retention,
/// short enough that `now + expire` can never overflow.
pub const MAX_EXPIRE_SECONDS: i64 = 100 * 365 * 86_400;

/// A relative expiry in seconds, parsed once from `#w #d #h #m` tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expire(pub i64);

impl FromStr for Expire {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let whole = Shown(text);
        let mut total: i64 = 0;
        let mut any = false;
        for token in text.split_whitespace() {
            let split = token
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(token.len());
            let (number, unit) = token.split_at(split);
            let part = Shown(token);
            let n: i64 = number.parse().map_err(|_| {
                format!("'{part}' in '{whole}' is not <number><unit> (units w, d, h, m)")
            })?;
            let seconds = match unit {
                "w" => 7 * 86_400,
                "d" => 86_400,
                "h" => 3_600,
                "m" => 60,
                "" => return Err(format!("'{part}' in '{whole}' has no unit (w, d, h or m)")),
                other => {
                    return Err(format!(
                        "'{}' in '{whole}' is not a unit (w = weeks, d = days, h = hours, m = minutes)",
                        Shown(other)
                    ));
                }
            };
            total = n
                .checked_mul(seconds)
                .and_then(|s| total.checked_add(s))
                .filter(|t| *t <= MAX_EXPIRE_SECONDS)
                .ok_or_else(|| format!("'{whole}' is longer than 100 years"))?;
            any = true;
        }
        if !any {
            return Err("the expiry is empty (use e.g. '1w 3d')".into());
        }
        if total == 0 {
            return Err(format!(
                "'{whole}' is zero: the backup would expire at once (give a positive expiry, or none to keep it)"
            ));
        }
        Ok(Expire(total))
    }
}

/// `YYYY-MM-DD HH:MM` (UTC) of a unix time, as `db_backup_list` shows times.
pub fn format_minute(unix: i64) -> String {
    Timestamp::from_second(unix)
        .map(|t| t.strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// `YYYY-MM-DD HH:MM` of a backup's `ts` (`YYYYMMDDHHMM`).
pub fn ts_to_timestamp(ts: &str) -> String {
    if ts.len() != 12 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return ts.to_owned();
    }
    format!(
        "{}-{}-{} {}:{}",
        &ts[0..4],
        &ts[4..6],
        &ts[6..8],
        &ts[8..10],
        &ts[10..12]
    )
}

/// The `ts` (`YYYYMMDDHHMM`, UTC) of a unix time.
pub fn ts_of(unix: i64) -> String {
    Timestamp::from_second(unix)
        .map(|t| t.strftime("%Y%m%d%H%M").to_string())
        .unwrap_or_default()
}

/// Parses `expire_time` of `db_backup_change_expiration`: `YYYY-MM-DD hh:mm:ss` (UTC; the
/// hour may have one digit, seconds may be omitted), blank = never, or unix seconds
/// (the legacy form; 0 = never). Returns the unix time or `None` for never.
pub fn parse_expire_time(text: &str) -> Result<Option<i64>, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let shown_t = Shown(t);
    if t.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = t.parse().map_err(|_| format!("'{shown_t}' is too large"))?;
        return (secs != 0).then(|| in_bounds(secs, &shown_t)).transpose();
    }
    let (date, time) = t
        .split_once(' ')
        .ok_or_else(|| format!("'{shown_t}' is not 'YYYY-MM-DD hh:mm:ss'"))?;
    let mut hms: Vec<&str> = time.trim().split(':').collect();
    if hms.len() == 2 {
        hms.push("0");
    }
    let parts: Vec<i8> = hms
        .iter()
        .map(|p| p.parse::<i8>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("'{shown_t}' is not 'YYYY-MM-DD hh:mm:ss'"))?;
    let [h, m, s] = parts[..] else {
        return Err(format!("'{shown_t}' is not 'YYYY-MM-DD hh:mm:ss'"));
    };
    let date: jiff::civil::Date = date
        .parse()
        .map_err(|e| format!("'{}' is not a date YYYY-MM-DD: {e}", Shown(date)))?;
    let time = jiff::civil::Time::new(h, m, s, 0)
        .map_err(|e| format!("'{}' is not a time hh:mm:ss: {e}", Shown(time)))?;
    let at = DateTime::from_parts(date, time)
        .to_zoned(TimeZone::UTC)
        .map_err(|e| format!("'{shown_t}': {e}"))?;
    in_bounds(at.timestamp().as_second(), &shown_t).map(Some)
}

/// The last second of year 9999 (UTC), the latest expiry a listing can show.
const LATEST_EXPIRY: i64 = 253_402_300_799;

/// Refuses expiry times in the past (the backup would be expired at once) and past the
/// year 9999.
fn in_bounds(unix: i64, shown: &Shown<'_>) -> Result<i64, String> {
    if unix > LATEST_EXPIRY {
        return Err(format!("'{shown}' is past the year 9999"));
    }
    if unix <= Timestamp::now().as_second() {
        return Err(format!(
            "'{shown}' is not in the future (blank means never expires)"
        ));
    }
    Ok(unix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_expiry_uses_minutes_for_m() {
        assert_eq!("1w".parse::<Expire>().unwrap(), Expire(7 * 86_400));
        assert_eq!("1w 3d".parse::<Expire>().unwrap(), Expire(10 * 86_400));
        assert_eq!("2h 30m".parse::<Expire>().unwrap(), Expire(9_000));
        assert!("3x".parse::<Expire>().unwrap_err().contains("'x'"));
        assert!("5".parse::<Expire>().unwrap_err().contains("no unit"));
        assert!("".parse::<Expire>().is_err());
        assert!("99999999w".parse::<Expire>().is_err());
        assert!("0w".parse::<Expire>().unwrap_err().contains("zero"));
    }

    #[test]
    fn absolute_times_round_trip_at_minute_resolution() {
        let t = parse_expire_time("2032-05-14 5:00:00").unwrap().unwrap();
        assert_eq!(format_minute(t), "2032-05-14 05:00");
        assert_eq!(parse_expire_time("").unwrap(), None);
        assert_eq!(parse_expire_time("0").unwrap(), None);
        assert_eq!(
            parse_expire_time("1967000000").unwrap(),
            Some(1_967_000_000)
        );
        assert!(parse_expire_time("tomorrow").is_err());
        assert!(parse_expire_time("2022-13-01 00:00:00").is_err());
        assert_eq!(ts_to_timestamp("202611251208"), "2026-11-25 12:08");
        assert_eq!(ts_of(t), "203205140500");
    }

    #[test]
    fn absolute_times_in_the_past_or_past_9999_are_refused() {
        let past = parse_expire_time("2022-05-14 5:00:00").unwrap_err();
        assert!(past.contains("not in the future"), "{past}");
        for far in [
            "9223372036854775807",
            "10000-01-01 00:00:00",
            "253402300800",
        ] {
            assert!(parse_expire_time(far).is_err(), "{far}");
        }
        assert!(parse_expire_time("0000-01-01 00:00:00").is_err());
    }
}
