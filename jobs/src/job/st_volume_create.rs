//! `st_volume_create`: create a local archive volume (a directory under the state
//! directory). Data volumes belong to the database here, so `type: data` is refused.

use serde::Serialize;

use confd_storage::records::{VolumeLocation, VolumeRecord};

use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, VOLUME_GROUPS};
use crate::params::{Example, FromParams, ObjectName, Param, ParamReader, ParamSpec, Text};
use crate::services::Services;
use crate::units::parse_size;

/// The `st_volume_create` job.
pub struct StVolumeCreate;

/// Parameters of `st_volume_create`.
pub struct Params {
    name: ObjectName,
    size_bytes: u64,
}

/// `name`.
pub const VOLUME_NAME: Param<ObjectName> = Param::required("name", "Name of the new volume.");
/// `type`.
pub const VOLUME_TYPE: Param<String> =
    Param::required("type", "'archive' (data volumes are not supported).")
        .example(Example::Str("archive"));
/// `size`.
pub const SIZE: Param<Text> =
    Param::required("size", "Size with unit, e.g. '10 GiB'.").example(Example::Str("10 GiB"));

/// Layout parameters of real ConfD, accepted for compatibility and recorded nowhere.
mod layout {
    use crate::params::{Param, Text};

    pub const DISK: Param<String> =
        Param::optional("disk", "Disk name (accepted for compatibility).");
    pub const NODES: Param<Vec<String>> =
        Param::optional("nodes", "Node IDs (accepted for compatibility).");
    pub const REDUNDANCY: Param<i64> =
        Param::optional("redundancy", "Redundancy (accepted for compatibility).");
    pub const NUM_MASTER_NODES: Param<i64> = Param::optional(
        "num_master_nodes",
        "Master nodes (accepted for compatibility).",
    );
    pub const BLOCK_SIZE: Param<Text> =
        Param::optional("block_size", "Block size (accepted for compatibility).");
    pub const STRIPE_SIZE: Param<Text> =
        Param::optional("stripe_size", "Stripe size (accepted for compatibility).");
    pub const PARTITION_SIZE: Param<Text> = Param::optional(
        "partition_size",
        "Partition size (accepted for compatibility).",
    );
    pub const SHARED: Param<bool> =
        Param::optional("shared", "Shared volume (accepted for compatibility).");
    pub const OWNER: Param<Vec<String>> =
        Param::optional("owner", "Owner [uid, gid] (accepted for compatibility).");
}

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[
        VOLUME_NAME.spec,
        VOLUME_TYPE.spec,
        SIZE.spec,
        layout::DISK.spec,
        layout::NODES.spec,
        layout::REDUNDANCY.spec,
        layout::NUM_MASTER_NODES.spec,
        layout::BLOCK_SIZE.spec,
        layout::STRIPE_SIZE.spec,
        layout::PARTITION_SIZE.spec,
        layout::SHARED.spec,
        layout::OWNER.spec,
    ];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        match p.get(&VOLUME_TYPE)?.as_str() {
            "archive" => {}
            "data" => {
                return Err(JobError::Unsupported(
                    "Volume type 'data' is not supported by this server: a database's data volume is its data directory (see db_create); create type 'archive'".into(),
                ));
            }
            other => {
                return Err(JobError::invalid(
                    VOLUME_TYPE.name(),
                    format!("'{other}' is not 'archive' or 'data'"),
                ));
            }
        }
        p.ignore(&layout::DISK)?;
        p.ignore(&layout::NODES)?;
        p.ignore(&layout::REDUNDANCY)?;
        p.ignore(&layout::NUM_MASTER_NODES)?;
        p.ignore(&layout::BLOCK_SIZE)?;
        p.ignore(&layout::STRIPE_SIZE)?;
        p.ignore(&layout::PARTITION_SIZE)?;
        p.ignore(&layout::SHARED)?;
        p.ignore(&layout::OWNER)?;
        let Text(size) = p.get(&SIZE)?;
        Ok(Params {
            name: p.get(&VOLUME_NAME)?,
            size_bytes: parse_size(&size).map_err(|e| JobError::invalid(SIZE.name(), e))?,
        })
    }
}

/// The new volume's ID.
#[derive(Debug, Clone, Serialize)]
pub struct Created {
    /// Volume ID.
    pub vid: u32,
}

impl Job for StVolumeCreate {
    const NAME: &'static str = "st_volume_create";
    type Params = Params;
    type Output = Created;

    const SPEC: JobSpec = JobSpec {
        description: "Create a local archive volume. Layout parameters of real ConfD (disk, nodes, redundancy, block and stripe sizes, ...) are accepted and recorded nowhere: a local volume here is a directory.",
        allowed_groups: VOLUME_GROUPS,
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<Created, JobError> {
        // A directory that is already there (a state directory rebuilt around its old
        // volumes) may hold backups: they are imported.
        let existed = ctx
            .services
            .local_volumes_dir()
            .join(p.name.as_str())
            .is_dir();
        let v = create_local_volume(
            ctx.services,
            &p.name,
            p.size_bytes,
            &ctx.caller.user,
            ctx.caller.uid,
        )?;
        if existed {
            let found = super::remote_volume_add::import_found(ctx.services, &v).await;
            if !found.is_empty() {
                tracing::info!(volume = v.name, "existing volume directory{found}");
            }
        }
        Ok(Created { vid: v.id })
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
