//! ConfD's vocabulary on top of `confd-storage`: the [`Job`] trait, one file per job under
//! [`job`], the one [`registry`] list, typed parameters parsed once ([`params`]), the one
//! table of result codes ([`result_code`]) and the [`Dispatcher`] that gives every call a
//! job ID and a job record.
//!
//! This crate never imports `dxr`, `axum` or `hyper`: XML-RPC and REST are edges in
//! `confd-daemon`, and both feed the same [`Dispatcher`].
//!
//! Adding a job (ARCHITECTURE.md walks it with `db_backup_list`):
//! 1. write `src/job/<job_name>.rs` with a unit struct, a [`params::Param`] constant per
//!    parameter, its `Params` (implementing [`params::FromParams`], whose `PARAMS` list is
//!    the job's spec), a named output type (`#[derive(Serialize)]`, fields named like the
//!    wire keys) and `impl Job` (name, `SPEC`, `run`);
//! 2. declare the module in `src/job/mod.rs`;
//! 3. add one `.add::<YourJob>()` line in [`registry::registry`];
//! 4. add tests beside the job (rules) and, for new output shapes, an end-to-end test;
//! 5. `cargo test -p confd-jobs` runs the registry-wide checks over the list, among them
//!    that the parameter list and the parser agree both ways.

pub mod auth;
pub mod backup_id;
pub mod bids;
pub mod certificates;
pub mod chain;
pub mod client_settings;
pub mod dispatch;
pub mod echo;
pub mod error;
pub mod expiry;
pub mod groups;
pub mod job;
pub mod params;
pub mod recovery;
pub mod registry;
pub mod result_code;
pub mod schedule;
pub mod services;
pub mod stats;
pub mod supervisor;
pub mod units;
pub mod volume_import;

pub use dispatch::{Dispatcher, JobOutcome};
pub use error::JobError;
pub use job::{Caller, Context, Job, JobSpec};
pub use result_code::ResultCode;
pub use services::Services;
