//! `remote_volume_add`: register a remote archive volume (spec 3.3). Types `file` (a
//! directory) and `s3` (path-style or AWS virtual-host URLs) are served; the other ConfD
//! types are refused as `UNSUPPORTED`, naming the type.

use serde::Serialize;

use confd_storage::catalog::FIRST_REMOTE_ID;
use confd_storage::records::{VolumeLocation, VolumeRecord};

use super::volume_view::file_url_path;
use crate::echo::Shown;
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_GROUPS};
use crate::params::{Example, FromParams, ObjectName, Param, ParamReader, ParamSpec, Text};
use crate::services::Services;
use crate::volume_import;

/// The `remote_volume_add` job.
pub struct RemoteVolumeAdd;

/// Volume types ConfD knows but this server does not serve.
const OTHER_TYPES: &[&str] = &["smb", "ftp", "sftp", "webhdfs", "webdav", "gs", "azure"];
/// Options with a meaning of their own (spec 3.3); `key=value` options are prefix-matched.
const OPTIONS: &[&str] = &[
    "cleanvolume",
    "verbose",
    "noverifypeer",
    "nocompression",
    "noresume",
    "forcessl",
    "earlytls",
    "webdav",
    "webhdfs",
    "s3",
];
const VALUE_OPTIONS: &[&str] = &["delegation_token=", "user=", "timeout=", "proxy="];

/// A checked remote volume definition.
#[derive(Debug, Clone)]
pub struct Params {
    /// `file` or `s3`.
    pub vol_type: String,
    /// The URL as given.
    pub url: String,
    /// Wanted ID (> 10000), or allocate.
    pub id: Option<u32>,
    /// Wanted name, or `r%04d` of the ID.
    pub name: Option<ObjectName>,
    /// User / access key.
    pub username: Option<String>,
    /// Password / secret key.
    pub password: Option<String>,
    /// Options.
    pub options: Vec<String>,
    /// Labels.
    pub labels: Vec<String>,
}

/// `vol_type`.
pub const VOL_TYPE: Param<String> =
    Param::required("vol_type", "Volume type: file or s3.").example(Example::Str("file"));
/// `url`.
pub const URL: Param<String> =
    Param::required("url", "Location of the volume.").example(Example::Str("file:///"));
/// `remote_volume_name`.
pub const REMOTE_VOLUME_NAME: Param<ObjectName> = Param::optional(
    "remote_volume_name",
    "Name; r%04d of (ID - 10000) if omitted.",
);
/// `remote_volume_id`.
pub const REMOTE_VOLUME_ID: Param<Text> =
    Param::optional("remote_volume_id", "ID above 10000; generated if omitted.")
        .or(&REMOTE_VOLUME_NAME)
        .example(Example::Int(10_002));
/// `username`.
pub const USERNAME: Param<String> = Param::optional("username", "User name or S3 access key ID.");
/// `password`.
pub const PASSWORD: Param<String> =
    Param::optional("password", "Password or S3 secret key.").secret();
/// `s3_access_key`.
pub const S3_ACCESS_KEY: Param<String> = Param::optional(
    "s3_access_key",
    "S3 access key ID (alternative to username).",
);
/// `s3_secret_key`.
pub const S3_SECRET_KEY: Param<String> =
    Param::optional("s3_secret_key", "S3 secret key (alternative to password).").secret();
/// `labels`.
pub const LABELS: Param<Vec<String>> = Param::optional("labels", "Extra labels.");
/// `options`.
pub const OPTIONS_PARAM: Param<Vec<String>> = Param::optional(
    "options",
    "Options: cleanvolume, nocompression, verbose, noverifypeer, timeout=<s>, ...",
)
.example(Example::List(&["nocompression"]));
/// `owner`: accepted; the owner is the caller.
pub const OWNER: Param<Vec<String>> =
    Param::optional("owner", "Owner (uid, gid); the caller if omitted.");
/// `allowed_users`: accepted; volumes here are shared by all administrators.
pub const ALLOWED_USERS: Param<Vec<String>> =
    Param::optional("allowed_users", "Users allowed besides the owner.");

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[
        VOL_TYPE.spec,
        URL.spec,
        REMOTE_VOLUME_ID.spec,
        REMOTE_VOLUME_NAME.spec,
        USERNAME.spec,
        PASSWORD.spec,
        S3_ACCESS_KEY.spec,
        S3_SECRET_KEY.spec,
        LABELS.spec,
        OPTIONS_PARAM.spec,
        OWNER.spec,
        ALLOWED_USERS.spec,
    ];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        let vol_type = p.get(&VOL_TYPE)?.to_ascii_lowercase();
        if OTHER_TYPES.contains(&vol_type.as_str()) {
            return Err(JobError::Unsupported(format!(
                "Remote volume type '{}' is not supported by this server (supported: file, s3)",
                Shown(&vol_type)
            )));
        }
        let url = p.get(&URL)?;
        check_url(&vol_type, &url)?;
        let id = p.opt(&REMOTE_VOLUME_ID)?.map(remote_id).transpose()?;
        let options = p.or(&OPTIONS_PARAM, Vec::new())?;
        for o in &options {
            if !OPTIONS.contains(&o.as_str()) && !VALUE_OPTIONS.iter().any(|v| o.starts_with(v)) {
                return Err(JobError::invalid(
                    OPTIONS_PARAM.name(),
                    format!("unknown option '{}'", Shown(o)),
                ));
            }
        }
        let username = p.opt(&USERNAME)?.or(p.opt(&S3_ACCESS_KEY)?);
        let password = p.opt(&PASSWORD)?.or(p.opt(&S3_SECRET_KEY)?);
        p.ignore(&OWNER)?;
        p.ignore(&ALLOWED_USERS)?;
        Ok(Params {
            vol_type,
            url,
            id,
            name: p.opt(&REMOTE_VOLUME_NAME)?,
            username,
            password,
            options,
            labels: p.or(&LABELS, Vec::new())?,
        })
    }
}

fn check_url(vol_type: &str, url: &str) -> Result<(), JobError> {
    match vol_type {
        "file" => {
            let shown = Shown(url);
            let dir = file_url_path(url)
                .map_err(|why| JobError::invalid(URL.name(), format!("'{shown}' {why}")))?;
            if !dir.is_dir() {
                return Err(JobError::invalid(
                    URL.name(),
                    format!("directory {} does not exist", Shown(&dir.to_string_lossy())),
                ));
            }
            Ok(())
        }
        "s3" => check_s3_url(url).map_err(|e| JobError::invalid(URL.name(), e)),
        other => Err(JobError::invalid(
            VOL_TYPE.name(),
            format!("'{}' is not a remote volume type (file, s3)", Shown(other)),
        )),
    }
}

fn remote_id(Text(text): Text) -> Result<u32, JobError> {
    let invalid = |why: String| JobError::invalid(REMOTE_VOLUME_ID.name(), why);
    let id: i64 = text
        .trim()
        .parse()
        .map_err(|_| invalid(format!("'{}' is not an integer", Shown(&text))))?;
    u32::try_from(id)
        .ok()
        .filter(|id| *id >= FIRST_REMOTE_ID && *id <= 99_999)
        .ok_or_else(|| invalid(format!("{id} is not between 10001 and 99999")))
}

fn check_s3_url(url: &str) -> Result<(), String> {
    let shown = Shown(url);
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("'{shown}' is not an http(s):// URL"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.contains('@') {
        // Never echoed: the part before '@' is a secret.
        return Err(
            "the URL carries credentials; give them as username and password (or s3_access_key and s3_secret_key) instead".into(),
        );
    }
    if host.is_empty() {
        return Err(format!("'{shown}' has no host"));
    }
    let virtual_host = host.contains(".s3") && host.ends_with(".amazonaws.com");
    if !virtual_host && path.trim_matches('/').is_empty() {
        return Err(format!(
            "'{shown}' names no bucket (use http[s]://host[:port]/bucket[/prefix])"
        ));
    }
    Ok(())
}

/// What real ConfD answers for a new remote volume: `[name, owner, message]` in a list.
#[derive(Debug, Clone, Serialize)]
pub struct Added(pub String, pub String, pub String);

impl Added {
    /// Name of the new volume.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl Job for RemoteVolumeAdd {
    const NAME: &'static str = "remote_volume_add";
    type Params = Params;
    type Output = Vec<Added>;

    const SPEC: JobSpec = JobSpec {
        description: "Add a remote archive volume of type 'file' (url file:///dir) or 's3' (url http[s]://host[:port]/bucket[/prefix] or https://bucket.s3.region.amazonaws.com).",
        allowed_groups: VOLUME_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<Vec<Added>, JobError> {
        let v = add_remote_volume(ctx.services, p, &ctx.caller.user, ctx.caller.uid)?;
        let message = format!(
            "remote volume {} in the catalogue{}",
            v.id,
            import_found(ctx.services, &v).await
        );
        Ok(vec![Added(v.name, v.owner_name, message)])
    }
}

/// Imports the backups already on a volume just added (a volume that holds backups of an
/// earlier daemon, or one shared with other daemons); what it found, for the answer. A
/// volume that cannot be read now is still added: the next start or list imports.
pub(crate) async fn import_found(services: &Services, v: &VolumeRecord) -> String {
    let found = match confd_storage::volume::open(v) {
        Ok(store) => volume_import::import(services, v, &*store).await,
        Err(e) => Err(JobError::Unsupported(e.to_string())),
    };
    match found {
        Ok(found) => found.summary(),
        Err(e) => {
            tracing::warn!(
                volume = v.name,
                "backups on the new volume not imported yet: {e}"
            );
            format!("; its backups could not be read yet: {e}")
        }
    }
}

/// Registers a remote volume in the catalogue (shared with the daemon's demo set-up).
pub fn add_remote_volume(
    services: &Services,
    p: Params,
    owner_name: &str,
    uid: u32,
) -> Result<VolumeRecord, JobError> {
    Ok(services
        .catalog
        .insert_volume(p.id, FIRST_REMOTE_ID, |id| VolumeRecord {
            id,
            name: p
                .name
                .map(|n| n.as_str().to_owned())
                .unwrap_or_else(|| format!("r{:04}", id - 10_000)),
            location: VolumeLocation::Remote {
                vol_type: p.vol_type,
                url: p.url,
                username: p.username,
                password: p.password,
            },
            options: p.options,
            labels: p.labels,
            owner: (uid, 500),
            owner_name: owner_name.to_owned(),
            created: jiff::Timestamp::now().as_second(),
        })?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_urls_need_a_bucket_unless_virtual_host() {
        assert!(check_s3_url("http://127.0.0.1:9000/bucket").is_ok());
        assert!(check_s3_url("https://b.s3.eu-west-1.amazonaws.com").is_ok());
        assert!(
            check_s3_url("http://127.0.0.1:9000/")
                .unwrap_err()
                .contains("bucket")
        );
        assert!(check_s3_url("ftp://x/y").is_err());
        let e = check_s3_url("http://u:SECRET@127.0.0.1:9000/bucket").unwrap_err();
        assert!(
            e.contains("username and password") && !e.contains("SECRET"),
            "{e}"
        );
    }
}
