//! The stdlib-only programs in `python-examples/` run against the daemon.

use confd_tests::{TestDaemon, stdout_ok};

#[test]
fn list_databases_prints_the_demo_database() {
    let d = TestDaemon::start();
    let out = stdout_ok(&d.python_example("list_databases.py", &[]));
    assert!(out.contains("MY_DATABASE"), "{out}");
    assert!(out.contains("running"), "{out}");
}

#[test]
fn volumes_lists_and_adds_a_file_volume() {
    let d = TestDaemon::start();
    let dir = tempfile::tempdir().unwrap();
    let out = stdout_ok(&d.python_example(
        "volumes.py",
        &["--add-file-volume", &dir.path().display().to_string()],
    ));
    assert!(out.contains("r0001"), "{out}");
    assert!(out.contains("ArchiveVolume1"), "{out}");
    assert!(out.contains("added remote volume r0002"), "{out}");
    let listed =
        stdout_ok(&d.python("print(proxy.job_exec('remote_volume_list')['result_output'])"));
    assert_eq!(listed, "['r0001', 'r0002']\n");
}
