//! `db_backup_progress`: progress of the running backup or restore of a database, or the
//! last one after it ended (spec 3.4, design 2). Read from memory; never touches a volume.

use crate::error::JobError;
use crate::job::{Context, DB_READ_GROUPS, Effect, Job, JobSpec};
use crate::params::DbNameParam;
use crate::supervisor::ProgressView;

/// The `db_backup_progress` job.
pub struct DbBackupProgress;

impl Job for DbBackupProgress {
    const NAME: &'static str = "db_backup_progress";
    type Params = DbNameParam;
    type Output = ProgressView;

    const SPEC: JobSpec = JobSpec {
        description: "Show the progress of the running backup or restore of a database (or of the last one): Comment, Progress (percent), Type, Name, Level, Volume ID, bytes, rate, ETA and phase.",
        allowed_groups: DB_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: DbNameParam) -> Result<ProgressView, JobError> {
        ctx.services.database(&p.db_name)?;
        ctx.services.backups.progress(&p.db_name)
    }
}
