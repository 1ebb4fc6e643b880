//! The router in-process (no TLS): authentication by group, JSON errors, and the endpoint
//! table against the OpenAPI document.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use base64::Engine as _;
use confd_jobs::{Dispatcher, Services};
use confd_storage::Catalog;
use serde_json::Value;
use tower::ServiceExt as _;

use super::*;

struct Fixture {
    router: Router,
    _dir: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Arc::new(Catalog::open(&dir.path().join("catalog")).unwrap());
    let services = Arc::new(Services::new(
        catalog,
        dir.path().to_path_buf(),
        "test".into(),
    ));
    services
        .auth
        .set_user("admin", 1000, &["exaadm"], "admin-pw")
        .unwrap();
    services
        .auth
        .set_user("viewer", 1001, &["exausers"], "viewer-pw")
        .unwrap();
    let dispatcher = Arc::new(Dispatcher::new(services, 1));
    Fixture {
        router: router(RestState { dispatcher }),
        _dir: dir,
    }
}

async fn call(f: &Fixture, method: &str, path: &str, user: Option<&str>) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(credentials) = user {
        let token = base64::engine::general_purpose::STANDARD.encode(credentials);
        request = request.header(header::AUTHORIZATION, format!("Basic {token}"));
    }
    let response = f
        .router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn only_exaadm_members_get_through_others_get_403() {
    let f = fixture();
    let (status, body) = call(&f, "GET", "/api/v1/databases", Some("admin:admin-pw")).await;
    assert_eq!((status, body), (StatusCode::OK, serde_json::json!([])));
    for user in [Some("admin:wrong"), None] {
        let (status, body) = call(&f, "GET", "/api/v1/databases", user).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{user:?}");
        assert_eq!(body["code"], "UNAUTHORIZED");
    }
    let (status, body) = call(&f, "GET", "/api/v1/databases", Some("viewer:viewer-pw")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "PERMISSION_DENIED");
    assert!(
        body["message"].as_str().unwrap().contains("'viewer'"),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let f = fixture();
    let (status, body) = call(&f, "GET", "/api/v1/nothing", Some("admin:admin-pw")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "No endpoint GET /api/v1/nothing");
    let (status, body) = call(&f, "DELETE", "/api/v1/databases", Some("admin:admin-pw")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["code"], "METHOD_NOT_ALLOWED");
}

#[test]
fn every_served_route_is_documented_and_every_documented_route_is_served() {
    let served: BTreeSet<(String, String)> = served_routes().into_iter().collect();
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                documented.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    assert_eq!(served, documented);
}
