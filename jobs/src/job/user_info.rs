//! `user_info`: one system user; never a password or its hash.

use confd_storage::records::UserRecord;
use serde::Serialize;

use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, USER_GROUPS};
use crate::params::{FromParams, Param, ParamReader, ParamSpec};

/// The `user_info` job.
pub struct UserInfo;

/// `username`.
pub const USERNAME: Param<String> = Param::required("username", "Name of the user.");

/// A user as `user_info` and `user_list` show it.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    /// Login name.
    pub name: String,
    /// User ID.
    pub id: u32,
    /// Primary group.
    pub group: String,
    /// Further groups.
    pub additional_groups: Vec<String>,
    /// Whether the user may log in.
    pub login_enabled: bool,
    /// Whether a password is set (false: no password login).
    pub password_set: bool,
    /// SSH keys.
    pub authorized_keys: Vec<String>,
}

impl From<&UserRecord> for UserView {
    fn from(u: &UserRecord) -> Self {
        let (group, additional) = u.groups.split_first().map_or_else(
            || (String::new(), Vec::new()),
            |(first, rest)| (first.clone(), rest.to_vec()),
        );
        UserView {
            name: u.name.clone(),
            id: u.uid,
            group,
            additional_groups: additional,
            login_enabled: u.login_enabled,
            password_set: !u.password_hash.is_empty(),
            authorized_keys: u.authorized_keys.clone(),
        }
    }
}

/// Parameters of the jobs that name one user and nothing else.
pub struct Username(pub String);

impl FromParams for Username {
    const PARAMS: &'static [ParamSpec] = &[USERNAME.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Username(p.get(&USERNAME)?))
    }
}

/// The user called `name`, or `NOT_FOUND` naming it.
pub fn existing(ctx: &Context<'_>, name: &str) -> Result<UserRecord, JobError> {
    ctx.services.catalog.user(name)?.ok_or_else(|| {
        JobError::NotFound(format!(
            "User '{}' does not exist",
            crate::echo::Shown(name)
        ))
    })
}

impl Job for UserInfo {
    const NAME: &'static str = "user_info";
    type Params = Username;
    type Output = UserView;

    const SPEC: JobSpec = JobSpec {
        description: "Show a system user: ID, groups, whether login is enabled.",
        allowed_groups: USER_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, Username(name): Username) -> Result<UserView, JobError> {
        Ok(UserView::from(&existing(ctx, &name)?))
    }
}
