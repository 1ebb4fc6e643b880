//! `db_backup_add_schedule`: a backup that starts by itself when its cron fields match
//! (spec 3.5). Everything is checked before anything is stored; each error names its
//! parameter.

use confd_storage::records::ScheduleRecord;

use super::db_backup_start::{EXPIRE, LEVEL, VOLUME};
use crate::error::JobError;
use crate::expiry::Expire;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{FromParams, Level, ObjectName, ParamReader, ParamSpec, VolumeRef};
use crate::schedule::params::{
    BACKUP_NAME, CronChange, DAY, DB, ENABLED, HOUR, MINUTE, MONTH, WEEKDAY, default_fields,
};

/// The `db_backup_add_schedule` job.
pub struct DbBackupAddSchedule;

/// Parameters of `db_backup_add_schedule`.
pub struct Params {
    db_name: String,
    name: ObjectName,
    volume: VolumeRef,
    level: Level,
    expire: Option<(Expire, String)>,
    enabled: bool,
    cron: CronChange,
}

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[
        DB.spec,
        BACKUP_NAME.spec,
        VOLUME.id.spec,
        VOLUME.name.spec,
        LEVEL.spec,
        EXPIRE.spec,
        ENABLED.spec,
        MINUTE.spec,
        HOUR.spec,
        DAY.spec,
        MONTH.spec,
        WEEKDAY.spec,
    ];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            db_name: p.get(&DB)?,
            name: p.get(&BACKUP_NAME)?,
            volume: VOLUME.read(p)?,
            level: p.get(&LEVEL)?,
            expire: expire_as_given(p)?,
            enabled: p.or(&ENABLED, true)?,
            cron: CronChange::read(p)?,
        })
    }
}

/// The expiry, with the text it was given as (what `db_info` shows).
pub fn expire_as_given(p: &ParamReader) -> Result<Option<(Expire, String)>, JobError> {
    let Some(expire) = p.opt(&EXPIRE)? else {
        return Ok(None);
    };
    let text = match p.raw(&EXPIRE)? {
        Some(serde_json::Value::String(s)) => s.trim().to_owned(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    Ok(Some((expire, text)))
}

impl Job for DbBackupAddSchedule {
    const NAME: &'static str = "db_backup_add_schedule";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Add a backup schedule to a database: a backup of the given level to the given volume whenever the cron fields match (daemon time zone). Shown by db_info under config: backups.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let services = ctx.services;
        services.database(&p.db_name)?;
        let volume = services.volume(&p.volume).map_err(|e| {
            let param = match p.volume {
                VolumeRef::Id(_) => VOLUME.id.name(),
                VolumeRef::Name(_) => VOLUME.name.name(),
            };
            JobError::invalid(param, e.to_string())
        })?;
        let mut cron = default_fields();
        p.cron.apply(&mut cron);
        let record = ScheduleRecord {
            db: p.db_name,
            name: p.name.as_str().to_owned(),
            volume_id: volume.id,
            level: p.level.0,
            expire_seconds: p.expire.as_ref().map(|(e, _)| e.0),
            expire_text: p.expire.map(|(_, text)| text),
            enabled: p.enabled,
            cron,
            last_run: None,
        };
        services.catalog.insert_schedule(&record).map_err(|_| {
            JobError::invalid(
                BACKUP_NAME.name(),
                format!(
                    "database '{}' already has a schedule '{}'",
                    record.db, record.name
                ),
            )
        })?;
        services.schedules.changed();
        Ok(NoOutput)
    }
}
