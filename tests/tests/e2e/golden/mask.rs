//! Masking: the values that change from run to run become placeholders.

/// Replaces the values that change from run to run with placeholders:
///
/// - the daemon's temporary state directory (in data paths, volume paths and URLs)
///   becomes `<STATE_DIR>`;
/// - `YYYY-MM-DD HH:MM[:SS]` (backup `timestamp`, `expire` one week from now) becomes
///   `<DATETIME>`;
/// - a run of exactly 12 digits, a backup's `ts` `YYYYMMDDHHMM` (also inside `path` and
///   `id`), becomes `<TS>`;
/// - the number after the markers in [`VOLATILE_NUMBERS`] (job IDs, which count the
///   polling calls, and the backup rate, bytes over wall-clock seconds) keeps its shape
///   but each run of digits becomes `#`: `1.23` reads `#.#`, so a float that became an
///   integer still shows.
///
/// Byte counts are not masked: the demo data is generated deterministically and each
/// chunk is compressed on its own, so data objects have the same size in every run
/// (`Bytes done` too). Only the compressed manifests vary, by tens of bytes, as they hold
/// mtimes and inodes; `usage` (0.005 GiB, GiB with 3 decimals) and `used` (5.1 MiB,
/// 0.1 MiB steps) round that away, both lying tens of KB or more from a rounding step.
pub(super) fn mask(text: &str, state_dir: &str) -> String {
    let mut text = text.replace(state_dir, "<STATE_DIR>");
    for marker in VOLATILE_NUMBERS {
        text = mask_number_after(&text, marker);
    }
    mask_dates(&text)
}

/// Text right before a volatile number, in each of the three formats.
const VOLATILE_NUMBERS: &[&str] = &[
    // XML-RPC
    "<name>result_jobid</name><value><string>",
    "<name>Rate MB/s</name><value><double>",
    // confd_client YAML
    "Rate MB/s: ",
    // REST JSON
    "\"rateMbS\":",
];

/// After each `marker`, replaces every digit run of the number (digits and dots) by `#`.
fn mask_number_after(text: &str, marker: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (before, after) = rest.split_at(at + marker.len());
        out.push_str(before);
        let end = after
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(after.len());
        let shape: Vec<&str> = after[..end]
            .split('.')
            .map(|digits| if digits.is_empty() { "" } else { "#" })
            .collect();
        out.push_str(&shape.join("."));
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Date shapes (`9` stands for a digit) and their placeholders, longest first.
const DATE_SHAPES: &[(&str, &str)] = &[
    ("9999-99-99 99:99:99", "<DATETIME>"),
    ("9999-99-99 99:99", "<DATETIME>"),
    ("999999999999", "<TS>"),
];

/// Replaces text of a [`DATE_SHAPES`] shape that is not part of a longer digit run.
fn mask_dates(text: &str) -> String {
    let bytes = text.as_bytes();
    let digit_at = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let starts_run = digit_at(i) && (i == 0 || !digit_at(i - 1));
        let found = DATE_SHAPES.iter().find(|(shape, _)| {
            let shape = shape.as_bytes();
            starts_run
                && bytes.len() >= i + shape.len()
                && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                    b'9' => b.is_ascii_digit(),
                    _ => s == b,
                })
                && !digit_at(i + shape.len())
        });
        match found {
            Some((shape, placeholder)) => {
                out.push_str(&text[copied..i]);
                out.push_str(placeholder);
                i += shape.len();
                copied = i;
            }
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

#[test]
fn mask_hides_only_the_volatile_values() {
    let masked = mask(
        "<name>result_jobid</name><value><string>1.23</string></value>\
         <name>ts</name><value><string>202612011530</string></value>\
         /state-dir/volumes backup_202612011530 2026-12-01 15:30 at 2026-12-01 15:30:07\n\
         Rate MB/s: 12.5\n\"rateMbS\":3,\"bytesDone\":8388608,\"n\":1234567890123",
        "/state-dir",
    );
    assert_eq!(
        masked,
        "<name>result_jobid</name><value><string>#.#</string></value>\
         <name>ts</name><value><string><TS></string></value>\
         <STATE_DIR>/volumes backup_<TS> <DATETIME> at <DATETIME>\n\
         Rate MB/s: #.#\n\"rateMbS\":#,\"bytesDone\":8388608,\"n\":1234567890123"
    );
}
