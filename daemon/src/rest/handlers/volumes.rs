//! Endpoints of the `volumes` tag: the archive volumes a database can use, and adding a
//! remote one.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use confd_jobs::Caller;
use confd_jobs::job::{
    remote_volume_add as add, remote_volume_list_details::RemoteVolumeListDetails,
    st_volume_list::StVolumeList,
};
use confd_jobs::params::CallParams;

use super::{BodyErrors, Caught, CommonErrors, DbId, StateErrors};
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
    let remote = api.exec(&caller, CallParams::<RemoteVolumeListDetails>::new());
    let remote = remote.await?.output;
    let local = api.exec(&caller, CallParams::<StVolumeList>::new());
    let local = local.await?.output;
    let volumes: Vec<Volume> = remote
        .into_iter()
        .map(Volume::from)
        .chain(local.into_iter().map(Volume::from))
        .collect();
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
    let params = CallParams::<add::RemoteVolumeAdd>::new()
        .set(&add::VOL_TYPE, body.vol_type)
        .set(&add::URL, body.url)
        .set_opt(&add::REMOTE_VOLUME_NAME, body.remote_volume_name)
        .set_opt(&add::REMOTE_VOLUME_ID, body.remote_volume_id)
        .set_opt(&add::USERNAME, body.username)
        .set_opt(&add::PASSWORD, body.password)
        .set_opt(&add::OPTIONS_PARAM, body.options);
    let done = api.exec(&caller, params).await?;
    let name = done
        .output
        .first()
        .map(|added| added.name().to_owned())
        .ok_or_else(|| ApiError::internal("remote_volume_add answered no volume"))?;
    Ok((
        StatusCode::CREATED,
        Json(VolumeAdded {
            job_id: done.job_id,
            name,
        }),
    ))
}
