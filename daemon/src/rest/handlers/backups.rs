//! Endpoints of the `backups` tag: list, start, abort and follow backups, delete them,
//! restore one, and change when one expires.

use axum::Json;
use axum::extract::{Extension, State};
use confd_jobs::Caller;
use serde_json::{Map, Value, json};

use super::{BodyErrors, Caught, CommonErrors, DbId, StateErrors, put, typed, volume_ref};
use crate::rest::RestState;
use crate::rest::error::Body;
use crate::rest::model::{
    Backup, ChangeExpiration, DeleteBackups, JobStarted, Progress, Restore, StartBackup,
};

/// List a database's backups.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{id}/backups",
    tag = "backups",
    description = "The database's backups (job `db_backup_list`).",
    params(("id" = String, Path, description = "Database ID (its name)")),
    responses((status = 200, description = "The backups", body = Vec<Backup>), CommonErrors)
)]
pub async fn list_backups(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
) -> Caught<Json<Vec<Backup>>> {
    let (_, output) = api
        .job(&caller, "db_backup_list", json!({"db_name": id}))
        .await?;
    if output.is_null() {
        return Ok(Json(Vec::new()));
    }
    Ok(Json(typed("db_backup_list", output)?))
}

/// Start a backup.
#[utoipa::path(
    put,
    path = "/api/v1/databases/{id}/backups/start",
    tag = "backups",
    description = "Start a backup in the background (job `db_backup_start`); follow it with `GET .../backups/progress`.",
    params(("id" = String, Path, description = "Database ID (its name)")),
    request_body = StartBackup,
    responses(
        (status = 200, description = "The backup runs", body = JobStarted),
        CommonErrors, StateErrors, BodyErrors
    )
)]
pub async fn start_backup(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
    Body(body): Body<StartBackup>,
) -> Caught<Json<JobStarted>> {
    let mut p = Map::new();
    p.insert("db_name".into(), id.into());
    volume_ref(&mut p, body.backup_volume_id, body.backup_volume_name);
    p.insert("level".into(), body.level.into());
    put(&mut p, "expire", body.expire);
    api.action(&caller, "db_backup_start", Value::Object(p))
        .await
}

/// Abort the running backup.
#[utoipa::path(
    put,
    path = "/api/v1/databases/{id}/backups/abort",
    tag = "backups",
    description = "Abort the database's running backup (job `db_backup_abort`).",
    params(("id" = String, Path, description = "Database ID (its name)")),
    responses((status = 200, description = "Aborted", body = JobStarted), CommonErrors, StateErrors)
)]
pub async fn abort_backup(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
) -> Caught<Json<JobStarted>> {
    api.action(&caller, "db_backup_abort", json!({"db_name": id}))
        .await
}

/// Progress of the running or last backup or restore.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{id}/backups/progress",
    tag = "backups",
    description = "Progress of the running or last backup or restore (job `db_backup_progress`).",
    params(("id" = String, Path, description = "Database ID (its name)")),
    responses((status = 200, description = "The progress", body = Progress), CommonErrors)
)]
pub async fn backup_progress(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
) -> Caught<Json<Progress>> {
    let (_, output) = api
        .job(&caller, "db_backup_progress", json!({"db_name": id}))
        .await?;
    if output.is_null() {
        return Ok(Json(Progress::default()));
    }
    Ok(Json(typed("db_backup_progress", output)?))
}

/// Delete backups.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{id}/backups/bulk_delete",
    tag = "backups",
    description = "Delete backups (job `db_backups_delete`).",
    params(("id" = String, Path, description = "Database ID (its name)")),
    request_body = DeleteBackups,
    responses(
        (status = 200, description = "Deleted", body = JobStarted),
        CommonErrors, StateErrors, BodyErrors
    )
)]
pub async fn delete_backups(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
    Body(body): Body<DeleteBackups>,
) -> Caught<Json<JobStarted>> {
    api.action(
        &caller,
        "db_backups_delete",
        json!({"db_name": id, "backup_list": body.backup_ids}),
    )
    .await
}

/// Restore a backup.
#[utoipa::path(
    put,
    path = "/api/v1/databases/{id}/backups/restore",
    tag = "backups",
    description = "Restore a backup into the database (job `db_restore`); follow it with `GET .../backups/progress`.",
    params(("id" = String, Path, description = "Database ID (its name)")),
    request_body = Restore,
    responses(
        (status = 200, description = "The restore runs", body = JobStarted),
        CommonErrors, StateErrors, BodyErrors
    )
)]
pub async fn restore_backup(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
    Body(body): Body<Restore>,
) -> Caught<Json<JobStarted>> {
    let restore_type = body.restore_type.unwrap_or_else(|| "blocking".into());
    api.action(
        &caller,
        "db_restore",
        json!({"db_name": id, "backup_id": body.backup_id, "restore_type": restore_type}),
    )
    .await
}

/// Change the expiry of a backup.
#[utoipa::path(
    put,
    path = "/api/v1/databases/{id}/backups/expiration",
    tag = "backups",
    description = "Change when a backup expires (job `db_backup_change_expiration`).",
    params(("id" = String, Path, description = "Database ID (its name)")),
    request_body = ChangeExpiration,
    responses(
        (status = 200, description = "Changed", body = JobStarted),
        CommonErrors, StateErrors, BodyErrors
    )
)]
pub async fn change_expiration(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
    Body(body): Body<ChangeExpiration>,
) -> Caught<Json<JobStarted>> {
    api.db_info(&caller, &id).await?;
    let mut p = Map::new();
    volume_ref(&mut p, body.backup_volume_id, body.backup_volume_name);
    p.insert("backup_files".into(), body.backup_files.into());
    p.insert("expire_time".into(), body.expire_time.into());
    api.action(&caller, "db_backup_change_expiration", Value::Object(p))
        .await
}
