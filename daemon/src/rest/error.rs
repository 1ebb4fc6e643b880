//! Errors of the Administration API: one JSON shape, `{"code": ..., "message": ...}`, for
//! job failures (code = `result_name`, status from the result-code table), bad bodies,
//! authentication, unknown routes and methods.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use confd_jobs::echo::capped;
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

    /// 401 for missing or wrong credentials.
    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Wrong or missing credentials; only members of group 'exaadm' may use this API",
        )
    }

    /// 403 for an authenticated user outside `exaadm`.
    pub fn forbidden(user: &str) -> Self {
        ApiError::new(
            StatusCode::FORBIDDEN,
            ResultCode::PermissionDenied.name(),
            format!("User '{user}' is not in group 'exaadm'; only its members may use this API"),
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
                let text = without_values(&e.body_text());
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

/// serde's message with the offending value left out: it may be a secret sent with the
/// wrong type (`password: invalid type: integer, expected a string`). Field names stay.
fn without_values(text: &str) -> String {
    for marker in ["invalid type: ", "invalid value: "] {
        let Some(start) = text.find(marker).map(|i| i + marker.len()) else {
            continue;
        };
        let Some(len) = text[start..].find(", expected") else {
            continue;
        };
        // `integer `123``, `string "abc"`, `floating point `1.5``: keep the kind only.
        let described = &text[start..start + len];
        let kind = described
            .split(['`', '"'])
            .next()
            .unwrap_or_default()
            .trim();
        let message = format!("{}{kind}{}", &text[..start], &text[start + len..]);
        return capped(&message, MAX_MESSAGE);
    }
    capped(text, MAX_MESSAGE)
}

/// Characters of a body error message (field names in it are the caller's).
const MAX_MESSAGE: usize = 500;

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

#[cfg(test)]
mod tests {
    use super::without_values;

    #[test]
    fn wrong_typed_values_are_not_echoed() {
        let serde = "Failed to deserialize the JSON body into the target type: password: invalid type: integer `123456789`, expected a string at line 1 column 23";
        assert_eq!(
            without_values(serde),
            "Failed to deserialize the JSON body into the target type: password: invalid type: integer, expected a string at line 1 column 23"
        );
        let string = "level: invalid type: string \"s3cr3t\", expected i64 at line 1 column 9";
        assert_eq!(
            without_values(string),
            "level: invalid type: string, expected i64 at line 1 column 9"
        );
    }
}
