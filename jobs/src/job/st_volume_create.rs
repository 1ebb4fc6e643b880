//! `st_volume_create`: create a local archive volume (a directory under the state
//! directory). Data volumes belong to the database here, so `type: data` is refused.

use serde_json::{Value, json};

use confd_storage::records::{VolumeLocation, VolumeRecord};

use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_GROUPS};
use crate::params::{FromParams, ObjectName, ParamReader, ParamSpec, ParamType};
use crate::services::Services;
use crate::units::parse_size;

/// The `st_volume_create` job.
pub struct StVolumeCreate;

/// Parameters of `st_volume_create`.
pub struct Params {
    name: ObjectName,
    size_bytes: u64,
}

impl FromParams for Params {
    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        match p.str("type")?.as_str() {
            "archive" => {}
            "data" => {
                return Err(JobError::Unsupported(
                    "Volume type 'data' is not supported by this server: a database's data volume is its data directory (see db_create); create type 'archive'".into(),
                ));
            }
            other => {
                return Err(JobError::invalid(
                    "type",
                    format!("'{other}' is not 'archive' or 'data'"),
                ));
            }
        }
        let size = p.str("size")?;
        Ok(Params {
            name: p.parse("name")?,
            size_bytes: parse_size(&size).map_err(|e| JobError::invalid("size", e))?,
        })
    }
}

impl Job for StVolumeCreate {
    const NAME: &'static str = "st_volume_create";
    type Params = Params;
    type Output = Value;

    const SPEC: JobSpec = JobSpec {
        description: "Create a local archive volume. Layout parameters of real ConfD (disk, nodes, redundancy, block and stripe sizes, ...) are accepted and recorded nowhere: a local volume here is a directory.",
        params: &[
            ParamSpec::required("name", ParamType::Str, "Name of the new volume."),
            ParamSpec::required(
                "type",
                ParamType::Str,
                "'archive' (data volumes are not supported).",
            ),
            ParamSpec::required(
                "size",
                ParamType::StrOrInt,
                "Size with unit, e.g. '10 GiB'.",
            ),
            ParamSpec::optional(
                "disk",
                ParamType::Str,
                "Disk name (accepted for compatibility).",
            ),
            ParamSpec::optional(
                "nodes",
                ParamType::List,
                "Node IDs (accepted for compatibility).",
            ),
            ParamSpec::optional(
                "redundancy",
                ParamType::Int,
                "Redundancy (accepted for compatibility).",
            ),
            ParamSpec::optional(
                "num_master_nodes",
                ParamType::Int,
                "Master nodes (accepted for compatibility).",
            ),
            ParamSpec::optional(
                "block_size",
                ParamType::StrOrInt,
                "Block size (accepted for compatibility).",
            ),
            ParamSpec::optional(
                "stripe_size",
                ParamType::StrOrInt,
                "Stripe size (accepted for compatibility).",
            ),
            ParamSpec::optional(
                "partition_size",
                ParamType::StrOrInt,
                "Partition size (accepted for compatibility).",
            ),
            ParamSpec::optional(
                "shared",
                ParamType::Bool,
                "Shared volume (accepted for compatibility).",
            ),
            ParamSpec::optional(
                "owner",
                ParamType::List,
                "Owner [uid, gid] (accepted for compatibility).",
            ),
        ],
        allowed_groups: VOLUME_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<Value, JobError> {
        let v = create_local_volume(
            ctx.services,
            &p.name,
            p.size_bytes,
            &ctx.caller.user,
            ctx.caller.uid,
        )?;
        Ok(json!({"vid": v.id}))
    }
}

/// Creates the directory and catalogue entry of a local archive volume (IDs below 10000).
pub fn create_local_volume(
    services: &Services,
    name: &ObjectName,
    size_bytes: u64,
    owner_name: &str,
    uid: u32,
) -> Result<VolumeRecord, JobError> {
    let path = services.local_volumes_dir().join(name.as_str());
    let record = services.catalog.insert_volume(None, 1, |id| VolumeRecord {
        id,
        name: name.as_str().to_owned(),
        location: VolumeLocation::Local {
            path: path.clone(),
            size_bytes,
        },
        options: Vec::new(),
        labels: Vec::new(),
        owner: (uid, 500),
        owner_name: owner_name.to_owned(),
        created: jiff::Timestamp::now().as_second(),
    })?;
    if record.id >= 10000 {
        services.catalog.remove_volume(record.id)?;
        return Err(JobError::Conflict(
            "All local volume IDs (1-9999) are in use".into(),
        ));
    }
    std::fs::create_dir_all(&path)
        .map_err(|e| JobError::Internal(format!("creating {}: {e}", path.display())))?;
    Ok(record)
}
