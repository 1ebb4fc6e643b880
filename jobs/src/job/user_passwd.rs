//! `user_passwd`: change a user's password (the only way to change the admin password,
//! spec 3.8). Users change their own; root and exaadm may change anyone's.

use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, NoOutput};
use crate::params::{Example, FromParams, Param, ParamReader, ParamSpec};

/// The `user_passwd` job.
pub struct UserPasswd;

/// Parameters of `user_passwd`.
pub struct Params {
    username: Option<String>,
    password: String,
}

/// `password`.
pub const PASSWORD: Param<String> =
    Param::required("password", "The new password (at least 8 characters).")
        .secret()
        .example(Example::Str("correct horse battery"));
/// `username`.
pub const USERNAME: Param<String> = Param::optional(
    "username",
    "User whose password changes (default: the caller).",
);

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[PASSWORD.spec, USERNAME.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        let password = p.get(&PASSWORD)?;
        if password.chars().count() < 8 {
            return Err(JobError::invalid(
                PASSWORD.name(),
                "must have at least 8 characters",
            ));
        }
        Ok(Params {
            username: p.opt(&USERNAME)?,
            password,
        })
    }
}

impl Job for UserPasswd {
    const NAME: &'static str = "user_passwd";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Change the password of a user (default: the caller).",
        allowed_groups: &["root", "exaadm", "exadbadm", "exastoradm", "exausers"],
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let user = p.username.unwrap_or_else(|| ctx.caller.user.clone());
        let admin = ctx
            .caller
            .groups
            .iter()
            .any(|g| g == "root" || g == "exaadm");
        if user != ctx.caller.user && !admin {
            return Err(JobError::PermissionDenied {
                user: ctx.caller.user.clone(),
                job: format!("user_passwd for '{user}'"),
            });
        }
        ctx.services.auth.change_password(&user, &p.password)?;
        // The same file the daemon wrote at start-up: confd_client next to the daemon
        // keeps working after the admin changes the password.
        crate::client_settings::password_changed(&ctx.services.state_dir, &user, &p.password)
            .map_err(|e| JobError::Internal(format!("updating client.json: {e}")))?;
        Ok(NoOutput)
    }
}
