//! Endpoints of the `backups` tag: list, start, abort and follow backups, delete them,
//! restore one, and change when one expires.

use axum::Json;
use axum::extract::{Extension, State};
use confd_jobs::Caller;
use confd_jobs::job::{
    db_backup_abort::DbBackupAbort, db_backup_change_expiration as change,
    db_backup_list::DbBackupList, db_backup_progress::DbBackupProgress, db_backup_start as start,
    db_backups_delete as delete, db_restore as restore,
};
use confd_jobs::params::{CallParams, DB_NAME};

use super::{BodyErrors, Caught, CommonErrors, DbId, StateErrors};
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
    let params = CallParams::<DbBackupList>::new().set(&DB_NAME, id);
    let backups = api.exec(&caller, params).await?.output;
    Ok(Json(backups.into_iter().map(Backup::from).collect()))
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
    let params = CallParams::<start::DbBackupStart>::new()
        .set(&start::DB, id)
        .volume(
            &start::VOLUME,
            body.backup_volume_id,
            body.backup_volume_name,
        )
        .set(&start::LEVEL, body.level)
        .set_opt(&start::EXPIRE, body.expire);
    api.action(&caller, params).await
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
    api.action(
        &caller,
        CallParams::<DbBackupAbort>::new().set(&DB_NAME, id),
    )
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
    let params = CallParams::<DbBackupProgress>::new().set(&DB_NAME, id);
    Ok(Json(api.exec(&caller, params).await?.output.into()))
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
    let params = CallParams::<delete::DbBackupsDelete>::new()
        .set(&delete::DB, id)
        .set(&delete::BACKUP_LIST, body.backup_ids);
    api.action(&caller, params).await
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
    let params = CallParams::<restore::DbRestore>::new()
        .set(&restore::DB, id)
        .set(&restore::BACKUP_ID, body.backup_id)
        .set(
            &restore::RESTORE_TYPE,
            body.restore_type.unwrap_or_else(|| "blocking".into()),
        );
    api.action(&caller, params).await
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
    let params = CallParams::<change::DbBackupChangeExpiration>::new()
        .volume(
            &change::VOLUME,
            body.backup_volume_id,
            body.backup_volume_name,
        )
        .set(&change::BACKUP_FILES, body.backup_files)
        .set(&change::EXPIRE_TIME, body.expire_time);
    api.action(&caller, params).await
}
