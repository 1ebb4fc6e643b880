//! In-process tests of `run` that need no daemon.

use super::*;

fn run_args(args: &[&str]) -> (i32, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(
        std::iter::once("confd_client").chain(args.iter().copied()),
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn help_goes_to_stdout_with_status_0() {
    let (code, out, _) = run_args(&["-h"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("usage: confd_client") || out.contains("Usage: confd_client"),
        "{out}"
    );
    assert!(out.contains("--params-json"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = run_args(&["-j", "-P", "db_list"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot be used with"), "{err}");
    let (code, _, err) = run_args(&[]);
    assert_eq!((code, err.contains("no command given")), (2, true), "{err}");
    let (code, _, err) = run_args(&["--watch", "db_list"]);
    assert_eq!((code, err.contains("--watch")), (2, true), "{err}");
    let (code, _, err) = run_args(&["--url", "https://127.0.0.1:1", "db_info", "MY_DB"]);
    assert_eq!((code, err.contains("has no key")), (2, true), "{err}");
}

#[test]
fn unreachable_daemon_exits_3_and_names_the_url() {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    let (code, _, err) = run_args(&["--url", "https://127.0.0.1:1", "-k", "db_list"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("https://127.0.0.1:1"), "{err}");
}

#[test]
fn failed_results_become_job_failures() {
    let failed = json!({"result_code": 4, "result_name": "NOT_FOUND", "result_desc": "Job does not exist: 'nope'", "result_jobid": "1.2"});
    match job_output(failed) {
        Err(Failure::Job(msg)) => assert_eq!(msg, "Job does not exist: 'nope'"),
        other => panic!("{other:?}"),
    }
    let ok = json!({"result_code": 0, "result_name": "OK", "result_desc": "Success", "result_jobid": "1.3"});
    assert_eq!(job_output(ok).unwrap(), None);
    let with_output =
        json!({"result_code": 0, "result_jobid": "1.4", "result_output": ["MY_DATABASE"]});
    assert_eq!(
        job_output(with_output).unwrap(),
        Some(json!(["MY_DATABASE"]))
    );
}

#[test]
fn arg_names_from_job_desc() {
    let desc = json!({
        "mandatory": {"db_name": {"desc": "", "type": "str"}, "backup_volume_id": {"desc": "", "type": "int"}},
        "optional": {"expire": {"desc": "", "type": "str"}, "backup_volume_name": {"desc": "", "type": "str"}},
        "substitutes": {"backup_volume_id": ["backup_volume_name"]}
    });
    assert_eq!(
        arg_names(&desc),
        vec![
            json!("backup_volume_id"),
            json!("db_name"),
            json!("backup_volume_name"),
            json!("expire")
        ]
    );
}

#[test]
fn builtin_argument_prefers_dash_a() {
    let words = vec!["db_list".to_string()];
    assert_eq!(
        builtin_argument("help", Some(" 11.3 "), &words).unwrap(),
        "11.3"
    );
    assert_eq!(builtin_argument("help", None, &words).unwrap(), "db_list");
    assert!(builtin_argument("help", None, &[]).is_err());
}
