//! `group_list`: the system groups and their IDs, as Exasol's docs show them
//! (`exaadm: {id: 499}`, ...).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::JobError;
use crate::groups::GROUPS;
use crate::job::{Context, Effect, Job, JobSpec, USER_GROUPS};
use crate::params::NoParams;

/// The `group_list` job.
pub struct GroupList;

/// One group.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// Group ID.
    pub id: u32,
}

impl Job for GroupList {
    const NAME: &'static str = "group_list";
    type Params = NoParams;
    type Output = BTreeMap<&'static str, Group>;

    const SPEC: JobSpec = JobSpec {
        description: "List the system groups with their IDs.",
        allowed_groups: USER_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(_: &Context<'_>, _: NoParams) -> Result<Self::Output, JobError> {
        Ok(GROUPS
            .iter()
            .map(|(name, id)| (*name, Group { id: *id }))
            .collect())
    }
}
