//! `db_start`: start a stopped database.

use confd_storage::records::DbState;

use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{DB_NAME, DbNameParam, ParamSpec, ParamType};

/// The `db_start` job.
pub struct DbStart;

impl Job for DbStart {
    const NAME: &'static str = "db_start";
    type Params = DbNameParam;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Start a database. Refused while its data is incomplete after an interrupted restore.",
        params: &[
            DB_NAME,
            ParamSpec::optional(
                "cluster",
                ParamType::Str,
                "Cluster to start on (accepted for compatibility; this server has one).",
            ),
            ParamSpec::optional(
                "maintenance",
                ParamType::Bool,
                "Start in maintenance mode (accepted for compatibility).",
            ),
            ParamSpec::optional(
                "timeout",
                ParamType::Int,
                "Seconds to wait; 0 = no limit (starting is immediate here).",
            ),
        ],
        allowed_groups: DB_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: DbNameParam) -> Result<NoOutput, JobError> {
        let db = ctx.services.database(&p.db_name)?;
        for dir in db.node_dirs() {
            if !dir.is_dir() {
                return Err(JobError::WrongState(format!(
                    "Database '{}' cannot start: its node directory {} is missing",
                    db.name,
                    dir.display()
                )));
            }
        }
        ctx.services
            .catalog
            .update_database(&p.db_name, |db| match db.state {
                _ if db.data_incomplete => Err(JobError::WrongState(format!(
                    "Database '{}' cannot start: its data is incomplete after an interrupted restore; restore a backup first",
                    db.name
                ))),
                DbState::Setup => {
                    db.state = DbState::Running;
                    Ok(())
                }
                other => Err(JobError::WrongState(format!(
                    "Database '{}' is already {}",
                    db.name,
                    other.as_str()
                ))),
            })?
            .ok_or_else(|| JobError::no_such_database(&p.db_name))?;
        Ok(NoOutput)
    }
}
