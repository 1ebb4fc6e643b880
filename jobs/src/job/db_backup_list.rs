//! `db_backup_list`: the backups of a database (spec 3.4), every key in its exact format.
//! Failed and aborted backups never reach the catalogue, so they are never listed.

use serde::Serialize;

use std::collections::HashMap;

use confd_storage::records::{BackupRecord, VerifyRecord, VolumeRecord};

use crate::backup_id;
use crate::chain;
use crate::error::JobError;
use crate::expiry::{format_minute, ts_to_timestamp};
use crate::job::{Context, DB_READ_GROUPS, Effect, Job, JobSpec};
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

/// One backup as `db_backup_list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BackupEntry {
    /// Backup number, increasing per database.
    pub bid: u64,
    /// Comment, always empty here.
    pub comment: String,
    /// `-` for level 0, else the `bid` this backup depends on.
    pub dependencies: String,
    /// Expiry `YYYY-MM-DD HH:MM`, empty for never.
    pub expire: String,
    /// `<volume_id> <db>/id_<bid>/level_<n>`: what `db_backup_change_expiration` takes.
    pub expire_alterable: String,
    /// True once the expiry has passed.
    pub expired: bool,
    /// `<volume_id> <path> <db>`: the ID restore and delete take.
    pub id: String,
    /// True on the last entry of the list.
    pub last_item: bool,
    /// Level, 0 = full.
    pub level: u8,
    /// `<db>/id_<bid>/level_<n>/node_0/backup_<ts>`.
    pub path: String,
    /// Database the backup was taken from.
    pub system: String,
    /// `YYYY-MM-DD HH:MM`.
    pub timestamp: String,
    /// `YYYYMMDDHHMM`.
    pub ts: String,
    /// True when the backup and its chain can be restored.
    pub usable: bool,
    /// Size on the volume, e.g. `0.011 GiB`.
    pub usage: String,
    /// Archive volume name.
    pub volume: String,
    /// The last verify (our extension): `YYYY-MM-DD HH:MM ok` or `... damaged`; absent
    /// until one ran, so lists without verifies read as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<String>,
    /// Nodes the backup was taken from (for edges that list its objects).
    #[serde(skip)]
    pub nodes: usize,
}

impl Job for DbBackupList {
    const NAME: &'static str = "db_backup_list";
    type Params = Params;
    type Output = Vec<BackupEntry>;

    const SPEC: JobSpec = JobSpec {
        description: "List the backups of a database with their IDs, levels, dependencies, expiry and usability.",
        allowed_groups: DB_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<Vec<BackupEntry>, JobError> {
        ctx.services.database(&p.db_name)?;
        crate::volume_import::refresh(ctx.services).await?;
        let all = ctx.services.catalog.backups()?;
        let usable = chain::usable(&all);
        let volumes = ctx.services.catalog.volumes()?;
        let verifies: HashMap<(String, u64), VerifyRecord> = ctx
            .services
            .catalog
            .verifies()?
            .into_iter()
            .map(|v| ((v.db.clone(), v.bid), v))
            .collect();
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
                Place {
                    usable: usable.contains(&chain::key(b)),
                    last_item: i + 1 == count,
                    verified: verifies.get(&chain::key(b)),
                }
                .entry(b, &volumes, now)
            })
            .collect())
    }
}

/// What the list as a whole says of one backup.
struct Place<'a> {
    usable: bool,
    last_item: bool,
    verified: Option<&'a VerifyRecord>,
}

impl Place<'_> {
    fn entry(self, b: &BackupRecord, volumes: &[VolumeRecord], now: i64) -> BackupEntry {
        let m = &b.marker;
        BackupEntry {
            bid: m.bid,
            comment: String::new(),
            dependencies: m
                .base_bid()
                .map_or_else(|| "-".to_owned(), |bid| bid.to_string()),
            expire: m.expire.map(format_minute).unwrap_or_default(),
            expire_alterable: backup_id::expire_alterable(b.volume_id, m),
            expired: m.expire.is_some_and(|e| e <= now),
            id: backup_id::id(b.volume_id, m),
            last_item: self.last_item,
            level: m.level,
            path: backup_id::path(m),
            system: m.db.clone(),
            timestamp: ts_to_timestamp(&m.ts),
            ts: m.ts.clone(),
            usable: self.usable,
            usage: usage(b),
            volume: volumes
                .iter()
                .find(|v| v.id == b.volume_id)
                .map_or_else(|| b.volume_id.to_string(), |v| v.name.clone()),
            nodes: m.nodes,
            verified: self.verified.map(|v| {
                let word = if v.ok() { "ok" } else { "damaged" };
                format!("{} {word}", format_minute(v.at))
            }),
        }
    }
}

/// Bytes the backup occupies on its volume, as `'0.011 GiB'`.
fn usage(b: &BackupRecord) -> String {
    format!(
        "{:.3} GiB",
        b.marker.stored_bytes() as f64 / f64::from(1u32 << 30)
    )
}
