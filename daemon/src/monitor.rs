//! Monitoring listener (plain HTTP, loopback by default): `GET /health`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use confd_jobs::Services;

/// Routes of the monitoring listener.
pub fn router(services: Arc<Services>) -> Router {
    Router::new()
        .route("/health", get(health))
        .with_state(services)
}

/// 200 `ok` when the catalogue answers, 503 otherwise.
async fn health(State(services): State<Arc<Services>>) -> (StatusCode, String) {
    match services.catalog.databases() {
        Ok(dbs) => (StatusCode::OK, format!("ok: {} database(s)\n", dbs.len())),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("catalogue unavailable: {e}\n"),
        ),
    }
}
