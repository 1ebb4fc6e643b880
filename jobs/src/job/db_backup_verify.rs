//! `db_backup_verify` (our extension): re-read a backup and every backup of its chain
//! from the volume and check every manifest and every chunk's BLAKE3, without writing
//! to the database or the volume. Returns at once; it runs as an operation of the
//! database (like a backup, so one at a time and `db_backup_abort` stops it) and is
//! followed with `db_backup_progress` (Type `Verify`). Damage ends it as failed, naming
//! the damaged files; `db_backup_list` shows the last outcome per backup (`verified`).

use super::backup_lookup;
use crate::backup_id::BackupId;
use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{DB_NAME, FromParams, Param, ParamReader, ParamSpec};
use crate::supervisor::VerifyRequest;

/// The `db_backup_verify` job.
pub struct DbBackupVerify;

/// `db_name`.
pub const DB: Param<String> =
    DB_NAME.described("Database whose backup to verify; it may be running.");
/// `backup_id`.
pub const BACKUP_ID: Param<BackupId> = Param::required(
    "backup_id",
    "'<volume_id> <path> <db>' as db_backup_list key 'id' shows it; its chain is verified too.",
);

/// Parameters of `db_backup_verify`.
pub struct Params {
    db_name: String,
    backup: BackupId,
}

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[DB.spec, BACKUP_ID.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            db_name: p.get(&DB)?,
            backup: p.get(&BACKUP_ID)?,
        })
    }
}

impl Job for DbBackupVerify {
    const NAME: &'static str = "db_backup_verify";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Verify a backup and its chain: re-read every manifest and data object and check every chunk's BLAKE3, writing nothing. Returns at once; follow it with db_backup_progress.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Operation,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let db = ctx.services.database(&p.db_name)?;
        if p.backup.db != db.name {
            return Err(JobError::invalid(
                BACKUP_ID.spec.name,
                format!(
                    "backup '{}' is a backup of database '{}', not of '{}'",
                    p.backup, p.backup.db, db.name
                ),
            ));
        }
        let (backup, volume) = backup_lookup::resolve(ctx.services, &p.backup)?;
        ctx.services.backups.start_verify(VerifyRequest {
            db: db.name,
            volume,
            backup,
            job_id: ctx.job_id.to_owned(),
        })?;
        Ok(NoOutput)
    }
}
