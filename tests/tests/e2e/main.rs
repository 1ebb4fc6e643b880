//! End-to-end suites: the daemon in-process, driven by real clients (Python
//! `xmlrpc.client` and `urllib.request`, curl, the `python-examples/` programs).
//! `confd_client` has its own suite in `client/tests/cli.rs`; `golden` records what it
//! prints for the backup jobs, next to the XML-RPC and REST bodies.

// Helpers of a test binary may panic: a failed set-up must stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod backup;
mod bad_input;
mod cert_update;
mod compression;
mod failed_backup;
mod golden;
mod hardening;
mod hostile;
mod legacy;
mod monitoring;
mod pause;
mod python_examples;
mod rest;
mod restore;
mod s3;
mod schedules;
mod shared_volume;
mod users;
mod verify;
mod volumes;
mod xmlrpc;
