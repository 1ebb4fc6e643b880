//! The [`Job`] trait and one module per job, each named exactly like the job.

use std::future::Future;

use serde::Serialize;

use crate::error::JobError;
use crate::params::FromParams;
use crate::services::Services;

mod backup_lookup;
pub mod cert_update;
pub mod db_backup_abort;
pub mod db_backup_add_schedule;
pub mod db_backup_change_expiration;
pub mod db_backup_delete_unusable;
pub mod db_backup_list;
pub mod db_backup_modify_schedule;
pub mod db_backup_progress;
pub mod db_backup_remove_schedule;
pub mod db_backup_start;
pub mod db_backup_verify;
pub mod db_backups_delete;
pub mod db_create;
pub mod db_delete;
pub mod db_info;
pub mod db_list;
pub mod db_restore;
pub mod db_start;
pub mod db_state;
pub mod db_stop;
pub mod group_list;
pub mod remote_volume_add;
pub mod remote_volume_info;
pub mod remote_volume_list;
pub mod remote_volume_list_details;
pub mod remote_volume_remove;
pub mod remote_volume_state;
pub mod st_volume_create;
pub mod st_volume_delete;
pub mod st_volume_info;
pub mod st_volume_list;
pub mod user_create;
pub mod user_delete;
pub mod user_info;
pub mod user_list;
pub mod user_modify;
pub mod user_passwd;
pub mod volume_view;

/// What `job_help`/`job_desc` show besides the parameters (those come from the job's
/// [`FromParams::PARAMS`]), and what the dispatcher checks before running a job.
#[derive(Debug, Clone, Copy)]
pub struct JobSpec {
    /// One-paragraph description.
    pub description: &'static str,
    /// Groups whose members may run the job (`root` may run everything).
    pub allowed_groups: &'static [&'static str],
    /// What the job changes, which decides how durable its record must be.
    pub effect: Effect,
}

/// What a job changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Nothing: its job record is written without waiting for the disk.
    ReadOnly,
    /// Configuration (databases, volumes, users): recorded before it runs, flushed before
    /// the answer, and the answer carries the new `result_revision`.
    Configuration,
    /// Starts or changes a backup or restore: recorded before it runs and flushed before
    /// the answer (design 4, step 1), no configuration revision.
    Operation,
}

/// Groups of the database jobs (spec 3.1, 3.4).
pub const DB_GROUPS: &[&str] = &["root", "exaadm", "exadbadm"];
/// Groups of the read-only database listing (spec 3.1).
pub const DB_READ_GROUPS: &[&str] = &["root", "exaadm", "exadbadm", "exausers"];
/// Groups of the storage and remote volume jobs (spec 3.2, 3.3).
pub const VOLUME_GROUPS: &[&str] = &["root", "exaadm", "exastoradm"];
/// Groups of the jobs that read volumes: `exausers` may look.
pub const VOLUME_READ_GROUPS: &[&str] = &["root", "exaadm", "exastoradm", "exausers"];
/// Groups of the user and group jobs (docs "Add Users", "Change User Groups").
pub const USER_GROUPS: &[&str] = &["root", "exaadm"];

/// The authenticated caller of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Login name.
    pub user: String,
    /// Numeric user ID.
    pub uid: u32,
    /// Group names.
    pub groups: Vec<String>,
}

impl Caller {
    /// True when one of the caller's groups is in `allowed` (or the caller is root).
    pub fn may_run(&self, allowed: &[&str]) -> bool {
        self.groups
            .iter()
            .any(|g| g == "root" || allowed.contains(&g.as_str()))
    }
}

/// What a running job sees: the shared services and who called it.
pub struct Context<'a> {
    /// Catalogue, state directory, supervisor, ...
    pub services: &'a Services,
    /// The caller.
    pub caller: &'a Caller,
    /// This call's job ID (`<epoch>.<seq>`), for log lines.
    pub job_id: &'a str,
}

/// Output of jobs that have none: the result struct then has no `result_output`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NoOutput;

/// A ConfD job: a name, typed parameters, a typed output, help metadata, and behaviour.
pub trait Job: 'static {
    /// Wire name, e.g. `db_backup_start`.
    const NAME: &'static str;
    /// Typed parameters; their list is the job's parameter spec.
    type Params: FromParams + Send + 'static;
    /// Output, a named type whose serde attributes spell the ConfD wire keys;
    /// [`NoOutput`] for jobs without `result_output`.
    type Output: Serialize + Send + 'static;
    /// Help metadata; the dispatcher checks parameters and permissions against it.
    const SPEC: JobSpec;
    /// Runs the job.
    fn run(
        ctx: &Context<'_>,
        params: Self::Params,
    ) -> impl Future<Output = Result<Self::Output, JobError>> + Send;
}
