//! How `db_info` shows a schedule under `config: backups:`.

use confd_storage::records::{RunOutcome, ScheduleRecord, VolumeRecord};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::cron::next_after;

/// One schedule in `db_info`.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    /// Whether it runs.
    pub enabled: bool,
    /// Target volume name (its ID if the volume is gone).
    pub volume: String,
    /// Backup level.
    pub level: u8,
    /// Expiry of each backup as given, empty for never.
    pub expire: String,
    /// Cron minute.
    pub minute: String,
    /// Cron hour.
    pub hour: String,
    /// Cron day of the month.
    pub day: String,
    /// Cron month.
    pub month: String,
    /// Cron weekday.
    pub weekday: String,
    /// `YYYY-MM-DD HH:MM` of the last time it fell due, empty before the first.
    pub last_run: String,
    /// What became of it: `ok (job <id>)`, `running (job <id>)`, `queued`, `failed: ...`,
    /// `skipped: ...`; empty before the first.
    pub last_outcome: String,
    /// `YYYY-MM-DD HH:MM` of the next run, empty while disabled.
    pub next_run: String,
    /// The zone `last_run`, `next_run` and the cron fields are read in.
    pub time_zone: String,
}

/// The view of `s` at `now`.
pub fn view(
    s: &ScheduleRecord,
    volumes: &[VolumeRecord],
    zone: &TimeZone,
    now: Timestamp,
) -> ScheduleView {
    let minute = |t: Timestamp| {
        t.to_zoned(zone.clone())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    };
    let next_run = s
        .enabled
        .then(|| next_after(&s.cron, &now.to_zoned(zone.clone())))
        .flatten()
        .map(|z| minute(z.timestamp()))
        .unwrap_or_default();
    let (last_run, last_outcome) = match &s.last_run {
        None => (String::new(), String::new()),
        Some(run) => (
            Timestamp::from_second(run.at)
                .map(minute)
                .unwrap_or_default(),
            outcome_text(&run.outcome),
        ),
    };
    ScheduleView {
        enabled: s.enabled,
        volume: volumes
            .iter()
            .find(|v| v.id == s.volume_id)
            .map_or_else(|| s.volume_id.to_string(), |v| v.name.clone()),
        level: s.level,
        expire: s.expire_text.clone().unwrap_or_default(),
        minute: s.cron.minute.clone(),
        hour: s.cron.hour.clone(),
        day: s.cron.day.clone(),
        month: s.cron.month.clone(),
        weekday: s.cron.weekday.clone(),
        last_run,
        last_outcome,
        next_run,
        time_zone: zone.iana_name().unwrap_or("UTC").to_owned(),
    }
}

fn outcome_text(outcome: &RunOutcome) -> String {
    match outcome {
        RunOutcome::Queued => "queued".into(),
        RunOutcome::Running(job) => format!("running (job {job})"),
        RunOutcome::Succeeded(job) => format!("ok (job {job})"),
        RunOutcome::Failed(why) => format!("failed: {why}"),
        RunOutcome::Skipped(why) => format!("skipped: {why}"),
    }
}
