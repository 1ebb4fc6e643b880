//! `db_backup_remove_schedule`: delete a backup schedule (spec 3.5). Backups it made stay.

use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{FromParams, ObjectName, ParamReader, ParamSpec};
use crate::schedule::params::{BACKUP_NAME, DB};

/// The `db_backup_remove_schedule` job.
pub struct DbBackupRemoveSchedule;

/// Parameters of `db_backup_remove_schedule`.
pub struct Params {
    db_name: String,
    name: ObjectName,
}

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[DB.spec, BACKUP_NAME.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            db_name: p.get(&DB)?,
            name: p.get(&BACKUP_NAME)?,
        })
    }
}

impl Job for DbBackupRemoveSchedule {
    const NAME: &'static str = "db_backup_remove_schedule";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Remove a backup schedule of a database; the backups it made are kept.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        ctx.services.database(&p.db_name)?;
        let removed = ctx
            .services
            .catalog
            .remove_schedule(&p.db_name, p.name.as_str())?;
        if removed.is_none() {
            return Err(JobError::NotFound(format!(
                "Database '{}' has no schedule '{}'",
                p.db_name, p.name
            )));
        }
        ctx.services.schedules.changed();
        Ok(NoOutput)
    }
}
