//! Shared by the test binaries that run the real `confd`.

// A test that cannot start its daemon should stop loudly.
#![allow(clippy::expect_used, clippy::unwrap_used, dead_code)]

use std::fs;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Waits until this start has written `client.json` (removed beforehand); its XML-RPC URL.
pub fn serving(child: &mut Child, state: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "confd exited during start-up"
        );
        if let Ok(bytes) = fs::read(state.join("client.json"))
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes)
        {
            return v["xmlrpc_url"].as_str().unwrap().to_owned();
        }
        assert!(Instant::now() < deadline, "confd did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `prelude` then `code` with python3; asserts it succeeded and answers its stdout.
pub fn run_python(prelude: &str, code: &str) -> String {
    let out = Command::new("python3")
        .arg("-c")
        .arg(format!("{prelude}{code}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}
