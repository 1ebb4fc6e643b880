//! Endpoints of the `volumes` tag: the archive volumes a database can use, and adding a
//! remote one.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use confd_jobs::Caller;
use serde_json::{Map, Value, json};

use super::{BodyErrors, Caught, CommonErrors, DbId, StateErrors, number, put, text, typed};
use crate::rest::RestState;
use crate::rest::error::{ApiError, Body};
use crate::rest::model::{AddVolume, Volume, VolumeAdded};

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
