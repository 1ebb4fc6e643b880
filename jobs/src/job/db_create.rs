//! `db_create`: register a database over a data directory (one `node_<k>` directory per
//! node). With `data_path` the user brings an existing directory (missing node
//! directories are created empty, and `db_delete` never deletes it); without it confd
//! creates one under its state directory.

use std::path::PathBuf;

use confd_storage::records::{DatabaseRecord, DbState};

use crate::echo::Shown;
use crate::error::JobError;
use crate::job::{Context, Effect, Job, JobSpec, NoOutput};
use crate::params::{Example, FromParams, ObjectName, Param, ParamReader, ParamSpec};
use crate::services::Services;

/// The `db_create` job.
pub struct DbCreate;

/// Parameters of `db_create`.
pub struct Params {
    db_name: ObjectName,
    nodes: u32,
    data_path: Option<PathBuf>,
    auto_start: bool,
}

/// `db_name`.
pub const DB_NAME: Param<ObjectName> = Param::required("db_name", "Name of the new database.");
/// `nodes`.
pub const NODES: Param<i64> = Param::required("nodes", "Number of nodes (1-64).");
/// `data_path`.
pub const DATA_PATH: Param<String> = Param::optional(
    "data_path",
    "Existing directory holding node_0 .. node_<n-1>; missing node directories are created empty. Default: a new directory under the state directory.",
)
.example(Example::Str("/"));
/// `auto_start`.
pub const AUTO_START: Param<bool> = Param::optional(
    "auto_start",
    "Start the database after creating it (default true).",
);

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] =
        &[DB_NAME.spec, NODES.spec, DATA_PATH.spec, AUTO_START.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        let nodes = p.get(&NODES)?;
        let nodes = u32::try_from(nodes)
            .ok()
            .filter(|n| (1..=64).contains(n))
            .ok_or_else(|| {
                JobError::invalid(
                    "nodes",
                    format!("{nodes} is not a node count between 1 and 64"),
                )
            })?;
        let data_path = p.opt(&DATA_PATH)?.map(PathBuf::from);
        if let Some(path) = &data_path {
            if !path.is_absolute() {
                return Err(JobError::invalid(
                    "data_path",
                    format!(
                        "'{}' is not an absolute path",
                        Shown(&path.to_string_lossy())
                    ),
                ));
            }
            if !path.is_dir() {
                return Err(JobError::invalid(
                    "data_path",
                    format!(
                        "'{}' is not an existing directory",
                        Shown(&path.to_string_lossy())
                    ),
                ));
            }
        }
        Ok(Params {
            db_name: p.get(&DB_NAME)?,
            nodes,
            data_path,
            auto_start: p.or(&AUTO_START, true)?,
        })
    }
}

impl Job for DbCreate {
    const NAME: &'static str = "db_create";
    type Params = Params;
    type Output = NoOutput;

    const SPEC: JobSpec = JobSpec {
        description: "Create a database over a data directory with one node_<k> directory per node.",
        allowed_groups: &["root", "exaadm"],
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<NoOutput, JobError> {
        create_database(
            ctx.services,
            &p.db_name,
            p.nodes,
            p.data_path,
            p.auto_start,
            (ctx.caller.uid, 500),
        )?;
        Ok(NoOutput)
    }
}

/// Creates the node directories and the catalogue entry of a database. Shared by the job
/// and by the daemon's demo set-up.
pub fn create_database(
    services: &Services,
    name: &ObjectName,
    nodes: u32,
    data_path: Option<PathBuf>,
    running: bool,
    owner: (u32, u32),
) -> Result<DatabaseRecord, JobError> {
    if services.catalog.database(name.as_str())?.is_some() {
        return Err(JobError::Conflict(format!(
            "Database '{name}' already exists"
        )));
    }
    let owns_data = data_path.is_none();
    let data_path = data_path.unwrap_or_else(|| services.databases_dir().join(name.as_str()));
    let record = DatabaseRecord {
        name: name.as_str().to_owned(),
        version: services.version.clone(),
        state: if running {
            DbState::Running
        } else {
            DbState::Setup
        },
        nodes,
        data_path,
        owns_data,
        owner,
        created: jiff::Timestamp::now().as_second(),
        data_incomplete: false,
    };
    for dir in record.node_dirs() {
        std::fs::create_dir_all(&dir)
            .map_err(|e| JobError::Internal(format!("creating {}: {e}", dir.display())))?;
    }
    services.catalog.insert_database(&record)?;
    Ok(record)
}
