//! `db_backup_modify_schedule`: change the expiry, the cron fields or `enabled` of a
//! schedule (spec 3.5); what is not given stays.

use super::db_backup_add_schedule::expire_as_given;
use super::db_backup_start::EXPIRE;
use crate::error::JobError;
use crate::expiry::Expire;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{FromParams, ObjectName, ParamReader, ParamSpec};
use crate::schedule::params::{
    BACKUP_NAME, CronChange, DAY, DB, ENABLED, HOUR, MINUTE, MONTH, WEEKDAY,
};

/// The `db_backup_modify_schedule` job.
pub struct DbBackupModifySchedule;

/// Parameters of `db_backup_modify_schedule`.
pub struct Params {
    db_name: String,
    name: ObjectName,
    expire: Option<(Expire, String)>,
    enabled: Option<bool>,
    cron: CronChange,
}

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[
        DB.spec,
        BACKUP_NAME.spec,
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
            expire: expire_as_given(p)?,
            enabled: p.opt(&ENABLED)?,
            cron: CronChange::read(p)?,
        })
    }
}

impl Job for DbBackupModifySchedule {
    const NAME: &'static str = "db_backup_modify_schedule";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Change a backup schedule: its expiry, cron fields or enabled (false stops its runs, true resumes them). Parameters not given stay as they are.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let services = ctx.services;
        services.database(&p.db_name)?;
        let changed = services
            .catalog
            .update_schedule(&p.db_name, p.name.as_str(), |s| {
                if let Some((expire, text)) = &p.expire {
                    s.expire_seconds = Some(expire.0);
                    s.expire_text = Some(text.clone());
                }
                if let Some(enabled) = p.enabled {
                    s.enabled = enabled;
                }
                p.cron.apply(&mut s.cron);
            })?;
        if changed.is_none() {
            return Err(JobError::NotFound(format!(
                "Database '{}' has no schedule '{}'",
                p.db_name, p.name
            )));
        }
        services.schedules.changed();
        Ok(NoOutput)
    }
}
