//! `db_restore` (spec 3.6): restore a backup (with its whole chain) into a stopped
//! database. Returns at once; follow it with `db_backup_progress` (Type `Restore`). The
//! database is running again when the restore succeeds.

use confd_storage::records::VolumeLocation;

use super::backup_lookup;
use crate::backup_id::BackupId;
use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{
    DB_NAME, Example, FromParams, Param, ParamReader, ParamSpec, ParamType, ParamValue,
};
use crate::supervisor::RestoreRequest;

/// The `db_restore` job.
pub struct DbRestore;

/// How the database is available during the restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreType {
    /// Unavailable until the restore is done.
    Blocking,
    /// Accepted on local volumes; behaves like blocking here (the data arrives before the
    /// database starts).
    Nonblocking,
}

/// Parameters of `db_restore`.
pub struct Params {
    db_name: String,
    backup: BackupId,
    restore_type: RestoreType,
}

/// `db_name`.
pub const DB: Param<String> = DB_NAME.described("Target database; must be stopped (setup).");
/// `backup_id`.
pub const BACKUP_ID: Param<BackupId> = Param::required(
    "backup_id",
    "'<volume_id> <path> <db>' as db_backup_list key 'id' shows it.",
);
/// `restore_type`.
pub const RESTORE_TYPE: Param<RestoreType> = Param::required(
    "restore_type",
    "'blocking' or 'nonblocking' (local volumes only); 'virtual access' is not supported.",
);

impl ParamValue for RestoreType {
    const TYPE: ParamType = ParamType::Str;
    const EXAMPLE: Example = Example::Str("blocking");
    type Wire = String;

    fn read(name: &str, value: &serde_json::Value) -> Result<Self, JobError> {
        match String::read(name, value)?.as_str() {
            "blocking" => Ok(RestoreType::Blocking),
            "nonblocking" => Ok(RestoreType::Nonblocking),
            "virtual access" => Err(JobError::Unsupported(
                "Restore type 'virtual access' is not supported by this server (use 'blocking')"
                    .into(),
            )),
            other => Err(JobError::invalid(
                name,
                format!(
                    "'{}' is not 'blocking', 'nonblocking' or 'virtual access'",
                    crate::echo::Shown(other)
                ),
            )),
        }
    }
}

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[DB.spec, BACKUP_ID.spec, RESTORE_TYPE.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            restore_type: p.get(&RESTORE_TYPE)?,
            db_name: p.get(&DB)?,
            backup: p.get(&BACKUP_ID)?,
        })
    }
}

impl Job for DbRestore {
    const NAME: &'static str = "db_restore";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Restore a backup into a stopped database (same number of nodes). A level-N ID restores its whole chain. Returns at once; follow it with db_backup_progress.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Operation,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let db = ctx.services.database(&p.db_name)?;
        let (backup, volume) = backup_lookup::resolve(ctx.services, &p.backup)?;
        if p.restore_type == RestoreType::Nonblocking
            && matches!(volume.location, VolumeLocation::Remote { .. })
        {
            return Err(JobError::Unsupported(format!(
                "Restore type 'nonblocking' is not possible from remote volume '{}'; remote volumes support only 'blocking'",
                volume.name
            )));
        }
        if backup.marker.nodes != db.nodes as usize {
            return Err(JobError::WrongState(format!(
                "Backup '{}' has {} nodes but database '{}' has {}",
                p.backup, backup.marker.nodes, db.name, db.nodes
            )));
        }
        ctx.services.backups.start_restore(RestoreRequest {
            db,
            volume,
            backup,
            job_id: ctx.job_id.to_owned(),
        })?;
        Ok(NoOutput)
    }
}
