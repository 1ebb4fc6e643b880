//! `db_stop`: stop a running database (its state becomes `setup`).

use confd_storage::records::DbState;

use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{DB_NAME, DbNameParam, FromParams, Param, ParamReader, ParamSpec};

/// The `db_stop` job.
pub struct DbStop;

/// `cluster`.
pub const CLUSTER: Param<String> = Param::optional(
    "cluster",
    "Cluster to stop on (accepted for compatibility).",
);
/// `force`.
pub const FORCE: Param<bool> = Param::optional(
    "force",
    "Stop without waiting for sessions (accepted for compatibility).",
);
/// `timeout`.
pub const TIMEOUT: Param<i64> = Param::optional(
    "timeout",
    "Seconds to wait; 0 = no limit (stopping is immediate here).",
);

/// Parameters of `db_stop`: the database; the rest is accepted for compatibility.
pub struct Params(DbNameParam);

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[DB_NAME.spec, CLUSTER.spec, FORCE.spec, TIMEOUT.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        p.ignore(&CLUSTER)?;
        p.ignore(&FORCE)?;
        p.ignore(&TIMEOUT)?;
        Ok(Params(DbNameParam::from_params(p)?))
    }
}

impl Job for DbStop {
    const NAME: &'static str = "db_stop";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Stop a running database; afterwards db_state reports 'setup'.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, Params(p): Params) -> Result<NoOutput, JobError> {
        // Spec 4.4: the database must not stop while a backup reads it.
        let busy = || {
            JobError::Conflict(format!(
                "Database '{}' cannot stop while a backup or restore runs; abort it first (db_backup_abort)",
                p.db_name
            ))
        };
        ctx.services.backups.while_idle(&p.db_name, busy, || {
            ctx.services
                .catalog
                .update_database(&p.db_name, |db| match db.state {
                    DbState::Running => {
                        db.state = DbState::Setup;
                        Ok(())
                    }
                    other => Err(JobError::WrongState(format!(
                        "Database '{}' is not running (state: {})",
                        db.name,
                        other.as_str()
                    ))),
                })?
                .ok_or_else(|| JobError::no_such_database(&p.db_name))
        })?;
        Ok(NoOutput)
    }
}
