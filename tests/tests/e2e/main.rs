//! End-to-end suites: the daemon in-process, driven by real clients (Python
//! `xmlrpc.client` and `urllib.request`, curl, the `python-examples/` programs).
//! `confd_client` has its own suite in `client/tests/cli.rs`.

mod backup;
mod bad_input;
mod monitoring;
mod python_examples;
mod rest;
mod xmlrpc;
