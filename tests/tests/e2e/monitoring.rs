//! `/health` and `/metrics` on the monitoring listener, read with curl as Prometheus would.

use confd_tests::{Pause, PausePoint, Phase, TestDaemon, stdout_ok};

#[test]
fn metrics_show_backups_jobs_and_requests() {
    let d = TestDaemon::start();
    let gate = d.pause(Pause::backup(PausePoint::Entering(Phase::Write)));
    stdout_ok(&d.python(
        "proxy.job_exec('db_list')\n\
         ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)",
    ));
    gate.wait_reached();
    let running = stdout_ok(&d.curl(&[&format!("{}/metrics", d.metrics_url())]));
    assert!(
        running.contains("confd_backup_running{db=\"MY_DATABASE\"} 1\n"),
        "{running}"
    );
    gate.release();
    let comment = stdout_ok(&d.python("print(wait('MY_DATABASE')['Comment'])"));
    assert_eq!(comment, "Backup has been successfully finished\n");
    let text = stdout_ok(&d.curl(&[&format!("{}/metrics", d.metrics_url())]));
    for expected in [
        "confd_backup_last_success_timestamp_seconds{db=\"MY_DATABASE\"} ",
        "confd_backup_running{db=\"MY_DATABASE\"} 0",
        "confd_operations_total{db=\"MY_DATABASE\",type=\"backup\",outcome=\"succeeded\"} 1",
        "confd_jobs_total{job=\"db_list\",result=\"OK\"} 1",
        "confd_jobs_total{job=\"db_backup_start\",result=\"OK\"} 1",
        "confd_http_requests_total{listener=\"xmlrpc\",status=\"200\"} ",
        "confd_volume_used_bytes{volume=\"r0001\",id=\"10001\"} ",
        "confd_http_request_duration_seconds_bucket{",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let used_line = text
        .lines()
        .find(|l| l.starts_with("confd_volume_used_bytes{volume=\"r0001\""))
        .unwrap();
    let used: u64 = used_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(used > 0, "{used_line}");
}

#[test]
fn health_answers_ok() {
    let d = TestDaemon::start();
    let health = stdout_ok(&d.curl(&["--fail", &format!("{}/health", d.metrics_url())]));
    assert_eq!(health, "ok: 1 database(s)\n");
}
