//! `db_info`: a database's properties. Keys follow real output where they are known
//! (spec 3.1: `name`, `state`, `connectible`, `nodes`, `operation`, `config.owner`,
//! `config.num_active_nodes`); `data_path` and `version` are our extensions.

use serde_json::{Value, json};

use crate::error::JobError;
use crate::job::{Context, DB_GROUPS, Effect, Job, JobSpec};
use crate::params::DbNameParam;

/// The `db_info` job.
pub struct DbInfo;

impl Job for DbInfo {
    const NAME: &'static str = "db_info";
    type Params = DbNameParam;
    type Output = Value;

    const SPEC: JobSpec = JobSpec {
        description: "Show the properties of a database: state, nodes, owner, data directory.",
        allowed_groups: DB_GROUPS,
        effect: Effect::ReadOnly,
    };

    async fn run(ctx: &Context<'_>, p: DbNameParam) -> Result<Value, JobError> {
        let db = ctx.services.database(&p.db_name)?;
        let running = db.state == confd_storage::records::DbState::Running;
        let node_names: Vec<String> = (0..db.nodes).map(|k| format!("n{}", 11 + k)).collect();
        Ok(json!({
            "name": db.name,
            "version": db.version,
            "state": db.state.as_str(),
            "connectible": if running { "Yes" } else { "No" },
            "operation": "None",
            "nodes": {"active": node_names, "failed": [], "reserve": []},
            "config": {"owner": [db.owner.0, db.owner.1], "num_active_nodes": db.nodes},
            "data_path": db.data_path.display().to_string(),
            "data_incomplete": db.data_incomplete,
        }))
    }
}
