//! Request size limits shared by the listeners.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The body length a request declares, if any.
pub fn declared_length(req: &Request) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Refuses a declared body over the limit before the body is touched: no `100 Continue`
/// goes out, so the client never starts sending what would be cut off (a cut-off upload
/// ends in a connection reset the client reports instead of the 413).
pub async fn refuse_oversized(req: Request, next: Next) -> Response {
    if declared_length(&req).is_some_and(|n| n > crate::MAX_BODY_BYTES) {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The request body is larger than {} bytes\n",
                crate::MAX_BODY_BYTES
            ),
        )
            .into_response();
    }
    next.run(req).await
}
