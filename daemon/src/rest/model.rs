//! Request and response bodies of the Administration API (camelCase JSON). Bodies reject
//! unknown fields; values are checked by the jobs, not here.

use confd_jobs::job::db_backup_list::BackupEntry;
use confd_jobs::job::db_info::DatabaseInfo;
use confd_jobs::job::volume_view::{LocalVolumeView, RemoteVolumeView};
use confd_jobs::supervisor::ProgressView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A database in the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatabaseSummary {
    /// Database ID (its name).
    #[schema(example = "MY_DATABASE")]
    pub id: String,
    /// Database name.
    #[schema(example = "MY_DATABASE")]
    pub name: String,
    /// Database version.
    #[schema(example = "2025.2.0")]
    pub version: String,
    /// `running` or `setup` (stopped).
    #[schema(example = "running")]
    pub state: String,
    /// Number of active nodes.
    #[schema(example = 4)]
    pub num_nodes: u64,
}

/// One database.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Database {
    /// What the list shows of it.
    #[serde(flatten)]
    pub summary: DatabaseSummary,
    /// Directory holding the database's node directories.
    pub data_path: String,
}

impl From<DatabaseInfo> for Database {
    fn from(info: DatabaseInfo) -> Self {
        Database {
            summary: DatabaseSummary {
                id: info.name.clone(),
                name: info.name,
                version: info.version,
                state: info.state.to_owned(),
                num_nodes: u64::from(info.config.num_active_nodes),
            },
            data_path: info.data_path,
        }
    }
}

/// The answer of an action: the ID of the ConfD job that carried it out.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobStarted {
    /// Job ID, `<epoch>.<seq>`; `job_info` over XML-RPC shows its record.
    #[schema(example = "1.7")]
    pub job_id: String,
}

/// An archive volume a database can write backups to.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    /// Volume ID (remote volumes above 10000).
    #[schema(example = 10001)]
    pub id: u64,
    /// Volume name.
    #[schema(example = "r0001")]
    pub name: String,
    /// `remote` or `local`.
    #[serde(rename = "type")]
    #[schema(example = "remote")]
    pub kind: String,
    /// Remote volume type (`file`, `s3`); `archive` for local archive volumes.
    #[schema(example = "file")]
    pub vol_type: String,
    /// Location of the volume.
    #[schema(example = "file:///var/lib/confd/remote/r0001")]
    pub url: String,
}

impl From<RemoteVolumeView> for Volume {
    fn from(v: RemoteVolumeView) -> Self {
        Volume {
            id: u64::from(v.volume_id),
            name: v.name,
            kind: "remote".into(),
            vol_type: v.vol_type,
            url: v.url,
        }
    }
}

impl From<LocalVolumeView<u64>> for Volume {
    fn from(v: LocalVolumeView<u64>) -> Self {
        Volume {
            id: u64::from(v.volume_id),
            name: v.name,
            kind: "local".into(),
            vol_type: v.kind.to_ascii_lowercase(),
            url: format!("file://{}", v.path),
        }
    }
}

/// Body of `POST /api/v1/databases/{id}/volumes`: the parameters of `remote_volume_add`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddVolume {
    /// Volume type: `file` or `s3`.
    #[schema(example = "file")]
    pub vol_type: String,
    /// `file:///dir` or `http[s]://host[:port]/bucket[/prefix]`.
    #[schema(example = "file:///srv/backup")]
    pub url: String,
    /// Name; `r%04d` of (ID - 10000) if omitted.
    pub remote_volume_name: Option<String>,
    /// ID above 10000; allocated if omitted.
    pub remote_volume_id: Option<i64>,
    /// User name or S3 access key ID.
    pub username: Option<String>,
    /// Password or S3 secret key (never stored in job records or logs).
    pub password: Option<String>,
    /// Options: `nocompression`, `noverifypeer`, `timeout=<s>`, ...
    pub options: Option<Vec<String>>,
}

/// Answer of `POST /api/v1/databases/{id}/volumes`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VolumeAdded {
    /// Job ID of `remote_volume_add`.
    #[schema(example = "1.8")]
    pub job_id: String,
    /// Name of the new volume.
    #[schema(example = "r0002")]
    pub name: String,
}

/// A backup, as `db_backup_list` shows it (keys in camelCase).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    /// Backup number, increasing per database.
    #[schema(example = 1)]
    pub bid: u64,
    /// Comment, usually empty.
    pub comment: String,
    /// `-` for level 0, else the `bid` this backup depends on.
    #[schema(example = "-")]
    pub dependencies: String,
    /// Expiry `YYYY-MM-DD HH:MM`, empty for never.
    pub expire: String,
    /// `<volume_id> <system>/id_<bid>/level_<n>`: input for changing the expiry.
    pub expire_alterable: String,
    /// True once the expiry time has passed.
    pub expired: bool,
    /// `<volume_id> <path> <system>`: the backup ID for restore and delete.
    #[schema(example = "10001 MY_DATABASE/id_1/level_0/node_0/backup_202611251030 MY_DATABASE")]
    pub id: String,
    /// True on the last entry of the list.
    pub last_item: bool,
    /// Level, 0 = full.
    pub level: u8,
    /// `<system>/id_<bid>/level_<n>/node_0/backup_<YYYYMMDDHHMM>`.
    pub path: String,
    /// Database the backup was taken from.
    pub system: String,
    /// `YYYY-MM-DD HH:MM`.
    pub timestamp: String,
    /// `YYYYMMDDHHMM`.
    pub ts: String,
    /// True when the backup can be restored.
    pub usable: bool,
    /// Size, e.g. `0.011 GiB`.
    pub usage: String,
    /// Archive volume name.
    pub volume: String,
    /// Last verify, `YYYY-MM-DD HH:MM ok` or `... damaged`; absent until one ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "2026-11-25 12:30 ok")]
    pub verified: Option<String>,
}

impl From<BackupEntry> for Backup {
    fn from(b: BackupEntry) -> Self {
        Backup {
            bid: b.bid,
            comment: b.comment,
            dependencies: b.dependencies,
            expire: b.expire,
            expire_alterable: b.expire_alterable,
            expired: b.expired,
            id: b.id,
            last_item: b.last_item,
            level: b.level,
            path: b.path,
            system: b.system,
            timestamp: b.timestamp,
            ts: b.ts,
            usable: b.usable,
            usage: b.usage,
            volume: b.volume,
            verified: b.verified,
        }
    }
}

/// Progress of the running or last backup or restore (`db_backup_progress`, keys in
/// camelCase).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Free text, e.g. `Backup is active`.
    pub comment: String,
    /// Files being written or read.
    pub files: Vec<String>,
    /// Level of the backup.
    pub level: u8,
    /// Backup path.
    pub name: String,
    /// Percent done, 0..100.
    pub progress: u8,
    /// `Backup` or `Restore`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Archive volume ID.
    pub volume_id: u32,
    /// Bytes done so far.
    pub bytes_done: u64,
    /// Bytes in total.
    pub bytes_total: u64,
    /// Current rate in MB/s.
    pub rate_mb_s: f64,
    /// Estimated seconds left; `null` while unknown.
    pub eta_seconds: Option<u64>,
    /// Phase of the operation.
    pub phase: String,
}

impl From<ProgressView> for Progress {
    fn from(p: ProgressView) -> Self {
        Progress {
            comment: p.comment,
            files: p.files,
            level: p.level,
            name: p.name,
            progress: p.progress,
            kind: p.kind.to_owned(),
            volume_id: p.volume_id,
            bytes_done: p.bytes_done,
            bytes_total: p.bytes_total,
            rate_mb_s: p.rate_mb_s,
            eta_seconds: p.eta_seconds,
            phase: p.phase.to_owned(),
        }
    }
}

/// Body of `PUT .../backups/start`: the parameters of `db_backup_start`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(example = json!({"backupVolumeId": 10001, "backupVolumeName": "r0001", "level": 0, "expire": "1w"}))]
pub struct StartBackup {
    /// Archive volume ID; wins over `backupVolumeName` when both are given.
    pub backup_volume_id: Option<i64>,
    /// Archive volume name.
    pub backup_volume_name: Option<String>,
    /// 0 = full, 1..9 = incremental.
    pub level: i64,
    /// `#m #w #d #h`, e.g. `1w 3d`; absent = never expires.
    pub expire: Option<String>,
}

/// Body of `POST .../backups/bulk_delete`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteBackups {
    /// Backup IDs as `GET .../backups` shows them (key `id`).
    pub backup_ids: Vec<String>,
}

/// Body of `PUT .../backups/restore`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Restore {
    /// Backup ID as `GET .../backups` shows it (key `id`).
    pub backup_id: String,
    /// `blocking` (default), `nonblocking` or `virtual access`.
    pub restore_type: Option<String>,
}

/// Body of `PUT .../backups/expiration`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangeExpiration {
    /// Volume holding the backup; wins over `backupVolumeName`.
    pub backup_volume_id: Option<i64>,
    /// Volume name.
    pub backup_volume_name: Option<String>,
    /// `<db>/id_<n>/level_<n>`: the second word of `expireAlterable`.
    #[schema(example = "MY_DATABASE/id_1/level_0")]
    pub backup_files: String,
    /// `YYYY-MM-DD hh:mm:ss`; empty = never expires.
    #[schema(example = "2030-01-01 00:00:00")]
    pub expire_time: String,
}
