//! The `db_backup_progress` structure: ConfD's keys (`Comment`, `Files`, `Level`, `Name`,
//! `Progress`, `Type`, `Volume ID`) plus ours (`Bytes done`, `Bytes total`, `Rate MB/s`,
//! `ETA seconds`, `Phase`), computed from atomics while running.

use confd_storage::engine::{Phase, ProgressSnapshot};
use confd_storage::records::{OperationKind, OperationRecord, OperationState};
use serde_json::{Value, json};

fn kind_word(kind: OperationKind) -> &'static str {
    match kind {
        OperationKind::Backup => "Backup",
        OperationKind::Restore => "Restore",
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
pub fn running(op: &OperationRecord, s: &ProgressSnapshot) -> Value {
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
    view(
        op,
        comment,
        percent,
        s.bytes_done,
        s.bytes_total,
        round1(s.rate_mb_s),
        s.eta_secs.map(Value::from).unwrap_or(Value::Null),
        phase_name(s.phase),
    )
}

/// An operation that has ended (or was interrupted by a restart).
pub fn ended(op: &OperationRecord) -> Value {
    let word = kind_word(op.kind);
    let (comment, percent) = match op.state {
        OperationState::Finished => (format!("{word} has been successfully finished"), 100),
        OperationState::Aborted => (format!("{word} has been aborted"), percent_of(op)),
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
    view(
        op,
        comment,
        percent,
        op.bytes_done,
        op.bytes_total,
        rate,
        Value::from(0),
        "Done",
    )
}

/// Before any backup or restore of the database (design 2).
pub fn nothing_ran() -> Value {
    json!({
        "Comment": "No backup or restore has run",
        "Files": [],
        "Level": 0,
        "Name": "",
        "Progress": 0,
        "Type": "",
        "Volume ID": 0,
        "Bytes done": 0,
        "Bytes total": 0,
        "Rate MB/s": 0.0,
        "ETA seconds": 0,
        "Phase": "",
    })
}

#[allow(clippy::too_many_arguments)]
fn view(
    op: &OperationRecord,
    comment: String,
    percent: u8,
    done: u64,
    total: u64,
    rate: f64,
    eta: Value,
    phase: &str,
) -> Value {
    json!({
        "Comment": comment,
        "Files": [],
        "Level": op.level,
        "Name": op.name,
        "Progress": percent,
        "Type": kind_word(op.kind),
        "Volume ID": op.volume_id,
        "Bytes done": done,
        "Bytes total": total,
        "Rate MB/s": rate,
        "ETA seconds": eta,
        "Phase": phase,
    })
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
