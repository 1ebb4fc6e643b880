//! Where to connect and as whom (design 5.3).
//!
//! Each setting is looked up on its own, first found wins: command-line flag, environment
//! (`CONFD_URL`, `CONFD_USER`, `CONFD_PASSWORD`, `CONFD_CA_CERT`), then `client.json` in the
//! daemon's state directory. The daemon writes that file so that `confd_client db_list`
//! works on its machine with no set-up, as on a real Exasol node.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Port 20003 is ConfD's XML-RPC port on c4-based deployments (spec 1.1).
pub const DEFAULT_URL: &str = "https://127.0.0.1:20003";
pub const DEFAULT_USER: &str = "admin";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub url: String,
    pub user: String,
    pub password: String,
    /// A CA certificate (PEM) to trust instead of the system roots.
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
}

/// What the command line said.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    pub url: Option<String>,
    pub user: Option<String>,
    pub password_file: Option<PathBuf>,
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
}

/// `client.json` as the daemon writes it; unknown members (such as `rest_url`) are ignored.
#[derive(Debug, Default, Deserialize)]
struct ClientJson {
    xmlrpc_url: Option<String>,
    user: Option<String>,
    password: Option<String>,
    ca_cert: Option<PathBuf>,
}

/// `$CONFD_STATE_DIR`, else `$XDG_DATA_HOME/confd`, else `~/.local/share/confd`.
pub fn state_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(dir) = set("CONFD_STATE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(dir) = set("XDG_DATA_HOME") {
        return Some(Path::new(&dir).join("confd"));
    }
    set("HOME").map(|home| Path::new(&home).join(".local/share/confd"))
}

fn read_client_json(dir: &Path) -> Result<ClientJson, String> {
    let path = dir.join("client.json");
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text)
            .map_err(|e| format!("{}: not valid client settings: {e}", path.display())),
        // No daemon on this machine (or another user's): not an error, the other sources may do.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ClientJson::default()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn read_password_file(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--password-file {}: {e}", path.display()))?;
    // Files written by `echo` end in a newline that is not part of the password.
    let text = text.strip_suffix('\n').unwrap_or(&text);
    Ok(text.strip_suffix('\r').unwrap_or(text).to_string())
}

pub fn resolve(flags: &Flags, env: &dyn Fn(&str) -> Option<String>) -> Result<Settings, String> {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    let file = match state_dir(env) {
        Some(dir) => read_client_json(&dir)?,
        None => ClientJson::default(),
    };
    let password = match &flags.password_file {
        Some(path) => read_password_file(path)?,
        None => set("CONFD_PASSWORD").or(file.password).unwrap_or_default(),
    };
    Ok(Settings {
        url: flags
            .url
            .clone()
            .or_else(|| set("CONFD_URL"))
            .or(file.xmlrpc_url)
            .unwrap_or_else(|| DEFAULT_URL.into()),
        user: flags
            .user
            .clone()
            .or_else(|| set("CONFD_USER"))
            .or(file.user)
            .unwrap_or_else(|| DEFAULT_USER.into()),
        password,
        ca_cert: flags
            .ca_cert
            .clone()
            .or_else(|| set("CONFD_CA_CERT").map(PathBuf::from))
            .or(file.ca_cert),
        insecure: flags.insecure,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn state_dir_order() {
        assert_eq!(
            state_dir(&env_of(&[("CONFD_STATE_DIR", "/s"), ("HOME", "/h")])),
            Some("/s".into())
        );
        assert_eq!(
            state_dir(&env_of(&[("XDG_DATA_HOME", "/x"), ("HOME", "/h")])),
            Some("/x/confd".into())
        );
        assert_eq!(
            state_dir(&env_of(&[("HOME", "/h")])),
            Some("/h/.local/share/confd".into())
        );
        assert_eq!(state_dir(&env_of(&[])), None);
    }

    #[test]
    fn flags_then_env_then_client_json() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("client.json"),
            r#"{"xmlrpc_url": "https://127.0.0.1:1", "rest_url": "https://127.0.0.1:2", "user": "admin",
                "password": "filepw", "ca_cert": "/abs/ca.pem"}"#,
        )
        .unwrap();
        let sd = dir.path().to_str().unwrap();
        let s = resolve(&Flags::default(), &env_of(&[("CONFD_STATE_DIR", sd)])).unwrap();
        assert_eq!(
            s,
            Settings {
                url: "https://127.0.0.1:1".into(),
                user: "admin".into(),
                password: "filepw".into(),
                ca_cert: Some("/abs/ca.pem".into()),
                insecure: false,
            }
        );
        let env = env_of(&[
            ("CONFD_STATE_DIR", sd),
            ("CONFD_PASSWORD", "envpw"),
            ("CONFD_USER", "bob"),
        ]);
        let s = resolve(&Flags::default(), &env).unwrap();
        assert_eq!((s.user.as_str(), s.password.as_str()), ("bob", "envpw"));
        let pwfile = dir.path().join("pw");
        std::fs::write(&pwfile, "flagpw\n").unwrap();
        let flags = Flags {
            url: Some("https://h:3".into()),
            password_file: Some(pwfile),
            ..Flags::default()
        };
        let s = resolve(&flags, &env).unwrap();
        assert_eq!(
            (s.url.as_str(), s.password.as_str()),
            ("https://h:3", "flagpw")
        );
    }

    #[test]
    fn defaults_and_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let sd = dir.path().to_str().unwrap();
        let s = resolve(&Flags::default(), &env_of(&[("CONFD_STATE_DIR", sd)])).unwrap();
        assert_eq!(
            (s.url.as_str(), s.user.as_str()),
            (DEFAULT_URL, DEFAULT_USER)
        );
        std::fs::write(dir.path().join("client.json"), "{").unwrap();
        assert!(resolve(&Flags::default(), &env_of(&[("CONFD_STATE_DIR", sd)])).is_err());
    }
}
