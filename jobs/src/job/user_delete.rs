//! `user_delete`: remove a system user; its next request is refused with 401.

use super::user_info::Username;
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, NoOutput, USER_GROUPS};

/// The `user_delete` job.
pub struct UserDelete;

impl Job for UserDelete {
    const NAME: &'static str = "user_delete";
    type Params = Username;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Delete a system user (not yourself); its next request is refused.",
        allowed_groups: USER_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, Username(name): Username) -> Result<NoOutput, JobError> {
        if name == ctx.caller.user {
            return Err(JobError::WrongState(format!(
                "User '{name}' cannot delete itself; ask another administrator"
            )));
        }
        if ctx.services.catalog.remove_user(&name)?.is_none() {
            return Err(JobError::NotFound(format!(
                "User '{}' does not exist",
                crate::echo::Shown(&name)
            )));
        }
        ctx.services.auth.forget(&name);
        Ok(NoOutput)
    }
}
