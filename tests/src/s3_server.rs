//! [`S3Server`]: a real S3 server for tests, s3s-fs 0.14.1 (SigV4 enforced, objects are
//! plain files under its root, a bucket is a directory).
//!
//! `.ci/run` installs the binary and exports `S3S_FS`; without it the server is looked
//! for in `$HOME/.cache/confd-rs/tools/bin` and on `PATH`. A missing binary fails the test
//! with instructions: S3 support must never pass by being skipped.
//!
//! This file uses only std and tempfile so that storage's integration tests can include it
//! with `#[path]` (a dev-dependency on this crate would be a cycle).

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Access key every test server accepts.
pub const S3_ACCESS_KEY: &str = "confd-test-access-key";
/// Secret key every test server accepts.
pub const S3_SECRET_KEY: &str = "confd-test-secret-key";

/// A running s3s-fs on a free loopback port with a temporary root; killed on drop.
pub struct S3Server {
    child: Child,
    port: u16,
    root: PathBuf,
    _temp: tempfile::TempDir,
}

impl S3Server {
    /// Starts the server and waits until it accepts connections.
    pub fn start() -> Self {
        let binary = s3s_fs_binary();
        let temp = tempfile::Builder::new()
            .prefix("confd-s3-")
            .tempdir()
            .expect("temp dir");
        let root = temp.path().join("data");
        std::fs::create_dir(&root).expect("s3 root");
        // The port is free when we look; another process may take it before s3s-fs binds,
        // in which case s3s-fs exits and we try another.
        for _ in 0..5 {
            let port = free_port();
            let log_path = temp.path().join(format!("s3s-fs-{port}.log"));
            let log = std::fs::File::create(&log_path).expect("log file");
            let mut child = Command::new(&binary)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", S3_ACCESS_KEY, "--secret-key", S3_SECRET_KEY])
                .arg(&root)
                .stdin(Stdio::null())
                .stdout(log.try_clone().expect("log file"))
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
            if wait_until_listening(&mut child, port) {
                return S3Server {
                    child,
                    port,
                    root,
                    _temp: temp,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            eprintln!("s3s-fs did not start on port {port}:\n{log}");
        }
        panic!("s3s-fs ({}) did not start", binary.display());
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding the buckets (`<root>/<bucket>/<key>`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates `bucket` (s3s-fs: a directory) and returns its directory.
    pub fn create_bucket(&self, bucket: &str) -> PathBuf {
        let dir = self.root.join(bucket);
        std::fs::create_dir_all(&dir).expect("bucket directory");
        dir
    }

    /// Files under the root whose names start with `.upload_id-`: parts of multipart
    /// uploads that were neither completed nor aborted.
    pub fn open_upload_parts(&self) -> Vec<PathBuf> {
        std::fs::read_dir(&self.root)
            .expect("s3 root")
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(".upload_id-"))
            })
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True once `port` accepts connections; false if the server exited first or never
/// listened within 20 s.
fn wait_until_listening(child: &mut Child, port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        if matches!(child.try_wait(), Ok(Some(_))) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Binds 127.0.0.1:0 and returns the port the OS chose (free right now).
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `$S3S_FS`, else `$HOME/.cache/confd-rs/tools/bin/s3s-fs`, else `s3s-fs` on `PATH`.
fn s3s_fs_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("S3S_FS").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "S3S_FS={} does not exist; run .ci/run to install s3s-fs",
            p.display()
        );
        return p;
    }
    let cached =
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/confd-rs/tools/bin/s3s-fs"));
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("s3s-fs"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    cached
        .into_iter()
        .chain(on_path)
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "s3s-fs not found: the S3 tests need a real S3 server. Run .ci/run (it installs \
                 s3s-fs 0.14.1 into ~/.cache/confd-rs/tools), or install it with \
                 `cargo install s3s-fs --version 0.14.1 --features binary --locked --root <dir>` \
                 and set S3S_FS=<dir>/bin/s3s-fs"
            )
        })
}
