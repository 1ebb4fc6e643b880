//! `client.json` in the state directory (mode 0600): how clients on the daemon's machine
//! (`confd_client`, the Python examples) find and authenticate to it, as on a real ConfD
//! node where `confd_client` needs no set-up.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The file's contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSettings {
    /// `https://127.0.0.1:<port>` of XML-RPC.
    pub xmlrpc_url: String,
    /// `https://127.0.0.1:<port>` of the Administration API.
    pub rest_url: String,
    /// User name.
    pub user: String,
    /// Password of `user`.
    pub password: String,
    /// CA certificate to trust.
    pub ca_cert: PathBuf,
}

fn path(state_dir: &Path) -> PathBuf {
    state_dir.join("client.json")
}

/// The current settings, if the file exists and parses.
pub fn read(state_dir: &Path) -> Option<ClientSettings> {
    std::fs::read(path(state_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
}

/// Writes the settings atomically (temp file, fsync, rename), readable by the owner only.
pub fn write(state_dir: &Path, settings: &ClientSettings) -> std::io::Result<()> {
    let tmp = state_dir.join("client.json.partial");
    let bytes = serde_json::to_vec_pretty(settings).map_err(std::io::Error::other)?;
    write_private(&tmp, &bytes)?;
    std::fs::rename(&tmp, path(state_dir))
}

/// After a password change: keeps `client.json` working if it names `user`.
pub fn password_changed(state_dir: &Path, user: &str, password: &str) -> std::io::Result<()> {
    match read(state_dir) {
        Some(mut s) if s.user == user => {
            s.password = password.to_owned();
            write(state_dir, &s)
        }
        _ => Ok(()),
    }
}

/// After `cert_update` with a CA: clients next to the daemon trust `ca_cert` from now on.
pub fn ca_changed(state_dir: &Path, ca_cert: &Path) -> std::io::Result<()> {
    match read(state_dir) {
        Some(mut s) => {
            s.ca_cert = ca_cert.to_path_buf();
            write(state_dir, &s)
        }
        None => Ok(()),
    }
}

/// Creates or replaces `path` with mode 0600 and syncs it.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
