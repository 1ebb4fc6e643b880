//! Request and response bodies of the Administration API (camelCase JSON). Bodies reject
//! unknown fields; values are checked by the jobs, not here.

use serde::{Deserialize, Serialize};
use serde_json::Value;
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
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Backup {
    /// Backup number, increasing per database.
    #[schema(example = 1)]
    pub bid: Value,
    /// Comment, usually empty.
    #[serde(default)]
    pub comment: String,
    /// `-` for level 0, else the `bid` this backup depends on.
    #[schema(example = "-")]
    pub dependencies: Value,
    /// Expiry `YYYY-MM-DD HH:MM`, empty for never.
    #[serde(default)]
    pub expire: String,
    /// `<volume_id> <system>/id_<bid>/level_<n>`: input for changing the expiry.
    #[serde(alias = "expire_alterable")]
    pub expire_alterable: String,
    /// True once the expiry time has passed.
    pub expired: bool,
    /// `<volume_id> <path> <system>`: the backup ID for restore and delete.
    #[schema(example = "10001 MY_DATABASE/id_1/level_0/node_0/backup_202611251030 MY_DATABASE")]
    pub id: String,
    /// True on the last entry of the list.
    #[serde(alias = "last_item")]
    pub last_item: bool,
    /// Level, 0 = full.
    pub level: i64,
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
}

/// Progress of the running or last backup or restore (`db_backup_progress`, keys in
/// camelCase; absent keys are `null`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Free text, e.g. `Backup is active`.
    #[serde(default, alias = "Comment")]
    pub comment: Option<String>,
    /// Files being written or read.
    #[serde(default, alias = "Files")]
    pub files: Option<Vec<Value>>,
    /// Level of the backup.
    #[serde(default, alias = "Level")]
    pub level: Option<i64>,
    /// Backup path.
    #[serde(default, alias = "Name")]
    pub name: Option<String>,
    /// Percent done, 0..100.
    #[serde(default, alias = "Progress")]
    pub progress: Option<i64>,
    /// `Backup` or `Restore`.
    #[serde(default, rename = "type", alias = "Type")]
    pub kind: Option<String>,
    /// Archive volume ID.
    #[serde(default, alias = "Volume ID")]
    pub volume_id: Option<i64>,
    /// Bytes done so far.
    #[serde(default, alias = "Bytes done")]
    pub bytes_done: Option<u64>,
    /// Bytes in total.
    #[serde(default, alias = "Bytes total")]
    pub bytes_total: Option<u64>,
    /// Current rate in MB/s.
    #[serde(default, alias = "Rate MB/s")]
    #[schema(value_type = Option<f64>)]
    pub rate_mb_s: Option<serde_json::Number>,
    /// Estimated seconds left.
    #[serde(default, alias = "ETA seconds")]
    #[schema(value_type = Option<f64>)]
    pub eta_seconds: Option<serde_json::Number>,
    /// Phase of the operation.
    #[serde(default, alias = "Phase")]
    pub phase: Option<String>,
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
