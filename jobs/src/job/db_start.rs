//! `db_start`: start a stopped database.

use confd_storage::records::{DbState, OperationKind};

use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{DB_NAME, DbNameParam, FromParams, Param, ParamReader, ParamSpec};

/// The `db_start` job.
pub struct DbStart;

/// `cluster`.
pub const CLUSTER: Param<String> = Param::optional(
    "cluster",
    "Cluster to start on (accepted for compatibility; this server has one).",
);
/// `maintenance`.
pub const MAINTENANCE: Param<bool> = Param::optional(
    "maintenance",
    "Start in maintenance mode (accepted for compatibility).",
);
/// `timeout`.
pub const TIMEOUT: Param<i64> = Param::optional(
    "timeout",
    "Seconds to wait; 0 = no limit (starting is immediate here).",
);

/// Parameters of `db_start`: the database; the rest is accepted for compatibility.
pub struct Params(DbNameParam);

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] =
        &[DB_NAME.spec, CLUSTER.spec, MAINTENANCE.spec, TIMEOUT.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        p.ignore(&CLUSTER)?;
        p.ignore(&MAINTENANCE)?;
        p.ignore(&TIMEOUT)?;
        Ok(Params(DbNameParam::from_params(p)?))
    }
}

impl Job for DbStart {
    const NAME: &'static str = "db_start";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Start a database. Refused while its data is incomplete after an interrupted restore.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, Params(p): Params) -> Result<NoOutput, JobError> {
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
        // Read before `while_idle` takes the supervisor's lock (`busy` runs under it).
        let running = ctx.services.backups.running(&p.db_name);
        let busy = || {
            let what = match running {
                Some(OperationKind::Restore) => "a restore",
                Some(OperationKind::Backup) => "a backup",
                _ => "an operation",
            };
            JobError::Conflict(format!(
                "Database '{}' cannot start while {what} of it runs; wait for it (db_backup_progress) or abort it (db_backup_abort)",
                db.name
            ))
        };
        // Under the supervisor's lock, so a restore cannot start between check and change.
        ctx.services.backups.while_idle(&p.db_name, busy, || {
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
            .ok_or_else(|| JobError::no_such_database(&p.db_name))
        })?;
        Ok(NoOutput)
    }
}
