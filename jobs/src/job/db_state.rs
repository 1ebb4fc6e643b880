//! `db_state`: the state word of a database (`running`, `setup`, ...), lower case as real
//! ConfD prints it (spec 3.1).

use crate::error::JobError;
use crate::job::{Context, DB_READ_GROUPS, Effect, Job, JobSpec};
use crate::params::DbNameParam;

/// The `db_state` job.
pub struct DbState;

impl Job for DbState {
    const NAME: &'static str = "db_state";
    type Params = DbNameParam;
    type Output = &'static str;

    const SPEC: JobSpec = JobSpec {
        description: "Show the state of a database: running, setup (stopped), starting or stopping.",
        allowed_groups: DB_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: DbNameParam) -> Result<&'static str, JobError> {
        Ok(ctx.services.database(&p.db_name)?.state.as_str())
    }
}
