//! `remote_volume_add`: register a remote archive volume (spec 3.3). Types `file` (a
//! directory) and `s3` (path-style or AWS virtual-host URLs) are served; the other ConfD
//! types are refused as `UNSUPPORTED`, naming the type.

use serde_json::{Value, json};

use confd_storage::catalog::FIRST_REMOTE_ID;
use confd_storage::records::{VolumeLocation, VolumeRecord};

use super::volume_view::file_url_path;
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_GROUPS};
use crate::params::{FromParams, ObjectName, ParamReader, ParamSpec, ParamType};
use crate::services::Services;

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

impl FromParams for Params {
    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        let vol_type = p.str("vol_type")?.to_ascii_lowercase();
        if OTHER_TYPES.contains(&vol_type.as_str()) {
            return Err(JobError::Unsupported(format!(
                "Remote volume type '{vol_type}' is not supported by this server (supported: file, s3)"
            )));
        }
        let url = p.str("url")?;
        match vol_type.as_str() {
            "file" => {
                let dir = file_url_path(&url).map_err(|e| JobError::invalid("url", e))?;
                if !dir.is_dir() {
                    return Err(JobError::invalid(
                        "url",
                        format!("directory {} does not exist", dir.display()),
                    ));
                }
            }
            "s3" => check_s3_url(&url).map_err(|e| JobError::invalid("url", e))?,
            other => {
                return Err(JobError::invalid(
                    "vol_type",
                    format!("'{other}' is not a remote volume type (file, s3)"),
                ));
            }
        }
        let id = p
            .opt_int("remote_volume_id")?
            .map(|id| {
                u32::try_from(id)
                    .ok()
                    .filter(|id| *id >= FIRST_REMOTE_ID && *id <= 99_999)
                    .ok_or_else(|| {
                        JobError::invalid(
                            "remote_volume_id",
                            format!("{id} is not between 10001 and 99999"),
                        )
                    })
            })
            .transpose()?;
        let options = p.str_list("options")?;
        for o in &options {
            if !OPTIONS.contains(&o.as_str()) && !VALUE_OPTIONS.iter().any(|v| o.starts_with(v)) {
                return Err(JobError::invalid(
                    "options",
                    format!("unknown option '{o}'"),
                ));
            }
        }
        let username = p.opt_str("username")?.or(p.opt_str("s3_access_key")?);
        let password = p.opt_str("password")?.or(p.opt_str("s3_secret_key")?);
        Ok(Params {
            vol_type,
            url,
            id,
            name: p.opt_parse("remote_volume_name")?,
            username,
            password,
            options,
            labels: p.str_list("labels")?,
        })
    }
}

fn check_s3_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("'{url}' is not an http(s):// URL"))?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    if host.is_empty() {
        return Err(format!("'{url}' has no host"));
    }
    let virtual_host = host.contains(".s3") && host.ends_with(".amazonaws.com");
    if !virtual_host && path.trim_matches('/').is_empty() {
        return Err(format!(
            "'{url}' names no bucket (use http[s]://host[:port]/bucket[/prefix])"
        ));
    }
    Ok(())
}

impl Job for RemoteVolumeAdd {
    const NAME: &'static str = "remote_volume_add";
    type Params = Params;
    type Output = Value;

    const SPEC: JobSpec = JobSpec {
        description: "Add a remote archive volume of type 'file' (url file:///dir) or 's3' (url http[s]://host[:port]/bucket[/prefix] or https://bucket.s3.region.amazonaws.com).",
        params: &[
            ParamSpec::required("vol_type", ParamType::Str, "Volume type: file or s3."),
            ParamSpec::required("url", ParamType::Str, "Location of the volume."),
            ParamSpec::optional(
                "remote_volume_id",
                ParamType::StrOrInt,
                "ID above 10000; generated if omitted.",
            )
            .or("remote_volume_name"),
            ParamSpec::optional(
                "remote_volume_name",
                ParamType::Str,
                "Name; r%04d of (ID - 10000) if omitted.",
            ),
            ParamSpec::optional("username", ParamType::Str, "User name or S3 access key ID."),
            ParamSpec::optional("password", ParamType::Str, "Password or S3 secret key.").secret(),
            ParamSpec::optional(
                "s3_access_key",
                ParamType::Str,
                "S3 access key ID (alternative to username).",
            ),
            ParamSpec::optional(
                "s3_secret_key",
                ParamType::Str,
                "S3 secret key (alternative to password).",
            )
            .secret(),
            ParamSpec::optional("labels", ParamType::List, "Extra labels."),
            ParamSpec::optional(
                "options",
                ParamType::List,
                "Options: cleanvolume, nocompression, verbose, noverifypeer, timeout=<s>, ...",
            ),
            ParamSpec::optional(
                "owner",
                ParamType::List,
                "Owner (uid, gid); the caller if omitted.",
            ),
            ParamSpec::optional(
                "allowed_users",
                ParamType::List,
                "Users allowed besides the owner.",
            ),
        ],
        allowed_groups: VOLUME_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<Value, JobError> {
        let v = add_remote_volume(ctx.services, p, &ctx.caller.user, ctx.caller.uid)?;
        Ok(json!([[
            v.name,
            v.owner_name,
            format!("remote volume {} in the catalogue", v.id)
        ]]))
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
    }
}
