//! `db_backups_delete`: delete backups by the IDs `db_backup_list` shows (spec 3.4). All
//! IDs are checked before anything is deleted; deleting a base leaves its dependants
//! listed as unusable (`db_backup_delete_unusable` removes them).

use super::backup_lookup;
use crate::backup_id::BackupId;
use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{DB_NAME, FromParams, Param, ParamReader, ParamSpec};

/// The `db_backups_delete` job.
pub struct DbBackupsDelete;

/// Parameters of `db_backups_delete`.
pub struct Params {
    db_name: String,
    ids: Vec<BackupId>,
}

/// `db_name`.
pub const DB: Param<String> = DB_NAME.described("Database the backups belong to.");
/// `backup_list`.
pub const BACKUP_LIST: Param<Vec<BackupId>> =
    Param::required("backup_list", "Backup IDs as in db_backup_list key 'id'.");

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[DB.spec, BACKUP_LIST.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        let ids = p.get(&BACKUP_LIST)?;
        if ids.is_empty() {
            return Err(JobError::invalid(BACKUP_LIST.name(), "the list is empty"));
        }
        Ok(Params {
            db_name: p.get(&DB)?,
            ids,
        })
    }
}

impl Job for DbBackupsDelete {
    const NAME: &'static str = "db_backups_delete";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Delete backups of a database, given as a list of the IDs db_backup_list shows.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Operation,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        ctx.services.database(&p.db_name)?;
        let mut targets = Vec::with_capacity(p.ids.len());
        for id in &p.ids {
            if id.db != p.db_name {
                return Err(JobError::invalid(
                    BACKUP_LIST.name(),
                    format!(
                        "backup '{id}' belongs to database '{}', not '{}'",
                        id.db, p.db_name
                    ),
                ));
            }
            targets.push(backup_lookup::resolve(ctx.services, id)?);
        }
        let _claim = backup_lookup::claim(
            ctx.services,
            &targets.iter().map(|(b, _)| b).collect::<Vec<_>>(),
        )?;
        for (backup, volume) in &targets {
            backup_lookup::delete(ctx.services, backup, volume).await?;
        }
        Ok(NoOutput)
    }
}
