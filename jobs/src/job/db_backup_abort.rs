//! `db_backup_abort`: stop the running backup (or restore, or verify) of a database. The
//! operation stops between chunks, removes what it wrote and is recorded as aborted.

use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::DbNameParam;

/// The `db_backup_abort` job.
pub struct DbBackupAbort;

impl Job for DbBackupAbort {
    const NAME: &'static str = "db_backup_abort";
    type Params = DbNameParam;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Abort the running backup of a database; what it wrote is removed.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Operation,
    };

    async fn run(ctx: &Context<'_>, p: DbNameParam) -> Result<NoOutput, JobError> {
        ctx.services.database(&p.db_name)?;
        ctx.services.backups.abort(&p.db_name).await?;
        Ok(NoOutput)
    }
}
