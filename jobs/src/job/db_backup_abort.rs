//! `db_backup_abort`: stop the running backup (or restore) of a database. The operation
//! stops between chunks, removes what it wrote and is recorded as aborted.

use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{FromParams, ParamReader, ParamSpec, ParamType};

/// The `db_backup_abort` job.
pub struct DbBackupAbort;

/// Parameters of `db_backup_abort`.
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

impl Job for DbBackupAbort {
    const NAME: &'static str = "db_backup_abort";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Abort the running backup of a database; what it wrote is removed.",
        params: &[ParamSpec::required(
            "db_name",
            ParamType::Str,
            "Database whose backup is running.",
        )],
        allowed_groups: DB_GROUPS,
        effect: Effect::Operation,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        ctx.services.database(&p.db_name)?;
        ctx.services.backups.abort(&p.db_name).await?;
        Ok(NoOutput)
    }
}
