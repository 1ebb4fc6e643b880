//! The hardening suite (issue 11, point 6): load, faults and hostile input against the
//! real daemon over loopback, bounded in time so it runs in CI. The figures it prints
//! (eprintln, so they show with or without `--nocapture`) are not pass criteria.
//!
//! - [`load`]: 16 clients poll over XML-RPC and REST while a large level-0 backup runs;
//! - [`faults`]: a fault lands while a backup is held at a pause point (read-only
//!   volume, full disk, volume directory gone, data file gone or truncated);
//! - [`kill`]: SIGKILL of a daemon process while its restore is held;
//! - [`hostile_input`]: a corpus of hand-written classes and a proptest over XML-RPC,
//!   job parameters, REST bodies, paths and headers. Idle and slow connections and the
//!   connection cap are covered in `hostile.rs`.

mod corpus;
mod driver;
mod faults;
mod generated;
mod hostile_input;
mod kill;
mod load;
mod volume;

/// Writes a figure line straight to the process's stderr: the test harness captures
/// `eprintln!` of passing tests, and the figures are wanted from every run.
fn figure(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{}", text.trim_end());
}
