//! One handler per endpoint of design 5.2, each a thin mapping: camelCase body -> job
//! parameters, job outcome -> HTTP. Values are checked by the jobs.

use axum::Json;
use axum::extract::{Extension, FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use confd_jobs::Caller;
use serde_json::{Map, Value, json};
use utoipa::IntoResponses;

use super::RestState;
use super::error::{ApiError, ApiErrorBody, Body};
use super::model::{
    AddVolume, Backup, ChangeExpiration, Database, DatabaseSummary, DeleteBackups, JobStarted,
    Progress, Restore, StartBackup, Volume, VolumeAdded,
};

/// Errors every authenticated endpoint can answer.
#[derive(IntoResponses)]
#[allow(dead_code)] // documentation only
pub enum CommonErrors {
    /// A parameter or body field is invalid, unknown or missing (`INVALID_PARAMETER`,
    /// `MISSING_PARAMETER`, `UNSUPPORTED`), or the JSON body is malformed (`BAD_REQUEST`);
    /// the message names the problem.
    #[response(status = 400)]
    BadRequest(ApiErrorBody),
    /// No or wrong credentials, or the user is not in group `exaadm`.
    #[response(
        status = 401,
        headers(("WWW-Authenticate" = String, description = "Basic realm=\"confd\""))
    )]
    Unauthorized(ApiErrorBody),
    /// The user may not run the job (`PERMISSION_DENIED`).
    #[response(status = 403)]
    Forbidden(ApiErrorBody),
    /// The database, volume or backup does not exist (`NOT_FOUND`).
    #[response(status = 404)]
    NotFound(ApiErrorBody),
    /// The method is not served on this path (`METHOD_NOT_ALLOWED`).
    #[response(
        status = 405,
        headers(("Allow" = String, description = "Methods served on this path"))
    )]
    MethodNotAllowed(ApiErrorBody),
    /// Internal error (`ERROR`); details are in the daemon log only.
    #[response(status = 500)]
    Internal(ApiErrorBody),
}

/// Errors of endpoints that change something.
#[derive(IntoResponses)]
#[allow(dead_code)] // documentation only
pub enum StateErrors {
    /// The object is in the wrong state or another operation holds it (`WRONG_STATE`,
    /// `CONFLICT`).
    #[response(status = 409)]
    Conflict(ApiErrorBody),
}

/// Errors of endpoints that take a JSON body.
#[derive(IntoResponses)]
#[allow(dead_code)] // documentation only
pub enum BodyErrors {
    /// The body is larger than the limit (`PAYLOAD_TOO_LARGE`).
    #[response(status = 413)]
    PayloadTooLarge(ApiErrorBody),
    /// The body is not `application/json` (`UNSUPPORTED_MEDIA_TYPE`).
    #[response(status = 415)]
    UnsupportedMediaType(ApiErrorBody),
}

/// The `{id}` path segment: a database ID (its name).
pub struct DbId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for DbId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(id)| DbId(id))
            .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", e.body_text()))
    }
}

type Caught<T> = Result<T, ApiError>;

impl RestState {
    /// Runs a job; a failed outcome becomes the error answer.
    async fn job(&self, caller: &Caller, name: &str, params: Value) -> Caught<(String, Value)> {
        let outcome = self.dispatcher.exec(name, Some(params), caller).await;
        if outcome.code == confd_jobs::ResultCode::Ok {
            Ok((outcome.job_id, outcome.output.unwrap_or(Value::Null)))
        } else {
            Err(ApiError::from_outcome(&outcome))
        }
    }

    /// Runs a job without output of interest and answers its job ID.
    async fn action(&self, caller: &Caller, name: &str, params: Value) -> Caught<Json<JobStarted>> {
        let (job_id, _) = self.job(caller, name, params).await?;
        Ok(Json(JobStarted { job_id }))
    }

    /// `db_info` of a database (404 when it does not exist).
    async fn db_info(&self, caller: &Caller, db: &str) -> Caught<Value> {
        Ok(self.job(caller, "db_info", json!({"db_name": db})).await?.1)
    }
}

fn typed<T: serde::de::DeserializeOwned>(job: &str, output: Value) -> Caught<T> {
    serde_json::from_value(output)
        .map_err(|e| ApiError::internal(format!("unexpected output of {job}: {e}")))
}

fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn number(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

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
        id: name.clone(),
        name,
        version: text(info, "version"),
        state: text(info, "state"),
        num_nodes,
        data_path: text(info, "data_path"),
    })
}

/// Sets `key` when `value` is present.
fn put(map: &mut Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.into());
    }
}

/// `backup_volume_id`, or `backup_volume_name` when no ID is given: the ID wins.
fn volume_ref(map: &mut Map<String, Value>, id: Option<i64>, name: Option<String>) {
    match id {
        Some(id) => put(map, "backup_volume_id", Some(id)),
        None => put(map, "backup_volume_name", name),
    }
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
        let db = database(&info)?;
        list.push(DatabaseSummary {
            id: db.id,
            name: db.name,
            version: db.version,
            state: db.state,
            num_nodes: db.num_nodes,
        });
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

/// List the archive volumes a database can use.
#[utoipa::path(
    get,
    path = "/api/v1/databases/{id}/volumes",
    tag = "volumes",
    description = "Remote and local archive volumes the database can back up to (jobs `remote_volume_list_details` and `st_volume_list`).",
    params(("id" = String, Path, description = "Database ID (its name)")),
    responses((status = 200, description = "The volumes", body = Vec<Volume>), CommonErrors)
)]
pub async fn list_volumes(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
) -> Caught<Json<Vec<Volume>>> {
    api.db_info(&caller, &id).await?;
    let (_, remote) = api
        .job(&caller, "remote_volume_list_details", json!({}))
        .await?;
    let (_, local) = api.job(&caller, "st_volume_list", json!({})).await?;
    let remote: Vec<Value> = typed("remote_volume_list_details", remote)?;
    let local: Vec<Value> = typed("st_volume_list", local)?;
    let mut volumes = Vec::with_capacity(remote.len() + local.len());
    for v in &remote {
        volumes.push(Volume {
            id: number(v.get("vid"))
                .ok_or_else(|| ApiError::internal("remote volume without a numeric vid"))?,
            name: text(v, "name"),
            kind: "remote".into(),
            vol_type: text(v, "type"),
            url: text(v, "url"),
        });
    }
    for v in &local {
        volumes.push(Volume {
            id: number(v.get("id"))
                .ok_or_else(|| ApiError::internal("local volume without a numeric id"))?,
            name: text(v, "name"),
            kind: "local".into(),
            vol_type: text(v, "type").to_ascii_lowercase(),
            url: format!("file://{}", text(v, "path")),
        });
    }
    Ok(Json(volumes))
}

/// Add a remote archive volume.
#[utoipa::path(
    post,
    path = "/api/v1/databases/{id}/volumes",
    tag = "volumes",
    description = "Add a remote archive volume (job `remote_volume_add`).",
    params(("id" = String, Path, description = "Database ID (its name)")),
    request_body = AddVolume,
    responses(
        (status = 201, description = "Added", body = VolumeAdded),
        CommonErrors, StateErrors, BodyErrors
    )
)]
pub async fn add_volume(
    State(api): State<RestState>,
    Extension(caller): Extension<Caller>,
    DbId(id): DbId,
    Body(body): Body<AddVolume>,
) -> Caught<(StatusCode, Json<VolumeAdded>)> {
    api.db_info(&caller, &id).await?;
    let mut p = Map::new();
    p.insert("vol_type".into(), body.vol_type.into());
    p.insert("url".into(), body.url.into());
    put(&mut p, "remote_volume_name", body.remote_volume_name);
    put(&mut p, "remote_volume_id", body.remote_volume_id);
    put(&mut p, "username", body.username);
    put(&mut p, "password", body.password);
    put(&mut p, "options", body.options);
    let (job_id, output) = api
        .job(&caller, "remote_volume_add", Value::Object(p))
        .await?;
    let name = output
        .pointer("/0/0")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::internal("remote_volume_add output has no volume name"))?
        .to_owned();
    Ok((StatusCode::CREATED, Json(VolumeAdded { job_id, name })))
}

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
