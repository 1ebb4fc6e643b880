//! Endpoints of the `databases` tag: list, show, start and stop databases.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use confd_jobs::Caller;
use confd_jobs::job::{db_list::DbList, db_start::DbStart, db_stop::DbStop};
use confd_jobs::params::{CallParams, DB_NAME};

use super::{Caught, CommonErrors, DbId, StateErrors};
use crate::rest::RestState;
use crate::rest::model::{Database, DatabaseSummary, JobStarted};

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
    let names = api.exec(&caller, CallParams::<DbList>::new()).await?.output;
    let mut list = Vec::with_capacity(names.len());
    for name in names {
        match api.db_info(&caller, &name).await {
            Ok(info) => list.push(Database::from(info).summary),
            // Deleted between the two jobs: not in the list any more.
            Err(e) if e.status == StatusCode::NOT_FOUND => continue,
            Err(e) => return Err(e),
        }
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
    Ok(Json(api.db_info(&caller, &id).await?.into()))
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
    api.action(&caller, CallParams::<DbStart>::new().set(&DB_NAME, id))
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
    api.action(&caller, CallParams::<DbStop>::new().set(&DB_NAME, id))
        .await
}
