//! One handler per endpoint of design 5.2, each a thin mapping: camelCase body -> the
//! job's typed parameters, the job's typed output -> the camelCase model (`From` impls in
//! `model`). Values are checked by the jobs.
//!
//! The handlers live in one file per resource (`databases`, `volumes`, `backups`) and
//! are re-exported here, with the OpenAPI path items utoipa generates beside them, so the
//! route table and [`ApiDoc`](super::ApiDoc) name them as `handlers::<name>`. This file
//! holds what they share: documented error answers, the `{id}` extractor and running a
//! job by its type.

mod backups;
mod databases;
mod volumes;

pub use backups::*;
pub use databases::*;
pub use volumes::*;

use axum::Json;
use axum::extract::{FromRequestParts, Path};
use axum::http::StatusCode;
use axum::http::request::Parts;
use confd_jobs::dispatch::Executed;
use confd_jobs::job::db_info::{DatabaseInfo, DbInfo};
use confd_jobs::params::{CallParams, DB_NAME};
use confd_jobs::{Caller, Job};
use utoipa::IntoResponses;

use super::RestState;
use super::error::{ApiError, ApiErrorBody};
use super::model::JobStarted;

/// Errors every authenticated endpoint can answer.
#[derive(IntoResponses)]
#[allow(dead_code)] // documentation only
pub enum CommonErrors {
    /// A parameter or body field is invalid, unknown or missing (`INVALID_PARAMETER`,
    /// `MISSING_PARAMETER`, `UNSUPPORTED`), or the JSON body is malformed (`BAD_REQUEST`);
    /// the message names the problem.
    #[response(status = 400)]
    BadRequest(ApiErrorBody),
    /// No or wrong credentials.
    #[response(
        status = 401,
        headers(("WWW-Authenticate" = String, description = "Basic realm=\"confd\""))
    )]
    Unauthorized(ApiErrorBody),
    /// The user is not in group `exaadm`, or may not run the job (`PERMISSION_DENIED`).
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
    /// Runs job `J`; a failed outcome becomes the error answer.
    async fn exec<J: Job>(
        &self,
        caller: &Caller,
        params: CallParams<J>,
    ) -> Caught<Executed<J::Output>> {
        self.dispatcher
            .exec_job::<J>(caller, params)
            .await
            .map_err(|outcome| ApiError::from_outcome(&outcome))
    }

    /// Runs job `J` for its effect and answers its job ID.
    async fn action<J: Job>(
        &self,
        caller: &Caller,
        params: CallParams<J>,
    ) -> Caught<Json<JobStarted>> {
        let done = self.exec::<J>(caller, params).await?;
        Ok(Json(JobStarted {
            job_id: done.job_id,
        }))
    }

    /// `db_info` of a database (404 when it does not exist).
    async fn db_info(&self, caller: &Caller, db: &str) -> Caught<DatabaseInfo> {
        let params = CallParams::<DbInfo>::new().set(&DB_NAME, db);
        Ok(self.exec(caller, params).await?.output)
    }
}
