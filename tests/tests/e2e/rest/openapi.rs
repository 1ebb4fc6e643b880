//! The OpenAPI document against the router and a validator.

use std::collections::BTreeSet;
use std::process::Command;

use confd_tests::{TestDaemon, stdout_ok};
use serde_json::Value;

use super::parse;

/// `(METHOD, path)` of every operation in the document.
fn documented(doc: &Value) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                routes.insert((method.to_ascii_uppercase(), path.clone()));
            }
        }
    }
    routes
}

#[test]
fn openapi_document_matches_the_router_both_ways() {
    let d = TestDaemon::start();
    // No auth needed for the document.
    let (status, body) = d.curl_rest("GET", "/openapi.json", false, &[]);
    assert_eq!(status, 200);
    let doc = parse(&body);
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    let documented = documented(&doc);
    let served: BTreeSet<(String, String)> =
        confd_daemon::rest::served_routes().into_iter().collect();
    assert_eq!(documented, served);
    assert_eq!(served.len(), 14);

    // Each documented operation is really served: no route-level 404 or 405 (a database
    // that does not exist keeps the calls harmless).
    for (method, path) in &documented {
        let path = path.replace("{id}", "NO_SUCH_DB");
        let (status, body) = d.curl_rest(
            method,
            &path,
            true,
            &["-H", "Content-Type: application/json", "-d", "{}"],
        );
        assert_ne!(status, 405, "{method} {path}: {body}");
        assert!(!body.contains("No endpoint"), "{method} {path}: {body}");
        assert!(
            status == 200 || status == 400 || status == 404,
            "{method} {path}: {status} {body}"
        );
    }

    // Every error status the API answers is documented on the operations that can give it.
    let start = &doc["paths"]["/api/v1/databases/{id}/backups/start"]["put"]["responses"];
    for status in [
        "200", "400", "401", "404", "405", "409", "413", "415", "500",
    ] {
        assert!(start.get(status).is_some(), "backups/start lacks {status}");
    }
    assert!(doc["components"]["securitySchemes"]["basicAuth"]["scheme"] == "basic");
}

#[test]
fn openapi_document_validates_with_openapi_spec_validator() {
    let d = TestDaemon::start();
    let (status, body) = d.curl_rest("GET", "/openapi.json", false, &[]);
    assert_eq!(status, 200);
    let probe = Command::new("python3")
        .args(["-c", "import openapi_spec_validator"])
        .output()
        .unwrap();
    if !probe.status.success() {
        println!(
            "SKIPPED: the Python module openapi_spec_validator is missing; .ci/run installs it (pip install openapi-spec-validator)"
        );
        return;
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &body).unwrap();
    let out = stdout_ok(
        &Command::new("python3")
            .args([
                "-c",
                "import json, sys\nfrom openapi_spec_validator import validate\nvalidate(json.load(open(sys.argv[1])))\nprint('valid')",
            ])
            .arg(file.path())
            .output()
            .unwrap(),
    );
    assert_eq!(out, "valid\n");
}
