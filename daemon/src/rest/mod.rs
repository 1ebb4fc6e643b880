//! The Administration API (design 5.2): REST/JSON over HTTPS, HTTP Basic auth for members
//! of `exaadm` (or `root`), each endpoint a thin mapping onto the same jobs as XML-RPC
//! through the [`Dispatcher`]. Errors are `{"code", "message"}` ([`error`]); the OpenAPI
//! document at `GET /openapi.json` is generated from the handlers ([`ApiDoc`]).
//!
//! The router is built from one table, [`endpoints`]; [`served_routes`] lists it, and a
//! test checks it against the OpenAPI document both ways.

pub mod error;
pub mod handlers;
pub mod model;

use std::sync::{Arc, LazyLock};

use axum::Json;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post, put};
use confd_jobs::Dispatcher;
use tower_http::catch_panic::CatchPanicLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::auth;
use error::{ApiError, ApiErrorBody};

/// State of the REST listener.
#[derive(Clone)]
pub struct RestState {
    /// Runs the jobs.
    pub dispatcher: Arc<Dispatcher>,
}

/// The OpenAPI document, generated from the handlers' annotations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "confd-rs Administration API",
        description = "Exasol's Administration API for databases, archive volumes and backups, served by confd-rs on top of the same ConfD jobs as XML-RPC. HTTP Basic auth; only members of group `exaadm` (or root) may use it: other users get 403. Errors are `{\"code\", \"message\"}`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    paths(
        handlers::list_databases,
        handlers::get_database,
        handlers::start_database,
        handlers::stop_database,
        handlers::list_volumes,
        handlers::add_volume,
        handlers::list_backups,
        handlers::start_backup,
        handlers::abort_backup,
        handlers::backup_progress,
        handlers::delete_backups,
        handlers::restore_backup,
        handlers::change_expiration,
        openapi_json,
    ),
    components(schemas(ApiErrorBody)),
    modifiers(&BasicAuth),
    security(("basicAuth" = [])),
    tags(
        (name = "databases", description = "Databases"),
        (name = "volumes", description = "Archive volumes"),
        (name = "backups", description = "Backups and restores"),
        (name = "meta", description = "This document")
    )
)]
pub struct ApiDoc;

struct BasicAuth;

impl Modify for BasicAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basicAuth",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
    }
}

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(ApiDoc::openapi);

/// The OpenAPI 3 document of this API.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    security(()),
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(DOCUMENT.clone())
}

/// One served route: method, path (OpenAPI syntax, which axum 0.8 shares), whether it
/// needs authentication, and its handler.
pub struct Endpoint {
    /// HTTP method.
    pub method: Method,
    /// Path.
    pub path: &'static str,
    /// Needs Basic auth of an `exaadm` member.
    pub authenticated: bool,
    route: MethodRouter<RestState>,
}

fn endpoint(method: Method, path: &'static str, route: MethodRouter<RestState>) -> Endpoint {
    Endpoint {
        method,
        path,
        authenticated: true,
        route,
    }
}

/// Every route the router serves; the router is built from this table only.
pub fn endpoints() -> Vec<Endpoint> {
    use handlers::*;
    vec![
        endpoint(Method::GET, "/api/v1/databases", get(list_databases)),
        endpoint(Method::GET, "/api/v1/databases/{id}", get(get_database)),
        endpoint(
            Method::PUT,
            "/api/v1/databases/{id}/start",
            put(start_database),
        ),
        endpoint(
            Method::PUT,
            "/api/v1/databases/{id}/stop",
            put(stop_database),
        ),
        endpoint(
            Method::GET,
            "/api/v1/databases/{id}/volumes",
            get(list_volumes),
        ),
        endpoint(
            Method::POST,
            "/api/v1/databases/{id}/volumes",
            post(add_volume),
        ),
        endpoint(
            Method::GET,
            "/api/v1/databases/{id}/backups",
            get(list_backups),
        ),
        endpoint(
            Method::PUT,
            "/api/v1/databases/{id}/backups/start",
            put(start_backup),
        ),
        endpoint(
            Method::PUT,
            "/api/v1/databases/{id}/backups/abort",
            put(abort_backup),
        ),
        endpoint(
            Method::GET,
            "/api/v1/databases/{id}/backups/progress",
            get(backup_progress),
        ),
        endpoint(
            Method::POST,
            "/api/v1/databases/{id}/backups/bulk_delete",
            post(delete_backups),
        ),
        endpoint(
            Method::PUT,
            "/api/v1/databases/{id}/backups/restore",
            put(restore_backup),
        ),
        endpoint(
            Method::PUT,
            "/api/v1/databases/{id}/backups/expiration",
            put(change_expiration),
        ),
        Endpoint {
            method: Method::GET,
            path: "/openapi.json",
            authenticated: false,
            route: get(openapi_json),
        },
    ]
}

/// `(method, path)` of every route the router serves, e.g. `("GET", "/openapi.json")`.
pub fn served_routes() -> Vec<(String, String)> {
    endpoints()
        .iter()
        .map(|e| (e.method.to_string(), e.path.to_owned()))
        .collect()
}

/// The REST router: the endpoint table, Basic auth for `exaadm` on the API routes, JSON
/// answers for unknown routes (404) and methods (405), the body limit (413), bodies read
/// in full before any answer.
pub fn router(state: RestState) -> Router {
    let mut api = Router::new();
    let mut public = Router::new();
    for e in endpoints() {
        if e.authenticated {
            api = api.route(e.path, e.route);
        } else {
            public = public.route(e.path, e.route);
        }
    }
    let api = api.route_layer(middleware::from_fn_with_state(state.clone(), require_admin));
    api.merge(public)
        .fallback(no_route)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(middleware::from_fn(read_body))
        .layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("a REST handler panicked").into_response()
        }))
}

/// Reads the whole body (up to the limit) before anything answers. Over HTTP/2, an answer
/// sent while the client still sends its body ends the stream with a reset that curl
/// reports as an error (92) instead of the answer, e.g. a 401 or 404 to a request with a
/// body; with the body read first, every client sees the answer.
///
/// A declared length over the limit is refused before the body is touched: no
/// `100 Continue` goes out, so the client never starts sending what would be cut off.
async fn read_body(req: Request, next: Next) -> Response {
    if crate::limits::declared_length(&req).is_some_and(|n| n > crate::MAX_BODY_BYTES) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!(
                "The request body is larger than {} bytes",
                crate::MAX_BODY_BYTES
            ),
        )
        .into_response();
    }
    let (parts, body) = req.into_parts();
    match Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(rejection) => ApiError::from(JsonRejection::from(rejection)).into_response(),
    }
}

/// Authenticates the caller (Basic): 401 without valid credentials, 403 for a user
/// outside `exaadm` (and not root); only admins get through.
async fn require_admin(State(state): State<RestState>, mut req: Request, next: Next) -> Response {
    let Some(caller) = auth::caller(req.headers(), state.dispatcher.services()).await else {
        return ApiError::unauthorized().into_response();
    };
    if !caller.groups.iter().any(|g| g == "exaadm" || g == "root") {
        return ApiError::forbidden(&caller.user).into_response();
    }
    req.extensions_mut().insert(caller);
    next.run(req).await
}

fn shown_path(uri: &Uri) -> String {
    uri.path().chars().take(200).collect()
}

async fn no_route(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        format!("No endpoint {method} {}", shown_path(&uri)),
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "METHOD_NOT_ALLOWED",
        format!("Method {method} is not allowed on {}", shown_path(&uri)),
    )
}

#[cfg(test)]
mod tests;
