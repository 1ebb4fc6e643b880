//! `db_backup_start`: start a backup of a running database (spec 3.4). Returns at once,
//! without output; the backup runs in the background and is followed with
//! `db_backup_progress`. A level-N backup (N >= 1) needs a usable level N-1 backup of the
//! same database on the same volume; there is no silent fallback to level 0.

use crate::error::JobError;
use crate::expiry::Expire;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{DB_NAME, FromParams, Level, Param, ParamReader, ParamSpec, VolumeParam};
use crate::supervisor::BackupRequest;
use crate::{bids, chain};
use confd_storage::records::{DatabaseRecord, DbState, VolumeRecord};

/// The `db_backup_start` job.
pub struct DbBackupStart;

/// `db_name`.
pub const DB: Param<String> = DB_NAME.described("Database to back up.");
/// `backup_volume_id` / `backup_volume_name`.
pub const VOLUME: VolumeParam<i64> = VolumeParam::new(
    Param::required(
        "backup_volume_id",
        "ID of the archive volume (local or remote).",
    ),
    Param::optional(
        "backup_volume_name",
        "Name of the archive volume (substitute; the ID wins when both are given).",
    ),
);
/// `level`.
pub const LEVEL: Param<Level> = Param::required(
    "level",
    "0 = full, 1..9 = incremental on the newest usable backup of level - 1.",
);
/// `expire`.
pub const EXPIRE: Param<Expire> = Param::optional(
    "expire",
    "Expiry relative to now, '#w #d #h #m' (m = minutes), e.g. '1w 3d'; absent = never.",
);

/// Parameters of `db_backup_start`.
pub struct Params {
    db_name: String,
    volume: crate::params::VolumeRef,
    level: Level,
    expire: Option<Expire>,
}

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[
        DB.spec,
        VOLUME.id.spec,
        VOLUME.name.spec,
        LEVEL.spec,
        EXPIRE.spec,
    ];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            level: p.get(&LEVEL)?,
            expire: p.opt(&EXPIRE)?,
            db_name: p.get(&DB)?,
            volume: VOLUME.read(p)?,
        })
    }
}

impl Job for DbBackupStart {
    const NAME: &'static str = "db_backup_start";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Start a backup of a running database into an archive volume. Returns at once; follow it with db_backup_progress.",
        allowed_groups: DB_GROUPS,
        effect: Effect::Operation,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let db = ctx.services.database(&p.db_name)?;
        let volume = ctx.services.volume(&p.volume)?;
        // A bid is claimed on the volume only for a start that will not be refused, so
        // refusals neither use up bids nor leave claims; the supervisor decides again under
        // its lock (and words the refusal).
        let bid = match likely_to_start(ctx, &db, &volume, p.level.0)? {
            true => Some(bids::claim_next(ctx.services, &volume, &db.name).await?),
            false => None,
        };
        ctx.services.backups.start_backup(BackupRequest {
            db,
            volume,
            level: p.level.0,
            expire: p.expire,
            bid,
            job_id: ctx.job_id.to_owned(),
        })?;
        Ok(NoOutput)
    }
}

/// The supervisor's checks, read without its lock: running, idle, and a base for level N.
fn likely_to_start(
    ctx: &Context<'_>,
    db: &DatabaseRecord,
    volume: &VolumeRecord,
    level: u8,
) -> Result<bool, JobError> {
    if db.state != DbState::Running || ctx.services.backups.running(&db.name).is_some() {
        return Ok(false);
    }
    let backups = ctx.services.catalog.backups()?;
    Ok(level == 0 || chain::base_for(&backups, &db.name, volume.id, level).is_some())
}
