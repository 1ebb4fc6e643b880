//! `db_backup_start`: start a backup of a running database (spec 3.4). Returns at once,
//! without output; the backup runs in the background and is followed with
//! `db_backup_progress`. A level-N backup (N >= 1) needs a usable level N-1 backup of the
//! same database on the same volume; there is no silent fallback to level 0.

use crate::error::JobError;
use crate::expiry::{Expire, MAX_EXPIRE_SECONDS};
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec, NoOutput};
use crate::params::{FromParams, ParamReader, ParamSpec, ParamType, VolumeRef};
use crate::supervisor::BackupRequest;

/// The `db_backup_start` job.
pub struct DbBackupStart;

/// Parameters of `db_backup_start`.
pub struct Params {
    db_name: String,
    volume: VolumeRef,
    level: u8,
    expire: Option<Expire>,
}

impl FromParams for Params {
    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        let level = p.int("level")?;
        let level = u8::try_from(level)
            .ok()
            .filter(|l| *l <= 9)
            .ok_or_else(|| {
                JobError::invalid("level", format!("{level} is not a backup level 0..9"))
            })?;
        let expire = match p.value("expire") {
            // An integer is taken as seconds (schedules accept integers, spec 4.3).
            Some(serde_json::Value::Number(n)) => Some(Expire(
                n.as_i64().filter(|s| (1..=MAX_EXPIRE_SECONDS).contains(s)).ok_or_else(|| {
                    JobError::invalid("expire", format!("{n} is not a number of seconds between 1 and {MAX_EXPIRE_SECONDS} (100 years)"))
                })?,
            )),
            _ => p.opt_parse("expire")?,
        };
        Ok(Params {
            db_name: p.str("db_name")?,
            volume: VolumeRef::read(p, "backup_volume_id", "backup_volume_name")?,
            level,
            expire,
        })
    }
}

impl Job for DbBackupStart {
    const NAME: &'static str = "db_backup_start";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Start a backup of a running database into an archive volume. Returns at once; follow it with db_backup_progress.",
        params: &[
            ParamSpec::required("db_name", ParamType::Str, "Database to back up."),
            ParamSpec::required(
                "backup_volume_id",
                ParamType::Int,
                "ID of the archive volume (local or remote).",
            )
            .or("backup_volume_name"),
            ParamSpec::optional(
                "backup_volume_name",
                ParamType::Str,
                "Name of the archive volume (substitute; the ID wins when both are given).",
            ),
            ParamSpec::required(
                "level",
                ParamType::Int,
                "0 = full, 1..9 = incremental on the newest usable backup of level - 1.",
            ),
            ParamSpec::optional(
                "expire",
                ParamType::StrOrInt,
                "Expiry relative to now, '#w #d #h #m' (m = minutes), e.g. '1w 3d'; absent = never.",
            ),
        ],
        allowed_groups: DB_GROUPS,
        effect: Effect::Operation,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let db = ctx.services.database(&p.db_name)?;
        let volume = ctx.services.volume(&p.volume)?;
        ctx.services.backups.start_backup(BackupRequest {
            db,
            volume,
            level: p.level,
            expire: p.expire,
            job_id: ctx.job_id.to_owned(),
        })?;
        Ok(NoOutput)
    }
}
