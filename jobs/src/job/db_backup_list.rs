//! `db_backup_list`: the backups of a database (spec 3.4), every key in its exact format.
//! Failed and aborted backups never reach the catalogue, so they are never listed.

use serde_json::{Value, json};

use confd_storage::records::BackupRecord;

use crate::backup_id;
use crate::chain;
use crate::error::JobError;
use crate::expiry::{format_minute, ts_to_timestamp};
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec};
use crate::params::{DB_NAME, FromParams, Param, ParamReader, ParamSpec};

/// The `db_backup_list` job.
pub struct DbBackupList;

/// Parameters of `db_backup_list`.
pub struct Params {
    db_name: String,
    show_foreign: bool,
}

/// `show_foreign`.
pub const SHOW_FOREIGN: Param<bool> = Param::optional(
    "show_foreign",
    "Also list backups of other databases found on the volumes.",
);

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[DB_NAME.spec, SHOW_FOREIGN.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            db_name: p.get(&DB_NAME)?,
            show_foreign: p.or(&SHOW_FOREIGN, false)?,
        })
    }
}

impl Job for DbBackupList {
    const NAME: &'static str = "db_backup_list";
    type Params = Params;
    type Output = Vec<Value>;

    const SPEC: JobSpec = JobSpec {
        description: "List the backups of a database with their IDs, levels, dependencies, expiry and usability.",
        allowed_groups: DB_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<Vec<Value>, JobError> {
        ctx.services.database(&p.db_name)?;
        let all = ctx.services.catalog.backups()?;
        let usable = chain::usable(&all);
        let volumes = ctx.services.catalog.volumes()?;
        let now = jiff::Timestamp::now().as_second();
        let mut shown: Vec<&BackupRecord> = all
            .iter()
            .filter(|b| p.show_foreign || b.marker.db == p.db_name)
            .collect();
        shown.sort_by(|a, b| {
            (a.marker.committed_at, &a.marker.db, a.marker.bid).cmp(&(
                b.marker.committed_at,
                &b.marker.db,
                b.marker.bid,
            ))
        });
        let count = shown.len();
        Ok(shown
            .into_iter()
            .enumerate()
            .map(|(i, b)| {
                let m = &b.marker;
                let volume = volumes.iter().find(|v| v.id == b.volume_id).map_or_else(|| b.volume_id.to_string(), |v| v.name.clone());
                json!({
                    "bid": m.bid,
                    "comment": "",
                    "dependencies": m.base_bid().map_or_else(|| "-".to_owned(), |bid| bid.to_string()),
                    "expire": m.expire.map(format_minute).unwrap_or_default(),
                    "expire_alterable": backup_id::expire_alterable(b.volume_id, m),
                    "expired": m.expire.is_some_and(|e| e <= now),
                    "id": backup_id::id(b.volume_id, m),
                    "last_item": i + 1 == count,
                    "level": m.level,
                    "path": backup_id::path(m),
                    "system": m.db,
                    "timestamp": ts_to_timestamp(&m.ts),
                    "ts": m.ts,
                    "usable": usable.contains(&chain::key(b)),
                    "usage": usage(b),
                    "volume": volume,
                })
            })
            .collect())
    }
}

/// Bytes the backup occupies on its volume, as `'0.011 GiB'`.
fn usage(b: &BackupRecord) -> String {
    format!(
        "{:.3} GiB",
        b.marker.stored_bytes() as f64 / f64::from(1u32 << 30)
    )
}
