//! Bad input gets a clear answer naming what is wrong: HTTP errors for transport
//! problems, faults for malformed XML-RPC, result structs for job failures.

use confd_tests::{TestDaemon, stdout_ok};

fn post(d: &TestDaemon, auth: &str, body_args: &[&str]) -> String {
    let url = d.xmlrpc_url();
    let mut args = vec![
        "-o",
        "-",
        "-w",
        "\n%{http_code}",
        "-u",
        auth,
        "-H",
        "Content-Type: text/xml",
    ];
    args.extend_from_slice(body_args);
    args.push(&url);
    stdout_ok(&d.curl(&args))
}

#[test]
fn wrong_password_is_401_with_a_challenge() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.curl(&["-i", "-u", "admin:wrong", "--data", "<x/>", &d.xmlrpc_url()]));
    assert!(
        out.starts_with("HTTP/2 401") || out.starts_with("HTTP/1.1 401"),
        "{out}"
    );
    assert!(
        out.to_ascii_lowercase()
            .contains("www-authenticate: basic realm=\"confd\""),
        "{out}"
    );
    let py = d.python(
        "bad = connect('admin', 'nope')\n\
         try:\n    bad.job_exec('db_list')\nexcept xmlrpc.client.ProtocolError as e:\n    print(e.errcode, e.errmsg)",
    );
    assert_eq!(stdout_ok(&py), "401 Unauthorized\n");
}

#[test]
fn malformed_xml_is_a_fault_that_does_not_echo_the_body() {
    let d = TestDaemon::start();
    let auth = format!("admin:{}", d.password());
    let out = post(
        &d,
        &auth,
        &["--data", "<methodCall><methodName>job_exec SECRET-TOKEN"],
    );
    assert!(out.contains("<fault>") && out.contains("-32700"), "{out}");
    assert!(!out.contains("SECRET-TOKEN"), "request body echoed: {out}");
    assert!(out.ends_with("\n200"), "{out}");
}

#[test]
fn oversized_body_is_413() {
    let d = TestDaemon::start();
    let big = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(big.path(), vec![b'x'; 5 << 20]).unwrap();
    let auth = format!("admin:{}", d.password());
    let out = post(
        &d,
        &auth,
        &[
            "--http1.1",
            "--data-binary",
            &format!("@{}", big.path().display()),
        ],
    );
    assert!(out.ends_with("413"), "{out}");
}

#[test]
fn unknown_method_and_wrong_arity_are_faults() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        "for call in (lambda: proxy.no_such_method(), lambda: proxy.job_exec(), lambda: proxy.job_exec('db_list', {'params': {}}, 3)):\n\
         \x20   try:\n        call()\n    except xmlrpc.client.Fault as f:\n        print(f.faultCode, f.faultString)",
    ));
    assert_eq!(
        out,
        "-32601 method not found: no_such_method\n\
         -32602 job_exec expects the job name and optionally {'params': {...}}, got 0 arguments\n\
         -32602 job_exec expects the job name and optionally {'params': {...}}, got 3 arguments\n"
    );
}

#[test]
fn job_failures_are_result_structs_naming_the_problem() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python(
        "def show(job, params=None):\n\
         \x20   r = proxy.job_exec(job, {'params': params}) if params is not None else proxy.job_exec(job)\n\
         \x20   print(r['result_code'], r['result_name'], r['result_desc'])\n\
         show('x')\n\
         show('db_state', {})\n\
         show('db_state', {'db_name': 'MY_DATABASE', 'colour': 'red'})\n\
         show('db_create', {'db_name': 'A', 'nodes': 'four'})\n\
         show('db_create', {'db_name': 'a/b', 'nodes': 1})\n\
         show('db_create', {'db_name': '..', 'nodes': 1})\n\
         show('db_start', {'db_name': 'MY_DATABASE'})\n\
         show('db_delete', {'db_name': 'NOPE'})\n\
         show('st_volume_info', {'vid': 77})\n\
         show('db_create', {'db_name': 'MY_DATABASE', 'nodes': 1})",
    ));
    let expected = [
        "4 NOT_FOUND Job does not exist: 'x'",
        "3 MISSING_PARAMETER Missing mandatory parameter 'db_name'",
        "2 INVALID_PARAMETER Unknown parameter 'colour' for job 'db_state'",
        "2 INVALID_PARAMETER Invalid parameter 'nodes': expected an integer, got string 'four'",
        "2 INVALID_PARAMETER Invalid parameter 'db_name': 'a/b' is not a valid name: '/', '..', NUL and a leading '.' are not allowed",
        "2 INVALID_PARAMETER Invalid parameter 'db_name': '..' is not a valid name: '/', '..', NUL and a leading '.' are not allowed",
        "5 WRONG_STATE Database 'MY_DATABASE' is already running",
        "4 NOT_FOUND Database 'NOPE' does not exist",
        "4 NOT_FOUND Volume with ID 77 does not exist",
        "6 CONFLICT Database 'MY_DATABASE' already exists",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
}
