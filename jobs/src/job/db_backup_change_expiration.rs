//! `db_backup_change_expiration` (spec 3.4): set a backup's expiry to an absolute time
//! (`YYYY-MM-DD hh:mm:ss`, UTC) or to never (blank). The status marker on the volume is
//! rewritten first (the volume is the source of truth), then the catalogue.

use confd_storage::archive::BackupKeys;

use crate::backup_id;
use crate::error::JobError;
use crate::expiry::parse_expire_time;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{
    Example, FromParams, Param, ParamReader, ParamSpec, Text, VolumeParam, VolumeRef,
};

/// The `db_backup_change_expiration` job.
pub struct DbBackupChangeExpiration;

/// Parameters of `db_backup_change_expiration`.
pub struct Params {
    volume: VolumeRef,
    db: String,
    bid: u64,
    level: u8,
    expire: Option<i64>,
}

/// `backup_volume_id` / `backup_volume_name`.
pub const VOLUME: VolumeParam<i64> = VolumeParam::new(
    Param::required("backup_volume_id", "ID of the volume holding the backup."),
    Param::optional(
        "backup_volume_name",
        "Name of the volume (substitute for the ID).",
    ),
);
/// `backup_files`.
pub const BACKUP_FILES: Param<String> = Param::required(
    "backup_files",
    "'<db>/id_<bid>/level_<n>': the second token of expire_alterable.",
)
.example(Example::Str("MY_DATABASE/id_1/level_0"));
/// `expire_time`.
pub const EXPIRE_TIME: Param<Text> = Param::required(
    "expire_time",
    "New expiry 'YYYY-MM-DD hh:mm:ss'; blank = never expires.",
)
.example(Example::Str("2030-01-01 00:00:00"));

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[
        VOLUME.id.spec,
        VOLUME.name.spec,
        BACKUP_FILES.spec,
        EXPIRE_TIME.spec,
    ];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        let files = p.get(&BACKUP_FILES)?;
        let (db, bid, level) = backup_id::parse_files(&files)
            .map_err(|e| JobError::invalid(BACKUP_FILES.name(), e))?;
        let Text(expire_time) = p.get(&EXPIRE_TIME)?;
        let expire = parse_expire_time(&expire_time)
            .map_err(|e| JobError::invalid(EXPIRE_TIME.name(), e))?;
        Ok(Params {
            volume: VOLUME.read(p)?,
            db,
            bid,
            level,
            expire,
        })
    }
}

impl Job for DbBackupChangeExpiration {
    const NAME: &'static str = "db_backup_change_expiration";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Change the expiry of a backup: expire_time 'YYYY-MM-DD hh:mm:ss' (UTC), or blank for never.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Operation,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let volume = ctx.services.volume(&p.volume)?;
        let missing = || {
            JobError::NotFound(format!(
                "Backup '{}/id_{}/level_{}' does not exist on volume '{}'",
                p.db, p.bid, p.level, volume.name
            ))
        };
        // No delete may run between reading the entry and rewriting its marker: that would
        // bring back the marker of a deleted backup.
        let _claim = ctx
            .services
            .backups
            .claim_for_rewrite(vec![(p.db.clone(), p.bid)])
            .map_err(|_| {
                JobError::Conflict(format!(
                    "Backup '{}/id_{}/level_{}' is being deleted",
                    p.db, p.bid, p.level
                ))
            })?;
        let mut backup = ctx
            .services
            .catalog
            .backup(&p.db, p.bid)?
            .ok_or_else(missing)?;
        if backup.volume_id != volume.id || backup.marker.level != p.level {
            return Err(missing());
        }
        backup.marker.expire = p.expire;
        let keys = BackupKeys::new(
            &backup.marker.db,
            backup.marker.bid,
            backup.marker.level,
            &backup.marker.ts,
        )
        .ok_or_else(missing)?;
        let key = keys
            .status()
            .map_err(|e| JobError::Internal(e.to_string()))?;
        let bytes = backup
            .marker
            .encode()
            .map_err(|e| JobError::Internal(e.to_string()))?;
        let store = confd_storage::volume::open(&volume)
            .map_err(|e| JobError::Unsupported(e.to_string()))?;
        store
            .put(&key, bytes.into())
            .await
            .map_err(|e| JobError::Internal(format!("rewriting {key}: {e}")))?;
        ctx.services.catalog.put_backup(&backup)?;
        Ok(NoOutput)
    }
}
