//! Endpoints of the `databases` tag: list, show, start and stop databases.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use confd_jobs::Caller;
use serde_json::{Value, json};

use super::{Caught, CommonErrors, DbId, StateErrors, number, text, typed};
use crate::rest::RestState;
use crate::rest::error::ApiError;
use crate::rest::model::{Database, DatabaseSummary, JobStarted};

fn database(info: &Value) -> Caught<Database> {
    let num_nodes = number(info.pointer("/config/num_active_nodes"))
        .or_else(|| {
            info.pointer("/nodes/active")
                .and_then(Value::as_array)
                .map(|a| a.len() as u64)
        })
        .ok_or_else(|| ApiError::internal("db_info output has no node count"))?;
    let name = text(info, "name");
    Ok(Database {
        summary: DatabaseSummary {
            id: name.clone(),
            name,
            version: text(info, "version"),
            state: text(info, "state"),
            num_nodes,
        },
        data_path: text(info, "data_path"),
    })
}

/// List databases.
#[utoipa::path(
    get,
    path = "/api/v1/databases",
    tag = "databases",
    description = "All databases (jobs `db_list` and `db_info`).",
    responses((status = 200, description = "The databases", body = Vec<DatabaseSummary>), CommonErrors)
)]
pub async fn list_databases(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
) -> Caught<Json<Vec<DatabaseSummary>>> {
    let (_, names) = api.job(&caller, "db_list", json!({})).await?;
    let names: Vec<String> = typed("db_list", names)?;
    let mut list = Vec::with_capacity(names.len());
    for name in names {
        let info = match api.db_info(&caller, &name).await {
            Ok(info) => info,
            // Deleted between the two jobs: not in the list any more.
            Err(e) if e.status == StatusCode::NOT_FOUND => continue,
            Err(e) => return Err(e),
        };
        list.push(database(&info)?.summary);
    }
    Ok(Json(list))
}

/// One database.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{id}",
    tag = "databases",
    description = "One database (job `db_info`).",
    params(("id" = String, Path, description = "Database ID (its name)", example = "MY_DATABASE")),
    responses((status = 200, description = "The database", body = Database), CommonErrors)
)]
pub async fn get_database(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
) -> Caught<Json<Database>> {
    Ok(Json(database(&api.db_info(&caller, &id).await?)?))
}

/// Start a database.
#[utoipa::path(
    put,
    path = "/api/v1/databases/{id}/start",
    tag = "databases",
    description = "Start the database (job `db_start`).",
    params(("id" = String, Path, description = "Database ID (its name)")),
    responses((status = 200, description = "Started", body = JobStarted), CommonErrors, StateErrors)
)]
pub async fn start_database(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
) -> Caught<Json<JobStarted>> {
    api.action(&caller, "db_start", json!({"db_name": id}))
        .await
}

/// Stop a database.
#[utoipa::path(
    put,
    path = "/api/v1/databases/{id}/stop",
    tag = "databases",
    description = "Stop the database (job `db_stop`).",
    params(("id" = String, Path, description = "Database ID (its name)")),
    responses((status = 200, description = "Stopped", body = JobStarted), CommonErrors, StateErrors)
)]
pub async fn stop_database(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
) -> Caught<Json<JobStarted>> {
    api.action(&caller, "db_stop", json!({"db_name": id})).await
}
