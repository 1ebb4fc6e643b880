//! The backup methods of the database object (reference: Service `Database`, and
//! example.md's `getBackupInfo`/`getBackupList`). Backups are `db_backup_list` entries;
//! what the legacy API shows beyond them (volume object names, the dependency chain as
//! backup IDs, the files of each node) is derived here from those entries.

use confd_jobs::job::db_backup_abort::DbBackupAbort;
use confd_jobs::job::db_backup_change_expiration::{
    BACKUP_FILES, DbBackupChangeExpiration, EXPIRE_TIME, VOLUME as EXPIRATION_VOLUME,
};
use confd_jobs::job::db_backup_delete_unusable::DbBackupDeleteUnusable;
use confd_jobs::job::db_backup_list::{BackupEntry, DbBackupList, SHOW_FOREIGN};
use confd_jobs::job::db_backup_start::{DbBackupStart, EXPIRE, LEVEL, VOLUME};
use confd_jobs::job::db_backups_delete::{BACKUP_LIST, DbBackupsDelete};
use confd_jobs::job::db_list::DbList;
use confd_jobs::job::db_restore::{BACKUP_ID, DbRestore, RESTORE_TYPE};
use confd_jobs::params::{CallParams, DB_NAME};
use dxr::{Fault, Value};
use serde_json::json;

use super::args::as_int;
use super::database::json_of;
use super::{Args, Ctx, strings, volumes};
use crate::xmlrpc::from_json;

/// Levels run 0..=9, so no chain is longer.
const MAX_CHAIN: usize = 10;

/// `db_backup_list` of database `db`.
pub async fn entries(cx: &Ctx<'_>, db: &str, foreign: bool) -> Result<Vec<BackupEntry>, Fault> {
    cx.run(
        CallParams::<DbBackupList>::new()
            .set(&DB_NAME, db)
            .set(&SHOW_FOREIGN, foreign),
    )
    .await
}

/// The object name of the volume holding `e` (`r0001`), else ConfD's volume name.
fn volume_object(e: &BackupEntry) -> String {
    volumes::object_name_of_backup(&e.id).unwrap_or_else(|| e.volume.clone())
}

/// `getBackups(show_all_databases=False, show_expired_backups=True)`: the entries of
/// `db_backup_list` in its order, `volume` as the volume's object name.
pub async fn list(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    let all_databases = args.flag(0, false)?;
    let show_expired = args.flag(1, true)?;
    let mut list = Vec::new();
    for e in entries(cx, cx.db()?, all_databases).await? {
        if e.expired && !show_expired {
            continue;
        }
        let mut v = json_of(&e)?;
        if let Some(map) = v.as_object_mut() {
            map.insert("volume".into(), volume_object(&e).into());
        }
        list.push(v);
    }
    Ok(from_json(&serde_json::Value::Array(list)))
}

/// `getBackupList`: `[[backup_id, archive_volume_id]]`, the 6.1 form.
pub async fn pairs(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let pairs: Vec<serde_json::Value> = entries(cx, cx.db()?, false)
        .await?
        .iter()
        .map(|e| json!([e.bid, volume_object(e)]))
        .collect();
    Ok(from_json(&serde_json::Value::Array(pairs)))
}

/// What `getBackupInfo`'s one argument selects.
enum Selector {
    /// A backup ID (`bid`).
    Bid(u64),
    /// `ts`, `YYYYMMDDHHMM`.
    Ts(String),
    /// `timestamp`, `YYYY-MM-DD HH:MM`.
    Timestamp(String),
    /// `(bid, volume)`: the volume by ID, object name or name.
    BidOn(u64, Value),
}

impl Selector {
    fn parse(args: &Args<'_>) -> Result<Self, Fault> {
        let bad = || {
            args.bad(
                0,
                "must be a backup ID, a timestamp or a tuple (backup ID, volume ID)",
            )
        };
        let bid = |v: &Value| as_int(v).and_then(|n| u64::try_from(n).ok());
        match args.get(0) {
            Some(Value::String(s)) if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Selector::Ts(s.clone()))
            }
            Some(Value::String(s)) if is_minute(s) => Ok(Selector::Timestamp(s.clone())),
            Some(Value::Array(pair)) => match &pair[..] {
                [b, volume] => Ok(Selector::BidOn(bid(b).ok_or_else(bad)?, volume.clone())),
                _ => Err(bad()),
            },
            Some(v) => bid(v).map(Selector::Bid).ok_or_else(bad),
            None => Err(bad()),
        }
    }

    fn matches(&self, e: &BackupEntry) -> bool {
        match self {
            Selector::Bid(bid) => e.bid == *bid,
            Selector::Ts(ts) => &e.ts == ts,
            Selector::Timestamp(t) => &e.timestamp == t,
            Selector::BidOn(bid, volume) => e.bid == *bid && on_volume(e, volume),
        }
    }
}

fn is_minute(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 16
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b' ',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

fn on_volume(e: &BackupEntry, volume: &Value) -> bool {
    let id = e.id.split(' ').next().unwrap_or_default();
    match (as_int(volume), volume) {
        (Some(n), _) => id == n.to_string(),
        (None, Value::String(s)) => s.to_ascii_lowercase() == volume_object(e) || *s == e.volume,
        _ => false,
    }
}

/// `getBackupInfo(timestamp)`: one backup of this database. `volume` lists every volume
/// holding a backup with this ID; `dependencies` the backup IDs of its whole base chain,
/// level 0 first; `files` the data and manifest objects of each node, sorted.
pub async fn info(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    let selector = Selector::parse(&args)?;
    let db = cx.db()?;
    let all = entries(cx, db, false).await?;
    let Some(e) = all.iter().find(|e| selector.matches(e)) else {
        return Err(args.bad(0, &format!("names no backup of database {db}")));
    };
    let mut holders: Vec<String> = all
        .iter()
        .filter(|o| o.bid == e.bid)
        .map(volume_object)
        .collect();
    holders.dedup();
    Ok(from_json(&json!({
        "bid": e.bid,
        "comment": e.comment,
        "dependencies": chain(e, &all),
        "expire date": e.expire,
        "expire_alterable": e.expire_alterable,
        "expired": e.expired,
        "files": files(e),
        "id": e.id,
        "level": e.level,
        "path": e.path,
        "system": e.system,
        "timestamp": e.timestamp,
        "ts": e.ts,
        "usable": e.usable,
        "usage": e.usage,
        "volume": holders,
    })))
}

/// The backup IDs `e` depends on, level 0 first.
fn chain(e: &BackupEntry, all: &[BackupEntry]) -> Vec<u64> {
    let volume = volume_object(e);
    let mut bids = Vec::new();
    let mut current = e;
    while bids.len() < MAX_CHAIN {
        let Ok(base) = current.dependencies.parse::<u64>() else {
            break;
        };
        bids.push(base);
        match all
            .iter()
            .find(|b| b.bid == base && volume_object(b) == volume)
        {
            Some(b) => current = b,
            None => break,
        }
    }
    bids.reverse();
    bids
}

/// The objects of backup `e`, one pair per node it was taken from:
/// `<files>/node_<k>/backup_<ts>` and `<files>/node_<k>/metadata_<ts>`.
pub fn files(e: &BackupEntry) -> Vec<String> {
    let prefix = e
        .expire_alterable
        .split_once(' ')
        .map_or(e.path.as_str(), |(_, files)| files);
    let mut files: Vec<String> = (0..e.nodes)
        .flat_map(|k| {
            [
                format!("{prefix}/node_{k}/backup_{}", e.ts),
                format!("{prefix}/node_{k}/metadata_{}", e.ts),
            ]
        })
        .collect();
    files.sort();
    files
}

/// `backupDatabase(volume, level, expire)`: `None` once the backup has started.
pub async fn start(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    let volume = volumes::resolve(cx, &args, 0).await?;
    let level = args.int(1)?;
    let expire = match args.get(2) {
        None => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(json!(s)),
        Some(v) => Some(json!(as_int(v).ok_or_else(|| {
            args.bad(2, "must be a string like '1w 3d' or seconds")
        })?)),
    };
    cx.run(
        CallParams::<DbBackupStart>::new()
            .set(&DB_NAME, cx.db()?)
            .set(&VOLUME.id, i64::from(volume.id))
            .set(&LEVEL, level)
            .set_opt(&EXPIRE, expire),
    )
    .await?;
    Ok(Value::Nil)
}

/// `abortBackup`.
pub async fn abort(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    cx.run(CallParams::<DbBackupAbort>::new().set(&DB_NAME, cx.db()?))
        .await?;
    Ok(Value::Nil)
}

/// `changeBackupExpiration(volume, backup_files, expire_time)`: seconds since the Epoch,
/// 0 for never (ConfD's legacy form of `expire_time`).
pub async fn change_expiration(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    let volume = volumes::resolve(cx, &args, 0).await?;
    let files = args.string(1)?;
    let expire_time = match args.get(2) {
        Some(Value::String(s)) => s.clone(),
        _ => args.int(2)?.to_string(),
    };
    cx.run(
        CallParams::<DbBackupChangeExpiration>::new()
            .set(&EXPIRATION_VOLUME.id, i64::from(volume.id))
            .set(&BACKUP_FILES, files)
            .set(&EXPIRE_TIME, json!(expire_time)),
    )
    .await?;
    Ok(Value::Nil)
}

/// `deleteBackups(backup_list)`.
pub async fn delete(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    let list = args.strings(0)?;
    cx.run(
        CallParams::<DbBackupsDelete>::new()
            .set(&DB_NAME, cx.db()?)
            .set(&BACKUP_LIST, list),
    )
    .await?;
    Ok(Value::Nil)
}

/// `deleteUnusableBackups(use_all_databases=False)`: the IDs deleted.
pub async fn delete_unusable(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    let dbs = if args.flag(0, false)? {
        cx.run(CallParams::<DbList>::new()).await?
    } else {
        vec![cx.db()?.to_owned()]
    };
    let mut deleted = Vec::new();
    for db in dbs {
        deleted.extend(
            cx.run(CallParams::<DbBackupDeleteUnusable>::new().set(&DB_NAME, db))
                .await?,
        );
    }
    Ok(strings(deleted))
}

/// `restoreDatabase(backup_id, restore_type)`: `None` once the restore has started.
pub async fn restore(cx: &Ctx<'_>, args: Args<'_>) -> Result<Value, Fault> {
    let id = args.string(0)?;
    let restore_type = args.string(1)?;
    cx.run(
        CallParams::<DbRestore>::new()
            .set(&DB_NAME, cx.db()?)
            .set(&BACKUP_ID, id)
            .set(&RESTORE_TYPE, restore_type),
    )
    .await?;
    Ok(Value::Nil)
}
