//! Backup schedules (spec 3.5): cron fields checked with croner ([`cron`]), the view
//! `db_info` shows ([`view`]), and the [`runner`] that starts their backups through the
//! dispatcher, so a scheduled backup has a job record, progress and metrics like a
//! manual one.
//!
//! Cron fields are read on the wall clock of one time zone: the daemon's (`TZ`, else UTC)
//! unless the configuration names another. Runs missed while the daemon was down are not
//! caught up.

pub mod cron;
pub mod params;
pub mod runner;
pub mod view;

use std::sync::RwLock;

use jiff::tz::TimeZone;
use tokio::sync::Notify;

/// What the schedule jobs and the runner share: the time zone and the "schedules
/// changed" signal.
pub struct Schedules {
    time_zone: RwLock<TimeZone>,
    changed: Notify,
}

impl Default for Schedules {
    fn default() -> Self {
        Self::new(zone_of_environment())
    }
}

impl Schedules {
    /// Schedules read in `time_zone`.
    pub fn new(time_zone: TimeZone) -> Self {
        Schedules {
            time_zone: RwLock::new(time_zone),
            changed: Notify::new(),
        }
    }

    /// Reads cron fields in the IANA zone `name` from now on.
    pub fn set_time_zone(&self, name: &str) -> Result<(), String> {
        let zone = TimeZone::get(name).map_err(|e| format!("unknown time zone '{name}': {e}"))?;
        *self.time_zone.write().unwrap_or_else(|p| p.into_inner()) = zone;
        self.changed();
        Ok(())
    }

    /// The zone cron fields are read in.
    pub fn time_zone(&self) -> TimeZone {
        self.time_zone
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Tells the runner to look again (a schedule was added, changed or removed).
    pub fn changed(&self) {
        // A stored permit when the runner is not waiting yet: the change is never missed.
        self.changed.notify_one();
    }

    async fn wait_for_change(&self) {
        self.changed.notified().await;
    }
}

/// `TZ` (an IANA name, optionally with a leading `:`), else UTC.
fn zone_of_environment() -> TimeZone {
    match std::env::var("TZ") {
        Ok(name) if !name.trim().is_empty() => {
            let name = name.trim().trim_start_matches(':');
            TimeZone::get(name)
                .or_else(|_| TimeZone::posix(name))
                .unwrap_or_else(|e| {
                    tracing::warn!("TZ={name} is not a time zone ({e}); schedules use UTC");
                    TimeZone::UTC
                })
        }
        _ => TimeZone::UTC,
    }
}
