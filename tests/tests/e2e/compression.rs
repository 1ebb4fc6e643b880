//! The config's `compression_level` reaches new backups: the status marker records the
//! zstd level, and level 19 stores the same (compressible) demo data in no more bytes
//! than level 1.

use confd_tests::{TestDaemon, stdout_ok};
use serde_json::Value;

/// The status marker of the one backup on the demo's file volume `r0001`.
fn marker_after_one_backup(level: i32) -> Value {
    let d = TestDaemon::start_with(|c| c.compression_level = level);
    stdout_ok(&d.python(
        "ok('db_backup_start', db_name='MY_DATABASE', backup_volume_name='r0001', level=0)\n\
         assert 'successfully' in wait('MY_DATABASE')['Comment']\n",
    ));
    let dir = d.state_dir().join("remote/r0001/MY_DATABASE/id_1/level_0");
    let marker = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("status_"))
        })
        .unwrap_or_else(|| panic!("no status marker in {}", dir.display()));
    serde_json::from_slice(&std::fs::read(marker).unwrap()).unwrap()
}

#[test]
fn compression_level_is_used_and_recorded_in_the_status_marker() {
    let fast = marker_after_one_backup(1);
    let small = marker_after_one_backup(19);
    assert_eq!(fast["compression"]["level"], 1, "{fast}");
    assert_eq!(small["compression"]["level"], 19, "{small}");
    let stored = |m: &Value| m["totals"]["bytes_stored"].as_u64().unwrap();
    assert_eq!(fast["totals"]["bytes"], small["totals"]["bytes"]);
    assert!(
        stored(&small) <= stored(&fast),
        "level 19 stored {} bytes, level 1 {}",
        stored(&small),
        stored(&fast)
    );
}
