//! Errors of the Administration API: one JSON shape, `{"code": ..., "message": ...}`, for
//! job failures (code = `result_name`, status from the result-code table), bad bodies,
//! authentication, unknown routes and methods.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use confd_jobs::{JobOutcome, ResultCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({"code": "NOT_FOUND", "message": "Database 'NOPE' does not exist"}))]
pub struct ApiErrorBody {
    /// Stable upper-case code: a ConfD `result_name` (`INVALID_PARAMETER`,
    /// `MISSING_PARAMETER`, `NOT_FOUND`, `WRONG_STATE`, `CONFLICT`, `PERMISSION_DENIED`,
    /// `UNSUPPORTED`, `ERROR`) or an HTTP-level code (`BAD_REQUEST`, `UNAUTHORIZED`,
    /// `METHOD_NOT_ALLOWED`, `PAYLOAD_TOO_LARGE`, `UNSUPPORTED_MEDIA_TYPE`).
    pub code: String,
    /// What went wrong, naming the parameter or object.
    pub message: String,
}

/// An error answer: status plus [`ApiErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// JSON body.
    pub body: ApiErrorBody,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            body: ApiErrorBody {
                code: code.to_owned(),
                message: message.into(),
            },
        }
    }

    /// A failed job: its `result_name` and `result_desc`, status from the result-code table.
    pub fn from_outcome(outcome: &JobOutcome) -> Self {
        let status = StatusCode::from_u16(outcome.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        ApiError::new(status, outcome.code.name(), outcome.desc.clone())
    }

    /// 500 whose details go to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("REST: internal error: {detail}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ResultCode::Error.name(),
            "Internal error; details are in the daemon log",
        )
    }

    /// 401 for missing or wrong credentials or a user outside `exaadm`.
    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Wrong or missing credentials; only members of group 'exaadm' may use this API",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let challenge = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (self.status, Json(self.body)).into_response();
        if challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Basic realm=\"confd\""),
            );
        }
        response
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(e) => {
                let text = e.body_text();
                let code = if text.contains("missing field") {
                    ResultCode::MissingParameter.name()
                } else {
                    ResultCode::InvalidParameter.name()
                };
                ApiError::new(StatusCode::BAD_REQUEST, code, text)
            }
            JsonRejection::JsonSyntaxError(e) => {
                ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", e.body_text())
            }
            JsonRejection::MissingJsonContentType(e) => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_MEDIA_TYPE",
                e.body_text(),
            ),
            JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "PAYLOAD_TOO_LARGE",
                    format!(
                        "The request body is larger than {} bytes",
                        crate::MAX_BODY_BYTES
                    ),
                )
            }
            JsonRejection::BytesRejection(e) => {
                ApiError::new(e.status(), "BAD_REQUEST", e.body_text())
            }
            other => ApiError::new(other.status(), "BAD_REQUEST", other.body_text()),
        }
    }
}

/// A JSON request body; every rejection (syntax, unknown or missing field, wrong type,
/// content type, size) becomes an [`ApiError`], so a malformed body never reaches a job.
pub struct Body<T>(pub T);

impl<T, S> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(rejection) => Err(rejection.into()),
        }
    }
}
