//! `user_list`: every system user with its details, by name.

use std::collections::BTreeMap;

use super::user_info::UserView;
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, USER_GROUPS};
use crate::params::NoParams;

/// The `user_list` job.
pub struct UserList;

impl Job for UserList {
    const NAME: &'static str = "user_list";
    type Params = NoParams;
    type Output = BTreeMap<String, UserView>;

    const SPEC: JobSpec = JobSpec {
        description: "List every system user with its ID, groups and login state.",
        allowed_groups: USER_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, _: NoParams) -> Result<Self::Output, JobError> {
        Ok(ctx
            .services
            .catalog
            .users()?
            .iter()
            .map(|u| (u.name.clone(), UserView::from(u)))
            .collect())
    }
}
