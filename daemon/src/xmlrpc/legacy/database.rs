//! The database object `/cluster1/db_<name>` (reference: Service `Database`): state,
//! start and stop, progress and schedules. Its backup methods are in `backups.rs`.

use confd_jobs::job::db_backup_progress::DbBackupProgress;
use confd_jobs::job::db_info::{DatabaseInfo, DbInfo};
use confd_jobs::job::db_start::DbStart;
use confd_jobs::job::db_state::DbState;
use confd_jobs::job::db_stop::{DbStop, FORCE};
use confd_jobs::params::{CallParams, DB_NAME};
use dxr::{Fault, Value};
use serde_json::json;

use super::{Args, Ctx};
use crate::xmlrpc::from_json;

async fn db_info(cx: &Ctx<'_>) -> Result<DatabaseInfo, Fault> {
    cx.run(CallParams::<DbInfo>::new().set(&DB_NAME, cx.db()?))
        .await
}

async fn db_state(cx: &Ctx<'_>) -> Result<&'static str, Fault> {
    cx.run(CallParams::<DbState>::new().set(&DB_NAME, cx.db()?))
        .await
}

/// EXAoperation's node names are `n` and four digits (`n11` is `n0011`).
fn node_names(names: &[String]) -> Vec<String> {
    names
        .iter()
        .map(
            |n| match n.strip_prefix('n').and_then(|k| k.parse::<u32>().ok()) {
                Some(k) => format!("n{k:04}"),
                None => n.clone(),
            },
        )
        .collect()
}

fn nodes_json(info: &DatabaseInfo) -> serde_json::Value {
    json!({
        "active": node_names(&info.nodes.active),
        "failed": node_names(&info.nodes.failed),
        "reserve": node_names(&info.nodes.reserve),
    })
}

/// `getDatabaseInfo`, with the keys of the reference README's example; what this server
/// has no notion of (volumes, quota, usage) has the value EXAoperation gave a database
/// without it.
pub async fn info(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let info = db_info(cx).await?;
    Ok(from_json(&json!({
        "connectible": info.connectible,
        "connection string": "",
        "info": "",
        "name": info.name,
        "nodes": nodes_json(&info),
        "operation": info.operation,
        "persistent volume": "None",
        "quota": 0,
        "state": info.state,
        "temporary volume": "None",
        "usage persistent": 0,
        "usage temporary": 0,
    })))
}

/// `getDatabaseNodes`.
pub async fn nodes(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    Ok(from_json(&nodes_json(&db_info(cx).await?)))
}

/// `getDatabaseConnectionState`: `Yes` or `No`.
pub async fn connection_state(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    Ok(Value::String(db_info(cx).await?.connectible.into()))
}

/// `getDatabaseVersion`.
pub async fn version(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    Ok(Value::String(db_info(cx).await?.version))
}

/// `getProperties`: the reference's keys this server has values for.
pub async fn properties(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let info = db_info(cx).await?;
    Ok(from_json(&json!({
        "database_comment": "",
        "database_name": info.name,
        "database_version": info.version,
        "nodes_list": node_names(&info.nodes.active),
        "nodes_number": info.config.num_active_nodes,
    })))
}

/// `runningDatabase`.
pub async fn running(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    Ok(Value::Boolean(db_state(cx).await? == "running"))
}

/// `stateDatabase`, `getDatabaseState`: the state word, as `getDatabaseInfo` shows it.
pub async fn state(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    Ok(Value::String(db_state(cx).await?.into()))
}

/// `existDatabase`: the object exists only for a database that does.
pub async fn exists(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    db_state(cx).await?;
    Ok(Value::Boolean(true))
}

async fn run_start(cx: &Ctx<'_>) -> Result<Value, Fault> {
    cx.run(CallParams::<DbStart>::new().set(&DB_NAME, cx.db()?))
        .await?;
    Ok(Value::Nil)
}

async fn run_stop(cx: &Ctx<'_>, force: bool) -> Result<Value, Fault> {
    cx.run(
        CallParams::<DbStop>::new()
            .set(&DB_NAME, cx.db()?)
            .set(&FORCE, force),
    )
    .await?;
    Ok(Value::Nil)
}

/// `startDatabase`: `None`, as EXAoperation answered.
pub async fn start(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    run_start(cx).await
}

/// `shutdownDatabase`, `stopDatabase`.
pub async fn shutdown(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    run_stop(cx, false).await
}

/// `forceShutdownDatabase`.
pub async fn force_shutdown(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    run_stop(cx, true).await
}

/// `restartDatabase`: stop, then start.
pub async fn restart(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    run_stop(cx, false).await?;
    run_start(cx).await
}

/// `getPddProgress`: `db_backup_progress` as it is.
pub async fn pdd_progress(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let progress = cx
        .run(CallParams::<DbBackupProgress>::new().set(&DB_NAME, cx.db()?))
        .await?;
    to_value(&progress)
}

/// `operationGetCurrent`, `getDatabaseOperation`: `Backup`, `Restore` or `None`.
pub async fn current_operation(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let progress = cx
        .run(CallParams::<DbBackupProgress>::new().set(&DB_NAME, cx.db()?))
        .await?;
    let running =
        !progress.kind.is_empty() && !progress.phase.is_empty() && progress.phase != "Done";
    Ok(Value::String(
        if running { progress.kind } else { "None" }.into(),
    ))
}

/// `getBackupSchedule`: one dictionary per schedule (its `name` and what `db_info`
/// shows under `config: backups:`), by name; empty when there are none.
pub async fn schedules(cx: &Ctx<'_>, _: Args<'_>) -> Result<Value, Fault> {
    let info = db_info(cx).await?;
    let mut list = Vec::with_capacity(info.config.backups.len());
    for (name, view) in &info.config.backups {
        let mut entry = json_of(view)?;
        if let Some(map) = entry.as_object_mut() {
            map.insert("name".into(), name.clone().into());
        }
        list.push(entry);
    }
    Ok(from_json(&serde_json::Value::Array(list)))
}

/// A typed job output as XML-RPC.
pub fn to_value(output: &impl serde::Serialize) -> Result<Value, Fault> {
    json_of(output).map(|v| from_json(&v))
}

/// A typed job output as its wire JSON.
pub fn json_of(output: &impl serde::Serialize) -> Result<serde_json::Value, Fault> {
    serde_json::to_value(output).map_err(internal)
}

fn internal(e: serde_json::Error) -> Fault {
    tracing::error!("rendering a legacy result failed: {e}");
    super::zope(
        "InternalError",
        "rendering the result failed; details are in the daemon log".into(),
    )
}
