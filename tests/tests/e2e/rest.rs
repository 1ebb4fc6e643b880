//! The Administration API (design 5.2) with real curl, as Exasol documents it
//! (`curl --insecure ... -H "Authorization: Basic $AUTH_TOKEN"`), with Python's
//! `urllib.request`, and its OpenAPI document checked against the router and a validator.

mod backups;
mod errors;
mod openapi;

use confd_tests::{TestDaemon, stdout_ok};
use serde_json::{Value, json};

pub(super) fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// `(status, JSON body)` of a call with the admin's token.
pub(super) fn rest(d: &TestDaemon, method: &str, path: &str, args: &[&str]) -> (u16, Value) {
    let (status, body) = d.curl_rest(method, path, true, args);
    (status, parse(&body))
}

/// A call with a JSON body.
pub(super) fn rest_json(d: &TestDaemon, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    rest(
        d,
        method,
        path,
        &["-H", "Content-Type: application/json", "-d", &body],
    )
}

pub(super) fn assert_error(got: (u16, Value), status: u16, code: &str, message_part: &str) {
    let (s, body) = got;
    assert_eq!(s, status, "{body}");
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(message_part),
        "{message:?} lacks {message_part:?}"
    );
    assert_eq!(body.as_object().map(|o| o.len()), Some(2), "{body}");
}

#[test]
fn seed_calls_list_databases_and_volumes() {
    let d = TestDaemon::start();
    // Verbatim from Exasol's procedure, with NODE_IP:PORT from the test daemon.
    let (status, dbs) = rest(&d, "GET", "/api/v1/databases", &[]);
    assert_eq!(status, 200, "{dbs}");
    let dbs = dbs.as_array().expect("array");
    assert_eq!(dbs.len(), 1, "{dbs:?}");
    let db = &dbs[0];
    assert_eq!(db["id"], "MY_DATABASE");
    assert_eq!(db["name"], "MY_DATABASE");
    assert_eq!(db["state"], "running");
    assert_eq!(db["numNodes"], 4);
    assert!(
        db["version"].as_str().is_some_and(|v| !v.is_empty()),
        "{db}"
    );

    let (status, volumes) = rest(&d, "GET", "/api/v1/databases/MY_DATABASE/volumes", &[]);
    assert_eq!(status, 200, "{volumes}");
    let volumes = volumes.as_array().expect("array");
    let r0001 = volumes
        .iter()
        .find(|v| v["name"] == "r0001")
        .expect("r0001");
    assert_eq!(r0001["id"], 10001);
    assert_eq!(r0001["type"], "remote");
    assert_eq!(r0001["volType"], "file");
    assert!(
        r0001["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("file:///"))
    );
    let local = volumes
        .iter()
        .find(|v| v["name"] == "ArchiveVolume1")
        .expect("ArchiveVolume1");
    assert_eq!(
        (local["id"].clone(), local["type"].clone()),
        (json!(1), json!("local"))
    );
}

#[test]
fn one_database_stop_and_start() {
    let d = TestDaemon::start();
    let (status, db) = rest(&d, "GET", "/api/v1/databases/MY_DATABASE", &[]);
    assert_eq!(status, 200, "{db}");
    assert_eq!(db["numNodes"], 4);
    assert!(
        db["dataPath"].as_str().is_some_and(|p| p.starts_with('/')),
        "{db}"
    );

    let (status, stopped) = rest(&d, "PUT", "/api/v1/databases/MY_DATABASE/stop", &[]);
    assert_eq!(status, 200, "{stopped}");
    assert!(
        stopped["jobId"].as_str().is_some_and(|j| j.contains('.')),
        "{stopped}"
    );
    let (_, db) = rest(&d, "GET", "/api/v1/databases/MY_DATABASE", &[]);
    assert_eq!(db["state"], "setup");
    let (status, started) = rest(&d, "PUT", "/api/v1/databases/MY_DATABASE/start", &[]);
    assert_eq!(status, 200, "{started}");
    assert_error(
        rest(&d, "PUT", "/api/v1/databases/MY_DATABASE/start", &[]),
        409,
        "WRONG_STATE",
        "Database 'MY_DATABASE' is already running",
    );
}

#[test]
fn add_a_remote_volume() {
    let d = TestDaemon::start();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("file://{}", dir.path().display());
    let (status, added) = rest_json(
        &d,
        "POST",
        "/api/v1/databases/MY_DATABASE/volumes",
        &json!({"volType": "file", "url": url, "username": "u", "password": "hunter2"}),
    );
    assert_eq!(status, 201, "{added}");
    assert_eq!(added["name"], "r0002");
    let (_, volumes) = rest(&d, "GET", "/api/v1/databases/MY_DATABASE/volumes", &[]);
    assert!(
        volumes
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "r0002" && v["id"] == 10002),
        "{volumes}"
    );
    // Values are the job's to check; its answer comes back as it is.
    assert_error(
        rest_json(
            &d,
            "POST",
            "/api/v1/databases/MY_DATABASE/volumes",
            &json!({"volType": "smb", "url": "smb:////1.2.3.4/share"}),
        ),
        400,
        "UNSUPPORTED",
        "'smb' is not supported",
    );
    assert_error(
        rest_json(
            &d,
            "POST",
            "/api/v1/databases/MY_DATABASE/volumes",
            &json!({"volType": "file", "url": "file:///does/not/exist"}),
        ),
        400,
        "INVALID_PARAMETER",
        "url",
    );
    assert_error(
        rest_json(
            &d,
            "POST",
            "/api/v1/databases/NOPE/volumes",
            &json!({"volType": "file", "url": url}),
        ),
        404,
        "NOT_FOUND",
        "Database 'NOPE' does not exist",
    );
}

#[test]
fn python_urllib_client_lists_and_gets_json_errors() {
    let d = TestDaemon::start();
    // `rest` of the test kit's prelude: urllib.request, the daemon's CA trusted.
    let out = stdout_ok(&d.python(
        "status, dbs = rest('GET', '/api/v1/databases')\n\
         print(status, [(d['id'], d['numNodes']) for d in dbs])\n\
         status, vols = rest('GET', '/api/v1/databases/MY_DATABASE/volumes')\n\
         print(status, [(v['id'], v['name'], v['type']) for v in vols])\n\
         print(*rest('GET', '/api/v1/databases/NOPE'))\n\
         print(*rest('PUT', '/api/v1/databases/MY_DATABASE/backups/start', {'level': 0, 'bogus': 1}))",
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "200 [('MY_DATABASE', 4)]");
    assert_eq!(
        lines[1],
        "200 [(10001, 'r0001', 'remote'), (1, 'ArchiveVolume1', 'local')]"
    );
    assert_eq!(
        lines[2],
        "404 {'code': 'NOT_FOUND', 'message': \"Database 'NOPE' does not exist\"}"
    );
    assert!(
        lines[3].starts_with("400 {'code': 'INVALID_PARAMETER'") && lines[3].contains("bogus"),
        "{}",
        lines[3]
    );
}
