//! The Administration API (design 5.2) with real curl, as Exasol documents it
//! (`curl --insecure ... -H "Authorization: Basic $AUTH_TOKEN"`), with Python's
//! `urllib.request`, and its OpenAPI document checked against the router and a validator.

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use confd_tests::{Pause, PausePoint, TestDaemon, repo_root, stdout_ok};
use serde_json::{Value, json};

fn parse(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// `(status, JSON body)` of a call with the admin's token.
fn rest(d: &TestDaemon, method: &str, path: &str, args: &[&str]) -> (u16, Value) {
    let (status, body) = d.curl_rest(method, path, true, args);
    (status, parse(&body))
}

/// A call with a JSON body.
fn rest_json(d: &TestDaemon, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let body = body.to_string();
    rest(
        d,
        method,
        path,
        &["-H", "Content-Type: application/json", "-d", &body],
    )
}

fn assert_error(got: (u16, Value), status: u16, code: &str, message_part: &str) {
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
fn errors_are_json_with_the_right_status() {
    let d = TestDaemon::start();
    // 401: no credentials, wrong password; with the Basic challenge.
    let (status, head_and_body) = d.curl_rest("GET", "/api/v1/databases", false, &["-i"]);
    assert_eq!(status, 401);
    assert!(
        head_and_body
            .to_ascii_lowercase()
            .contains("www-authenticate: basic realm=\"confd\""),
        "{head_and_body}"
    );
    assert!(
        head_and_body.contains("\"code\":\"UNAUTHORIZED\""),
        "{head_and_body}"
    );
    let (status, body) = d.curl_rest(
        "GET",
        "/api/v1/databases",
        false,
        &["-u", "admin:wrong-password"],
    );
    assert_error((status, parse(&body)), 401, "UNAUTHORIZED", "exaadm");

    // 404: unknown database, unknown route.
    assert_error(
        rest(&d, "GET", "/api/v1/databases/NOPE", &[]),
        404,
        "NOT_FOUND",
        "Database 'NOPE' does not exist",
    );
    assert_error(
        rest(&d, "GET", "/api/v1/databases/NOPE/volumes", &[]),
        404,
        "NOT_FOUND",
        "Database 'NOPE' does not exist",
    );
    assert_error(
        rest(&d, "GET", "/api/v1/clusters", &[]),
        404,
        "NOT_FOUND",
        "No endpoint GET /api/v1/clusters",
    );
    // 405, with Allow.
    let (status, head_and_body) = d.curl_rest("DELETE", "/api/v1/databases", true, &["-i"]);
    assert_eq!(status, 405, "{head_and_body}");
    assert!(
        head_and_body.to_ascii_lowercase().contains("allow: get"),
        "{head_and_body}"
    );
    assert_error(
        rest(&d, "POST", "/api/v1/databases/MY_DATABASE/start", &[]),
        405,
        "METHOD_NOT_ALLOWED",
        "POST",
    );

    let start = "/api/v1/databases/MY_DATABASE/backups/start";
    // 415: not JSON.
    assert_error(
        rest(
            &d,
            "PUT",
            start,
            &["-H", "Content-Type: text/plain", "-d", "level=0"],
        ),
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "application/json",
    );
    // 400: malformed JSON, unknown field, missing field, wrong type; each named.
    assert_error(
        rest(
            &d,
            "PUT",
            start,
            &[
                "-H",
                "Content-Type: application/json",
                "-d",
                "{\"level\": 0,",
            ],
        ),
        400,
        "BAD_REQUEST",
        "line 1 column",
    );
    assert_error(
        rest_json(&d, "PUT", start, &json!({"level": 0, "colour": "red"})),
        400,
        "INVALID_PARAMETER",
        "unknown field `colour`",
    );
    assert_error(
        rest_json(&d, "PUT", start, &json!({"backupVolumeId": 10001})),
        400,
        "MISSING_PARAMETER",
        "missing field `level`",
    );
    assert_error(
        rest_json(
            &d,
            "PUT",
            start,
            &json!({"backupVolumeId": "ten", "level": 0}),
        ),
        400,
        "INVALID_PARAMETER",
        "backupVolumeId",
    );
    // 413: larger than the body limit.
    let big = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(big.path(), vec![b' '; 5 << 20]).unwrap();
    let file_arg = format!("@{}", big.path().display());
    assert_error(
        rest(
            &d,
            "PUT",
            start,
            &[
                "--http1.1",
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                &file_arg,
            ],
        ),
        413,
        "PAYLOAD_TOO_LARGE",
        "larger than",
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

/// Polls `GET .../backups` until it lists `count` backups (bounded; no timing asserted).
fn wait_for_backups(d: &TestDaemon, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, list) = rest(d, "GET", "/api/v1/databases/MY_DATABASE/backups", &[]);
        assert_eq!(status, 200, "{list}");
        let list = list.as_array().cloned().unwrap_or_default();
        if list.len() >= count || Instant::now() > deadline {
            return list;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls progress until no backup runs (the job refuses a second one while one runs).
fn wait_until_idle(d: &TestDaemon) -> Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (status, progress) = rest(
            d,
            "GET",
            "/api/v1/databases/MY_DATABASE/backups/progress",
            &[],
        );
        assert_eq!(status, 200, "{progress}");
        let done = progress["progress"] == 100
            || progress["comment"].as_str().is_some_and(|c| {
                c.contains("finished") || c.contains("abort") || c.contains("fail")
            });
        if done || Instant::now() > deadline {
            return progress;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn seed_backup_start_runs_and_is_listed_then_abort_stops_a_second() {
    let d = TestDaemon::start();
    // Only the second backup is held, in its write phase, until the abort ends it.
    let gate = d.pause(Pause::backup(PausePoint::AfterChunks(2)).nth(2));
    let (status, started) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/start",
        &json!({"backupVolumeId": 10001, "backupVolumeName": "r0001", "level": 0, "expire": "1w"}),
    );
    assert_eq!(status, 200, "{started}");
    assert!(started["jobId"].is_string(), "{started}");
    let list = wait_for_backups(&d, 1);
    assert_eq!(list.len(), 1, "{list:?}");
    let backup = &list[0];
    assert_eq!(backup["level"], 0);
    assert_eq!(backup["volume"], "r0001");
    assert_eq!(backup["system"], "MY_DATABASE");
    assert!(
        backup["expireAlterable"].is_string() && backup["lastItem"].is_boolean(),
        "{backup}"
    );
    wait_until_idle(&d);
    // The same backup through XML-RPC's db_backup_list (what confd_client prints).
    let ids = stdout_ok(&d.python(
        "print([b['id'] for b in proxy.job_exec('db_backup_list', {'params': {'db_name': 'MY_DATABASE'}})['result_output']])",
    ));
    assert!(ids.contains(backup["id"].as_str().unwrap()), "{ids}");

    // A second backup, aborted while it runs: nothing of it stays.
    let (status, second) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/start",
        &json!({"backupVolumeName": "r0001", "level": 0}),
    );
    assert_eq!(status, 200, "{second}");
    gate.wait_reached();
    let (status, progress) = rest(
        &d,
        "GET",
        "/api/v1/databases/MY_DATABASE/backups/progress",
        &[],
    );
    assert_eq!(status, 200, "{progress}");
    assert_eq!(progress["comment"], "Backup is active", "{progress}");
    assert!(progress["progress"].as_u64().unwrap() < 100, "{progress}");
    let (status, aborted) = rest(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/abort",
        &[],
    );
    assert_eq!(status, 200, "{aborted}");
    assert!(aborted["jobId"].is_string());
    let progress = wait_until_idle(&d);
    assert_eq!(progress["comment"], "Backup has been aborted", "{progress}");
    let list = wait_for_backups(&d, 1);
    assert_eq!(list.len(), 1, "the aborted backup left something: {list:?}");
    // Abort with nothing running is the job's WRONG_STATE.
    let (status, _) = rest(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/abort",
        &[],
    );
    assert_eq!(status, 409);
}

#[test]
fn backups_expiration_delete_and_restore_map_onto_the_jobs() {
    let d = TestDaemon::start();
    let (status, _) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/start",
        &json!({"backupVolumeName": "r0001", "level": 0}),
    );
    assert_eq!(status, 200);
    let list = wait_for_backups(&d, 1);
    wait_until_idle(&d);
    let backup = &list[0];
    let alterable = backup["expireAlterable"].as_str().unwrap().to_owned();
    let (volume_id, files) = alterable.split_once(' ').unwrap();
    let (status, changed) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/expiration",
        &json!({"backupVolumeId": volume_id.parse::<u64>().unwrap(), "backupFiles": files, "expireTime": "2031-01-01 00:00:00"}),
    );
    assert_eq!(status, 200, "{changed}");
    let list = wait_for_backups(&d, 1);
    assert!(
        list[0]["expire"]
            .as_str()
            .unwrap()
            .starts_with("2031-01-01"),
        "{list:?}"
    );

    // Restore needs a stopped database.
    rest(&d, "PUT", "/api/v1/databases/MY_DATABASE/stop", &[]);
    let id = backup["id"].as_str().unwrap();
    let (status, restored) = rest_json(
        &d,
        "PUT",
        "/api/v1/databases/MY_DATABASE/backups/restore",
        &json!({"backupId": id}),
    );
    assert_eq!(status, 200, "{restored}");
    wait_until_idle(&d);

    let (status, deleted) = rest_json(
        &d,
        "POST",
        "/api/v1/databases/MY_DATABASE/backups/bulk_delete",
        &json!({"backupIds": [id]}),
    );
    assert_eq!(status, 200, "{deleted}");
    let (_, list) = rest(&d, "GET", "/api/v1/databases/MY_DATABASE/backups", &[]);
    assert_eq!(list, json!([]));
}

#[test]
fn rest_backup_example_runs_the_seed_procedure() {
    let d = TestDaemon::start();
    let out = stdout_ok(
        &Command::new("python3")
            .arg(repo_root().join("python-examples/rest_backup.py"))
            .envs(d.client_env())
            .output()
            .unwrap(),
    );
    assert!(out.contains("MY_DATABASE"), "{out}");
    assert!(out.contains("r0001 (ID 10001)"), "{out}");
    assert!(out.contains("backup started"), "{out}");
    assert!(out.contains("level 0"), "{out}");
}
