//! `db_list`: names of all databases.

use crate::error::JobError;
use crate::job::{Context, DB_READ_GROUPS, Effect, Job, JobSpec};
use crate::params::NoParams;

/// The `db_list` job.
pub struct DbList;

impl Job for DbList {
    const NAME: &'static str = "db_list";
    type Params = NoParams;
    type Output = Vec<String>;

    const SPEC: JobSpec = JobSpec {
        description: "List the names of all databases.",
        allowed_groups: DB_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, _: NoParams) -> Result<Vec<String>, JobError> {
        Ok(ctx
            .services
            .catalog
            .databases()?
            .into_iter()
            .map(|d| d.name)
            .collect())
    }
}
