//! Records kept in the catalogue. Stored as JSON so that fields added later with
//! `#[serde(default)]` still read records written by an earlier version.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Lifecycle state of a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DbState {
    /// Up and serving; backups are allowed.
    Running,
    /// Stopped; restores are allowed.
    Setup,
    /// Being started.
    Starting,
    /// Being stopped.
    Stopping,
}

impl DbState {
    /// The lower-case word real ConfD prints (`running`, `setup`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            DbState::Running => "running",
            DbState::Setup => "setup",
            DbState::Starting => "starting",
            DbState::Stopping => "stopping",
        }
    }
}

/// A database: a data volume of one directory per node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseRecord {
    /// Name, also the REST `id`.
    pub name: String,
    /// Version string of the daemon that created it.
    pub version: String,
    /// Current state.
    pub state: DbState,
    /// Number of nodes (`node_0` .. `node_<n-1>`).
    pub nodes: u32,
    /// Directory holding the node directories.
    pub data_path: PathBuf,
    /// True when confd created `data_path` itself and may delete it with the database.
    pub owns_data: bool,
    /// Owner `[uid, gid]`.
    pub owner: (u32, u32),
    /// Creation time, unix seconds.
    pub created: i64,
    /// Set while a restore has not completed: the data may be partial, `db_start` refuses.
    #[serde(default)]
    pub data_incomplete: bool,
}

impl DatabaseRecord {
    /// Directory of node `k`.
    pub fn node_dir(&self, k: u32) -> PathBuf {
        self.data_path.join(format!("node_{k}"))
    }

    /// Directories of all nodes, node 0 first.
    pub fn node_dirs(&self) -> Vec<PathBuf> {
        (0..self.nodes).map(|k| self.node_dir(k)).collect()
    }
}

/// Where an archive volume keeps its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum VolumeLocation {
    /// A local archive volume: a directory managed by confd.
    Local {
        /// Directory of the volume.
        path: PathBuf,
        /// Size quota in bytes as created.
        size_bytes: u64,
    },
    /// A remote archive volume (`file` directory or `s3` bucket).
    Remote {
        /// `file` or `s3`.
        vol_type: String,
        /// `file:///path` or `http[s]://host[:port]/bucket[/prefix]`.
        url: String,
        /// User name or access key ID.
        username: Option<String>,
        /// Password or secret key. Never logged, never shown in clear.
        password: Option<String>,
    },
}

/// An archive volume, local (ID < 10000) or remote (ID > 10000).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeRecord {
    /// Volume ID, unique across local and remote volumes.
    pub id: u32,
    /// Volume name, unique across local and remote volumes.
    pub name: String,
    /// Where the data lives.
    pub location: VolumeLocation,
    /// Options (`nocompression`, `cleanvolume`, ...).
    #[serde(default)]
    pub options: Vec<String>,
    /// Free-form labels.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Owner `[uid, gid]`.
    pub owner: (u32, u32),
    /// Name of the owning user.
    pub owner_name: String,
    /// Creation time, unix seconds.
    pub created: i64,
}

impl VolumeRecord {
    /// True for `remote_volume_*` volumes.
    pub fn is_remote(&self) -> bool {
        matches!(self.location, VolumeLocation::Remote { .. })
    }

    /// True when the volume has the given option.
    pub fn has_option(&self, option: &str) -> bool {
        self.options.iter().any(|o| o == option)
    }
}

/// A user who may call jobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    /// Login name.
    pub name: String,
    /// Numeric user ID.
    pub uid: u32,
    /// Group names (`exaadm`, `root`, ...); the first is the primary group.
    pub groups: Vec<String>,
    /// Argon2 PHC string; never the password itself. Empty: no password login.
    pub password_hash: String,
    /// False: the user cannot log in at all.
    #[serde(default = "enabled")]
    pub login_enabled: bool,
    /// SSH keys (kept for `user_info`; this server has no SSH).
    #[serde(default)]
    pub authorized_keys: Vec<String>,
}

fn enabled() -> bool {
    true
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Accepted, not yet run.
    Submitted,
    /// Running.
    Executed,
    /// Done with a result (success or a job failure).
    Finished,
    /// Never produced a result (interrupted by a restart, internal panic).
    Failed,
}

/// Record of one job call: kept so `job_result`/`job_info` work after the call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    /// Daemon start counter.
    pub epoch: u64,
    /// Sequence number within the epoch.
    pub seq: u64,
    /// Job name as called.
    pub name: String,
    /// Calling user.
    pub user: String,
    /// Parameters with secrets removed.
    pub params: serde_json::Value,
    /// State.
    pub state: JobState,
    /// Result code (0 = success) once finished.
    pub result_code: Option<i32>,
    /// Result name once finished.
    pub result_name: Option<String>,
    /// Result description once finished.
    pub result_desc: Option<String>,
    /// Output, if the job has one.
    pub output: Option<serde_json::Value>,
    /// Configuration revision after a job that changed configuration.
    pub revision: Option<u64>,
    /// Submission time, unix milliseconds.
    pub submitted_ms: i64,
    /// Finish time, unix milliseconds.
    pub finished_ms: Option<i64>,
}

impl JobState {
    /// The word `job_info` shows.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Submitted => "submitted",
            JobState::Executed => "executed",
            JobState::Finished => "finished",
            JobState::Failed => "failed",
        }
    }
}

impl JobRecord {
    /// The ConfD job ID, `<epoch>.<seq>`.
    pub fn id(&self) -> String {
        format!("{}.{}", self.epoch, self.seq)
    }
}

/// A committed backup in the catalogue: where it is and its status marker (the volume is
/// the source of truth; this is the index of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackupRecord {
    /// Volume holding the backup.
    pub volume_id: u32,
    /// The backup's status marker as committed (expiry updated by change_expiration).
    pub marker: crate::archive::StatusMarker,
}

/// Backup, restore or verify. A new variant only adds a spelling, so records written
/// before it existed still read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationKind {
    /// Writing a backup.
    Backup,
    /// Restoring a backup into a database.
    Restore,
    /// Re-reading a backup and its chain and checking every hash (writes nothing).
    Verify,
}

/// The last completed verify of one backup (`db_backup_verify`). Kept in a tree of its
/// own, not on [`BackupRecord`], so rewrites of backup records (expiry changes, imports)
/// and verifies never overwrite each other's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRecord {
    /// Database of the backup.
    pub db: String,
    /// Backup id.
    pub bid: u64,
    /// When the verify ended, unix seconds.
    pub at: i64,
    /// Damaged files and objects found (0 = intact).
    pub damaged: u64,
    /// Job that ran it.
    pub job_id: String,
}

impl VerifyRecord {
    /// True when nothing was damaged.
    pub fn ok(&self) -> bool {
        self.damaged == 0
    }
}

/// Where an operation ended up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OperationState {
    /// In progress (or interrupted by a crash, until start-up recovery runs).
    Running,
    /// Completed successfully.
    Finished,
    /// Ended with an error.
    Failed,
    /// Cancelled by `db_backup_abort` (or shutdown).
    Aborted,
}

/// The last backup or restore of a database (one per database; what
/// `db_backup_progress` shows once the operation has ended).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationRecord {
    /// Database the operation works on.
    pub db: String,
    /// Backup, restore or verify.
    pub kind: OperationKind,
    /// State.
    pub state: OperationState,
    /// Backup written or read (for a restore: the newest backup of the chain).
    pub bid: u64,
    /// Its level.
    pub level: u8,
    /// Its volume.
    pub volume_id: u32,
    /// Its ConfD path (`<db>/id_<bid>/level_<n>/node_0/backup_<ts>`).
    pub name: String,
    /// Job that started it.
    pub job_id: String,
    /// Start, unix seconds.
    pub started: i64,
    /// End, unix seconds.
    pub finished: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Bytes the operation had to process.
    pub bytes_total: u64,
    /// Bytes processed when it ended.
    pub bytes_done: u64,
}

/// A backup schedule of a database (spec 3.5): which backup to start when its cron
/// fields match the wall clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRecord {
    /// Database it backs up.
    pub db: String,
    /// Schedule name, unique per database (`backup_name`).
    pub name: String,
    /// Target archive volume.
    pub volume_id: u32,
    /// Backup level.
    pub level: u8,
    /// Relative expiry of each backup, in seconds; `None` = never.
    pub expire_seconds: Option<i64>,
    /// The expiry as the user gave it (`1w`), for display.
    pub expire_text: Option<String>,
    /// Runs only while enabled.
    pub enabled: bool,
    /// Cron fields as given, after validation.
    pub cron: CronFields,
    /// The last time it fell due, and what happened.
    pub last_run: Option<ScheduleRun>,
}

/// The five cron fields of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CronFields {
    /// 0-59.
    pub minute: String,
    /// 0-23.
    pub hour: String,
    /// 1-31.
    pub day: String,
    /// 1-12.
    pub month: String,
    /// 0-7 (0 and 7 are Sunday).
    pub weekday: String,
}

/// One run of a schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleRun {
    /// When it fell due, unix seconds.
    pub at: i64,
    /// What happened.
    pub outcome: RunOutcome,
}

/// What became of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum RunOutcome {
    /// Waiting for another operation of the database to end.
    Queued,
    /// The backup runs (job ID).
    Running(String),
    /// The backup finished (job ID).
    Succeeded(String),
    /// Not started or failed, and why.
    Failed(String),
    /// Not started, and why (the database was not running).
    Skipped(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_records_written_before_verify_existed_still_read() {
        let old = r#"{"db":"MY_DATABASE","kind":"restore","state":"finished","bid":1,"level":0,
            "volume_id":10001,"name":"MY_DATABASE/id_1/level_0/node_0/backup_202611251208",
            "job_id":"1.4","started":1,"finished":2,"error":null,"bytes_total":5,"bytes_done":5}"#;
        let op: OperationRecord = serde_json::from_str(old).unwrap();
        assert_eq!(op.kind, OperationKind::Restore);
        let verify = OperationRecord {
            kind: OperationKind::Verify,
            ..op
        };
        let json = serde_json::to_string(&verify).unwrap();
        assert!(json.contains(r#""kind":"verify""#), "{json}");
        assert_eq!(
            serde_json::from_str::<OperationRecord>(&json).unwrap(),
            verify
        );
    }
}
