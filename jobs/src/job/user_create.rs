//! `user_create`: a system user with a primary group (docs "Add Users"). The password is
//! stored as an argon2 hash and never listed, logged or kept in a job record; an empty
//! password or `*` means no password login.

use confd_storage::records::UserRecord;

use super::user_modify::{ADDITIONAL_GROUPS, AUTHORIZED_KEYS};
use crate::auth::hash_password;
use crate::error::JobError;
use crate::groups::{group, groups};
use crate::job::{Context, Effect, Job, JobSpec, NoOutput, USER_GROUPS};
use crate::params::{Example, FromParams, ObjectName, Param, ParamReader, ParamSpec, Text};

/// The `user_create` job.
pub struct UserCreate;

/// `username`.
pub const USERNAME: Param<ObjectName> =
    Param::required("username", "Name of the new user, e.g. user_1.");
/// `userid`.
pub const USERID: Param<i64> =
    Param::required("userid", "Numeric ID of the new user, e.g. 1001.").example(Example::Int(1001));
/// `password`.
pub const PASSWORD: Param<String> = Param::required(
    "password",
    "Password of the new user (at least 8 characters); empty or '*' disables password login.",
)
.secret()
.example(Example::Str("correct horse battery"));
/// `group`.
pub const GROUP: Param<Text> = Param::required(
    "group",
    "Primary group of the new user, by name or ID, e.g. exausers.",
)
.example(Example::Str("exausers"));
/// `login_enabled`.
pub const LOGIN_ENABLED: Param<bool> =
    Param::required("login_enabled", "Whether the new user may log in.");
/// `encode_passwd`: accepted; passwords are always stored as argon2 hashes.
pub const ENCODE_PASSWD: Param<bool> = Param::optional(
    "encode_passwd",
    "Accepted for compatibility: passwords are always stored as argon2 hashes.",
);

/// Parameters of `user_create`.
pub struct Params {
    name: ObjectName,
    uid: u32,
    password: Option<String>,
    groups: Vec<String>,
    login_enabled: bool,
    authorized_keys: Vec<String>,
}

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[
        USERNAME.spec,
        USERID.spec,
        PASSWORD.spec,
        GROUP.spec,
        LOGIN_ENABLED.spec,
        ADDITIONAL_GROUPS.spec,
        AUTHORIZED_KEYS.spec,
        ENCODE_PASSWD.spec,
    ];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        let uid = p.get(&USERID)?;
        let uid = u32::try_from(uid)
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                JobError::invalid(USERID.name(), format!("{uid} is not a user ID above 0"))
            })?;
        let password = p.get(&PASSWORD)?;
        let password = match password.as_str() {
            "" | "*" => None,
            short if short.chars().count() < 8 => {
                return Err(JobError::invalid(
                    PASSWORD.name(),
                    "must have at least 8 characters",
                ));
            }
            _ => Some(password),
        };
        let mut all = vec![group(GROUP.name(), &p.get(&GROUP)?)?.to_owned()];
        for extra in groups(
            ADDITIONAL_GROUPS.name(),
            &p.or(&ADDITIONAL_GROUPS, Vec::new())?,
        )? {
            if !all.contains(&extra) {
                all.push(extra);
            }
        }
        p.ignore(&ENCODE_PASSWD)?;
        Ok(Params {
            name: p.get(&USERNAME)?,
            uid,
            password,
            groups: all,
            login_enabled: p.get(&LOGIN_ENABLED)?,
            authorized_keys: p.or(&AUTHORIZED_KEYS, Vec::new())?,
        })
    }
}

impl Job for UserCreate {
    const NAME: &'static str = "user_create";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Create a system user with a primary group (and additional ones) that decide which jobs it may run.",
        allowed_groups: USER_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        let catalog = &ctx.services.catalog;
        let taken =
            || JobError::invalid(USERNAME.name(), format!("user '{}' exists already", p.name));
        if catalog.user(p.name.as_str())?.is_some() {
            return Err(taken());
        }
        if let Some(other) = catalog.users()?.into_iter().find(|u| u.uid == p.uid) {
            return Err(JobError::invalid(
                USERID.name(),
                format!("{} is the ID of user '{}' already", p.uid, other.name),
            ));
        }
        // argon2 takes tens of milliseconds by design: off the request threads.
        let password_hash = match p.password {
            Some(password) => tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .map_err(|e| JobError::Internal(format!("hashing task: {e}")))??,
            None => String::new(),
        };
        let record = UserRecord {
            name: p.name.as_str().to_owned(),
            uid: p.uid,
            groups: p.groups,
            password_hash,
            login_enabled: p.login_enabled,
            authorized_keys: p.authorized_keys,
        };
        catalog.insert_user(&record).map_err(|_| taken())?;
        Ok(NoOutput)
    }
}
