//! `db_backup_progress`: progress of the running backup or restore of a database, or the
//! last one after it ended (spec 3.4, design 2). Read from memory; never touches a volume.

use serde_json::Value;

use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec};
use crate::params::{FromParams, ParamReader, ParamSpec, ParamType};

/// The `db_backup_progress` job.
pub struct DbBackupProgress;

/// Parameters of `db_backup_progress`.
pub struct Params {
    db_name: String,
}

impl FromParams for Params {
    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            db_name: p.str("db_name")?,
        })
    }
}

impl Job for DbBackupProgress {
    const NAME: &'static str = "db_backup_progress";
    type Params = Params;
    type Output = Value;

    const SPEC: JobSpec = JobSpec {
        description: "Show the progress of the running backup or restore of a database (or of the last one): Comment, Progress (percent), Type, Name, Level, Volume ID, bytes, rate, ETA and phase.",
        params: &[ParamSpec::required(
            "db_name",
            ParamType::Str,
            "Name of the database.",
        )],
        allowed_groups: DB_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<Value, JobError> {
        ctx.services.database(&p.db_name)?;
        ctx.services.backups.progress(&p.db_name)
    }
}
