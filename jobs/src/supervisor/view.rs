//! The `db_backup_progress` structure: ConfD's keys (`Comment`, `Files`, `Level`, `Name`,
//! `Progress`, `Type`, `Volume ID`) plus ours (`Bytes done`, `Bytes total`, `Rate MB/s`,
//! `ETA seconds`, `Phase`), computed from atomics while running.

use confd_storage::engine::{Phase, ProgressSnapshot};
use confd_storage::records::{OperationKind, OperationRecord, OperationState};
use serde::Serialize;

/// What `db_backup_progress` shows; every ConfD key is spelled here and only here.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProgressView {
    /// `Backup is active`, `Restore has been successfully finished`, ...
    #[serde(rename = "Comment")]
    pub comment: String,
    /// Files being written or read; always empty here.
    #[serde(rename = "Files")]
    pub files: Vec<String>,
    /// Level of the backup.
    #[serde(rename = "Level")]
    pub level: u8,
    /// Backup path.
    #[serde(rename = "Name")]
    pub name: String,
    /// Percent done; 100 only once finished.
    #[serde(rename = "Progress")]
    pub progress: u8,
    /// `Backup`, `Restore` or `Verify`; empty before any ran.
    #[serde(rename = "Type")]
    pub kind: &'static str,
    /// Archive volume ID.
    #[serde(rename = "Volume ID")]
    pub volume_id: u32,
    /// Bytes done so far (our extension).
    #[serde(rename = "Bytes done")]
    pub bytes_done: u64,
    /// Bytes in total (our extension).
    #[serde(rename = "Bytes total")]
    pub bytes_total: u64,
    /// Current rate in MB/s, one decimal (our extension).
    #[serde(rename = "Rate MB/s")]
    pub rate_mb_s: f64,
    /// Estimated seconds left; `None` while unknown (our extension).
    #[serde(rename = "ETA seconds")]
    pub eta_seconds: Option<u64>,
    /// Phase of the operation (our extension).
    #[serde(rename = "Phase")]
    pub phase: &'static str,
}

fn kind_word(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::Backup => "Backup",
        OperationKind::Restore => "Restore",
        OperationKind::Verify => "Verify",
    }
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Pending => "Pending",
        Phase::Protect => "Protect",
        Phase::Read => "Read",
        Phase::Write => "Write",
        Phase::Validate => "Validate",
        Phase::Verify => "Verify",
        Phase::Unprotect => "Unprotect",
        Phase::CleanUp => "Clean-up",
        Phase::Done => "Done",
    }
}

/// A running operation.
pub fn running(op: &OperationRecord, s: &ProgressSnapshot) -> ProgressView {
    let word = kind_word(op.kind);
    let started =
        matches!(s.phase, Phase::Pending | Phase::Protect | Phase::Read) && s.bytes_done == 0;
    let comment = if started {
        format!("{word} has been started")
    } else {
        format!("{word} is active")
    };
    // 100 means "finished" (the record says so), never "the engine is done but the
    // clean-up stage still runs".
    let percent = s.percent.min(99);
    ProgressView {
        comment,
        progress: percent,
        bytes_done: s.bytes_done,
        bytes_total: s.bytes_total,
        rate_mb_s: round1(s.rate_mb_s),
        eta_seconds: s.eta_secs,
        phase: phase_name(s.phase),
        ..of_operation(op)
    }
}

/// An operation that has ended (or was interrupted by a restart).
pub fn ended(op: &OperationRecord) -> ProgressView {
    let word = kind_word(op.kind);
    let (comment, percent) = match op.state {
        OperationState::Finished => (format!("{word} has been successfully finished"), 100),
        OperationState::Aborted => match &op.error {
            // Why it stopped when it was not `db_backup_abort` (the daemon shut down).
            Some(why) => (format!("{word} has been aborted ({why})"), percent_of(op)),
            None => (format!("{word} has been aborted"), percent_of(op)),
        },
        OperationState::Failed => (
            format!(
                "{word} failed: {}",
                op.error.as_deref().unwrap_or("unknown error")
            ),
            percent_of(op),
        ),
        OperationState::Running => (
            format!("{word} failed: interrupted by daemon restart"),
            percent_of(op),
        ),
    };
    let seconds = op.finished.map_or(0, |f| (f - op.started).max(1));
    let rate = if seconds > 0 {
        round1(op.bytes_done as f64 / 1e6 / seconds as f64)
    } else {
        0.0
    };
    ProgressView {
        comment,
        progress: percent,
        rate_mb_s: rate,
        ..of_operation(op)
    }
}

/// Before any backup or restore of the database (design 2).
pub fn nothing_ran() -> ProgressView {
    ProgressView {
        comment: "No backup or restore has run".into(),
        files: Vec::new(),
        level: 0,
        name: String::new(),
        progress: 0,
        kind: "",
        volume_id: 0,
        bytes_done: 0,
        bytes_total: 0,
        rate_mb_s: 0.0,
        eta_seconds: Some(0),
        phase: "",
    }
}

/// What the operation record says; an ended operation's figures as they were last.
fn of_operation(op: &OperationRecord) -> ProgressView {
    ProgressView {
        comment: String::new(),
        files: Vec::new(),
        level: op.level,
        name: op.name.clone(),
        progress: 0,
        kind: kind_word(op.kind),
        volume_id: op.volume_id,
        bytes_done: op.bytes_done,
        bytes_total: op.bytes_total,
        rate_mb_s: 0.0,
        eta_seconds: Some(0),
        phase: "Done",
    }
}

fn percent_of(op: &OperationRecord) -> u8 {
    if op.bytes_total == 0 {
        return 0;
    }
    u8::try_from(
        (u128::from(op.bytes_done.min(op.bytes_total)) * 100 / u128::from(op.bytes_total)).min(99),
    )
    .unwrap_or(99)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}
