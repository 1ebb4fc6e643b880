//! `db_info`: a database's properties. Keys follow real output where they are known
//! (spec 3.1: `name`, `state`, `connectible`, `nodes`, `operation`, `config.owner`,
//! `config.num_active_nodes`); `data_path` and `version` are our extensions.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::JobError;
use crate::job::{Context, DB_READ_GROUPS, Effect, Job, JobSpec};
use crate::params::DbNameParam;
use crate::schedule::view::{ScheduleView, view};

/// The `db_info` job.
pub struct DbInfo;

/// What `db_info` shows of a database.
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseInfo {
    /// Name.
    pub name: String,
    /// Database version.
    pub version: String,
    /// `running`, `setup`, ...
    pub state: &'static str,
    /// `Yes` while running.
    pub connectible: &'static str,
    /// The cluster operation in progress; always `None` here.
    pub operation: &'static str,
    /// Node names by role.
    pub nodes: Nodes,
    /// Owner and node count.
    pub config: DatabaseConfig,
    /// Directory holding the node directories (our extension).
    pub data_path: String,
    /// True after an interrupted restore, until a restore succeeds (our extension).
    pub data_incomplete: bool,
}

/// The nodes of a database by role.
#[derive(Debug, Clone, Serialize)]
pub struct Nodes {
    /// Active nodes, `n11`, `n12`, ...
    pub active: Vec<String>,
    /// Failed nodes.
    pub failed: Vec<String>,
    /// Reserve nodes.
    pub reserve: Vec<String>,
}

/// The `config` part of `db_info`.
#[derive(Debug, Clone, Serialize)]
pub struct DatabaseConfig {
    /// `[uid, gid]`.
    pub owner: (u32, u32),
    /// Number of active nodes.
    pub num_active_nodes: u32,
    /// Backup schedules by name (absent when there are none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub backups: BTreeMap<String, ScheduleView>,
}

impl Job for DbInfo {
    const NAME: &'static str = "db_info";
    type Params = DbNameParam;
    type Output = DatabaseInfo;

    const SPEC: JobSpec = JobSpec {
        description: "Show the properties of a database: state, nodes, owner, data directory.",
        allowed_groups: DB_READ_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: DbNameParam) -> Result<DatabaseInfo, JobError> {
        let db = ctx.services.database(&p.db_name)?;
        let running = db.state == confd_storage::records::DbState::Running;
        Ok(DatabaseInfo {
            version: db.version,
            state: db.state.as_str(),
            connectible: if running { "Yes" } else { "No" },
            operation: "None",
            nodes: Nodes {
                active: (0..db.nodes).map(|k| format!("n{}", 11 + k)).collect(),
                failed: Vec::new(),
                reserve: Vec::new(),
            },
            config: DatabaseConfig {
                owner: db.owner,
                num_active_nodes: db.nodes,
                backups: schedules(ctx, &db.name)?,
            },
            data_path: db.data_path.display().to_string(),
            data_incomplete: db.data_incomplete,
            name: db.name,
        })
    }
}

fn schedules(ctx: &Context<'_>, db: &str) -> Result<BTreeMap<String, ScheduleView>, JobError> {
    let services = ctx.services;
    let schedules = services.catalog.schedules_of(db)?;
    if schedules.is_empty() {
        return Ok(BTreeMap::new());
    }
    let volumes = services.catalog.volumes()?;
    let zone = services.schedules.time_zone();
    let now = jiff::Timestamp::now();
    Ok(schedules
        .iter()
        .map(|s| (s.name.clone(), view(s, &volumes, &zone, now)))
        .collect())
}
