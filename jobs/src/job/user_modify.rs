//! `user_modify`: change a user's primary group, additional groups, login or keys (docs
//! "Change User Groups"). The change holds from the user's next request on.

use super::user_info::{USERNAME, existing};
use crate::error::JobError;
use crate::groups::{group, groups};
use crate::job::{Context, Effect, Job, JobSpec, NoOutput, USER_GROUPS};
use crate::params::{Example, FromParams, Param, ParamReader, ParamSpec, Text};

/// The `user_modify` job.
pub struct UserModify;

/// `group`: a group name or ID.
pub const GROUP: Param<Text> =
    Param::optional("group", "Primary group, by name or ID, e.g. exausers.")
        .example(Example::Str("exausers"));
/// `login_enabled`.
pub const LOGIN_ENABLED: Param<bool> =
    Param::optional("login_enabled", "Whether the user may log in.");
/// `additional_groups`.
pub const ADDITIONAL_GROUPS: Param<Vec<String>> = Param::optional(
    "additional_groups",
    "Further groups by name, e.g. [exadbadm, exastoradm]; replaces the user's additional groups.",
)
.example(Example::List(&["exadbadm"]));
/// `authorized_keys`.
pub const AUTHORIZED_KEYS: Param<Vec<String>> = Param::optional(
    "authorized_keys",
    "SSH public keys (kept and shown; this server has no SSH).",
);

/// Parameters of `user_modify`.
pub struct Params {
    name: String,
    group: Option<&'static str>,
    additional: Option<Vec<String>>,
    login_enabled: Option<bool>,
    authorized_keys: Option<Vec<String>>,
}

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[
        USERNAME.spec,
        GROUP.spec,
        LOGIN_ENABLED.spec,
        ADDITIONAL_GROUPS.spec,
        AUTHORIZED_KEYS.spec,
    ];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            name: p.get(&USERNAME)?,
            group: p
                .opt(&GROUP)?
                .map(|g| group(GROUP.name(), &g))
                .transpose()?,
            additional: p
                .opt(&ADDITIONAL_GROUPS)?
                .map(|g| groups(ADDITIONAL_GROUPS.name(), &g))
                .transpose()?,
            login_enabled: p.opt(&LOGIN_ENABLED)?,
            authorized_keys: p.opt(&AUTHORIZED_KEYS)?,
        })
    }
}

impl Job for UserModify {
    const NAME: &'static str = "user_modify";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Change a system user's primary group, additional groups, login or SSH keys.",
        allowed_groups: USER_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let mut user = existing(ctx, &p.name)?;
        let (mut primary, mut additional) = match user.groups.split_first() {
            Some((first, rest)) => (first.clone(), rest.to_vec()),
            None => (String::new(), Vec::new()),
        };
        if let Some(group) = p.group {
            primary = group.to_owned();
        }
        if let Some(groups) = p.additional {
            additional = groups;
        }
        additional.retain(|g| *g != primary);
        additional.dedup();
        user.groups = std::iter::once(primary).chain(additional).collect();
        if let Some(enabled) = p.login_enabled {
            user.login_enabled = enabled;
        }
        if let Some(keys) = p.authorized_keys {
            user.authorized_keys = keys;
        }
        ctx.services.catalog.put_user(&user)?;
        ctx.services.auth.forget(&user.name);
        Ok(NoOutput)
    }
}
