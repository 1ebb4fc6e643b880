//! `--watch`: redraw `db_backup_progress` as one line every 0.5 s until the operation ends.
//!
//! Plain `\r` redrawing, no extra crate: the line is short, and indicatif would add a
//! dependency for a single bar. The job's output keys are spec 3.4's (`Progress`,
//! `Comment`, ...) plus confd-rs's `Bytes done`, `Bytes total`, `Rate MB/s`, `ETA seconds`.

use std::io::Write;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::transport::Client;
use crate::{Failure, job_output};

const BAR_WIDTH: usize = 30;
const POLL: Duration = Duration::from_millis(500);

pub fn watch(
    client: &Client,
    params: &Map<String, Value>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let mut previous: usize = 0;
    loop {
        let call = vec![json!("db_backup_progress"), json!({ "params": params })];
        let output = job_output(client.call("job_exec", call)?)?.unwrap_or(Value::Null);
        let line = progress_line(&output);
        let len = line.chars().count();
        // Pad with spaces so a shorter line fully covers the previous one.
        write!(out, "\r{line}{}", " ".repeat(previous.saturating_sub(len)))?;
        out.flush()?;
        previous = len;
        if !is_running(&output) {
            writeln!(out)?;
            return Ok(());
        }
        std::thread::sleep(POLL);
    }
}

/// The operation goes on while its Comment says so ("Backup has been started",
/// "Restore is active"); any other text (finished, failed, aborted) ends the watch.
pub fn is_running(output: &Value) -> bool {
    let comment = output
        .get("Comment")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_lowercase();
    comment.contains("started") || comment.contains("active")
}

fn number(output: &Value, key: &str) -> Option<f64> {
    output.get(key).and_then(Value::as_f64)
}

pub fn progress_line(output: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(p) = number(output, "Progress") {
        let pct = p.clamp(0.0, 100.0);
        let filled = (pct / 100.0 * BAR_WIDTH as f64).round() as usize;
        parts.push(format!(
            "[{}{}] {pct:>3.0}%",
            "#".repeat(filled),
            ".".repeat(BAR_WIDTH - filled)
        ));
    }
    match (number(output, "Bytes done"), number(output, "Bytes total")) {
        (Some(done), Some(total)) => parts.push(format!("{} / {}", mib(done), mib(total))),
        (Some(done), None) => parts.push(mib(done)),
        _ => {}
    }
    if let Some(rate) = number(output, "Rate MB/s") {
        parts.push(format!("{rate:.1} MB/s"));
    }
    if let Some(eta) = number(output, "ETA seconds") {
        parts.push(format!("ETA {eta:.0} s"));
    }
    if let Some(comment) = output.get("Comment").and_then(Value::as_str) {
        parts.push(comment.to_string());
    }
    if parts.is_empty() {
        return "no backup or restore has run".into();
    }
    parts.join("  ")
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shows_every_known_field() {
        let v = json!({"Progress": 40, "Bytes done": 41943040, "Bytes total": 104857600, "Rate MB/s": 12.34,
                       "ETA seconds": 5, "Comment": "Backup is active", "Type": "Backup"});
        assert_eq!(
            progress_line(&v),
            "[############..................]  40%  40.0 MiB / 100.0 MiB  12.3 MB/s  ETA 5 s  Backup is active"
        );
        assert!(is_running(&v));
    }

    #[test]
    fn finished_or_empty_output_stops() {
        let done = json!({"Progress": 100, "Comment": "Backup has been successfully finished"});
        assert!(!is_running(&done));
        assert!(progress_line(&done).starts_with("[##############################] 100%"));
        assert!(is_running(&json!({"Comment": "Restore has been started"})));
        assert!(!is_running(&Value::Null));
        assert_eq!(progress_line(&Value::Null), "no backup or restore has run");
    }
}
