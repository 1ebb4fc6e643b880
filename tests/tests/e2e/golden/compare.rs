//! Comparing masked outputs with the golden files, or rewriting them.

use std::path::{Path, PathBuf};

use super::mask::mask;

/// Compares masked outputs with `golden/<file>` (or rewrites the files when
/// `UPDATE_GOLDEN=1`), collecting every mismatch so one run reports them all.
pub(super) struct Golden {
    dir: PathBuf,
    state_dir: String,
    update: bool,
    failures: Vec<String>,
}

impl Golden {
    pub(super) fn new(state_dir: &Path) -> Self {
        Golden {
            dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/golden"),
            state_dir: state_dir.display().to_string(),
            update: std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1"),
            failures: Vec::new(),
        }
    }

    pub(super) fn check(&mut self, file: &str, live: &str) {
        let live = mask(live, &self.state_dir);
        let path = self.dir.join(file);
        if self.update {
            std::fs::create_dir_all(&self.dir).unwrap();
            std::fs::write(&path, &live).unwrap();
            return;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == live => {}
            Ok(expected) => self.failures.push(format!(
                "tests/tests/e2e/golden/{file} differs:\n{}",
                first_difference(&expected, &live)
            )),
            Err(e) => self.failures.push(format!(
                "tests/tests/e2e/golden/{file}: {e}; live output:\n{live}"
            )),
        }
    }

    pub(super) fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} output(s) differ from the golden files (re-record with UPDATE_GOLDEN=1 \
             only if the change is intended):\n\n{}",
            self.failures.len(),
            self.failures.join("\n\n")
        );
    }
}

/// The first differing line with two lines of context before it; long lines (XML, JSON
/// are one line each) are cut to a window around the first differing character.
fn first_difference(expected: &str, live: &str) -> String {
    let expected_lines: Vec<&str> = expected.split('\n').collect();
    let live_lines: Vec<&str> = live.split('\n').collect();
    let n = expected_lines
        .iter()
        .zip(&live_lines)
        .take_while(|(e, l)| e == l)
        .count();
    let mut report = String::new();
    for line in &expected_lines[n.saturating_sub(2)..n] {
        report.push_str(&format!("    {}\n", window(line, 0)));
    }
    let (e, l) = (expected_lines.get(n).copied(), live_lines.get(n).copied());
    let column = match (e, l) {
        (Some(e), Some(l)) => e
            .char_indices()
            .zip(l.chars())
            .find(|((_, a), b)| a != b)
            .map_or(e.len().min(l.len()), |((i, _), _)| i),
        _ => 0,
    };
    let show = |line: Option<&str>| line.map_or("<end of file>".to_owned(), |s| window(s, column));
    report.push_str(&format!(
        "line {}, column {}:\n  - expected: {}\n  + live:     {}",
        n + 1,
        column + 1,
        show(e),
        show(l)
    ));
    report
}

/// `line`, or 100 characters of it around byte `column` when it is longer.
fn window(line: &str, column: usize) -> String {
    const WIDTH: usize = 100;
    if line.len() <= WIDTH {
        return line.to_owned();
    }
    let mut start = column.saturating_sub(WIDTH / 2).min(line.len() - WIDTH);
    while !line.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (start + WIDTH).min(line.len());
    while !line.is_char_boundary(end) {
        end += 1;
    }
    let before = if start > 0 { "..." } else { "" };
    let after = if end < line.len() { "..." } else { "" };
    format!("{before}{}{after}", &line[start..end])
}
