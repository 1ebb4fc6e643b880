//! Every error of the Administration API is JSON with the right status.

use confd_tests::TestDaemon;
use serde_json::json;

use super::{assert_error, parse, rest, rest_json};

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
