//! `db_state`: the state word of a database (`running`, `setup`, ...), lower case as real
//! ConfD prints it (spec 3.1).

use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec};
use crate::params::{FromParams, ParamReader, ParamSpec, ParamType};

/// The `db_state` job.
pub struct DbState;

/// Parameters of `db_state`.
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

impl Job for DbState {
    const NAME: &'static str = "db_state";
    type Params = Params;
    type Output = &'static str;

    const SPEC: JobSpec = JobSpec {
        description: "Show the state of a database: running, setup (stopped), starting or stopping.",
        params: &[ParamSpec::required(
            "db_name",
            ParamType::Str,
            "Name of the database.",
        )],
        allowed_groups: DB_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<&'static str, JobError> {
        Ok(ctx.services.database(&p.db_name)?.state.as_str())
    }
}
