//! `held_confd STATE_DIR`: the test daemon in a process of its own, whose next restore is
//! held after its second chunk, so a test can SIGKILL it while the restore certainly runs
//! (the hardening suite's kill -9 fault). Prints the XML-RPC and REST URLs on one line,
//! then `held` once the restore is held, then waits to be killed.

// A test tool that cannot set up should stop loudly.
#![allow(clippy::expect_used)]

use std::io::Write as _;
use std::path::PathBuf;

use confd_tests::{Pause, PausePoint, TestDaemon};

fn main() {
    let state = PathBuf::from(
        std::env::args_os()
            .nth(1)
            .expect("usage: held_confd STATE_DIR"),
    );
    let d = TestDaemon::start_in(&state, |_| {});
    let gate = d.pause(Pause::restore(PausePoint::AfterChunks(2)));
    let mut out = std::io::stdout().lock();
    writeln!(out, "{} {}", d.xmlrpc_url(), d.rest_url()).expect("stdout");
    out.flush().expect("stdout");
    gate.wait_reached();
    writeln!(out, "held").expect("stdout");
    out.flush().expect("stdout");
    loop {
        std::thread::park();
    }
}
