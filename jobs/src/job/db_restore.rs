//! `db_restore` (spec 3.6): restore a backup (with its whole chain) into a stopped
//! database. Returns at once; follow it with `db_backup_progress` (Type `Restore`). The
//! database is running again when the restore succeeds.

use confd_storage::records::VolumeLocation;

use super::backup_lookup;
use crate::backup_id::BackupId;
use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{FromParams, ParamReader, ParamSpec, ParamType};
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

impl FromParams for Params {
    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        let restore_type = match p.str("restore_type")?.as_str() {
            "blocking" => RestoreType::Blocking,
            "nonblocking" => RestoreType::Nonblocking,
            "virtual access" => {
                return Err(JobError::Unsupported("Restore type 'virtual access' is not supported by this server (use 'blocking')".into()));
            }
            other => {
                return Err(JobError::invalid(
                    "restore_type",
                    format!("'{other}' is not 'blocking', 'nonblocking' or 'virtual access'"),
                ));
            }
        };
        Ok(Params {
            db_name: p.str("db_name")?,
            backup: backup_lookup::parse("backup_id", &p.str("backup_id")?)?,
            restore_type,
        })
    }
}

impl Job for DbRestore {
    const NAME: &'static str = "db_restore";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Restore a backup into a stopped database (same number of nodes). A level-N ID restores its whole chain. Returns at once; follow it with db_backup_progress.",
        params: &[
            ParamSpec::required(
                "db_name",
                ParamType::Str,
                "Target database; must be stopped (setup).",
            ),
            ParamSpec::required(
                "backup_id",
                ParamType::Str,
                "'<volume_id> <path> <db>' as db_backup_list key 'id' shows it.",
            ),
            ParamSpec::required(
                "restore_type",
                ParamType::Str,
                "'blocking' or 'nonblocking' (local volumes only); 'virtual access' is not supported.",
            ),
        ],
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
