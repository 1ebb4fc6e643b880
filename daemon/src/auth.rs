//! HTTP Basic authentication shared by the XML-RPC and REST edges.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use confd_jobs::{Caller, Services};

/// The caller named by the `Authorization: Basic` header, if the password matches.
pub async fn caller(headers: &HeaderMap, services: &Services) -> Option<Caller> {
    let (user, password) = credentials(headers)?;
    services.auth.authenticate_async(&user, &password).await
}

fn credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let encoded = headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// 401 with the challenge Python's `xmlrpc.client` and curl expect.
pub fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Basic realm=\"confd\"")],
        "Unauthorized: wrong or missing credentials\n",
    )
        .into_response()
}
