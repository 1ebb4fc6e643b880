//! Command line, environment and config file, merged into one [`Config`]
//! (flags > environment > config file > built-in defaults; design 6).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use clap::Parser;
use confd_jobs::supervisor::OperationHooks;
use serde::Deserialize;

/// `confd`: a backup service with the interface of Exasol's ConfD.
#[derive(Debug, Parser)]
#[command(name = "confd", version, about)]
pub struct Args {
    /// State directory (catalogue, certificates, demo data, client.json).
    #[arg(long, env = "CONFD_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// XML-RPC listen address (HTTPS). Port 0 binds a free port.
    #[arg(long, value_name = "ADDR")]
    pub xmlrpc_listen: Option<SocketAddr>,
    /// Administration API listen address (HTTPS).
    #[arg(long, value_name = "ADDR")]
    pub rest_listen: Option<SocketAddr>,
    /// Monitoring listen address (plain HTTP: /health).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// TOML config file (contrib/confd.example.toml lists every key); flags win.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not create the demo database and volumes on first start.
    #[arg(long)]
    pub no_demo: bool,
    /// Size of the demo database's data, e.g. 256MiB or 1GiB.
    #[arg(long, value_name = "SIZE")]
    pub demo_size: Option<String>,
    /// Log line format on stderr (default: the file's `log_format`, else text).
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormat>,
}

/// Keys of the `--config` file (TOML). Unknown keys and wrong types stop the start with
/// the key and the line.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    state_dir: Option<PathBuf>,
    xmlrpc_listen: Option<SocketAddr>,
    rest_listen: Option<SocketAddr>,
    metrics_listen: Option<SocketAddr>,
    no_demo: Option<bool>,
    demo_size: Option<String>,
    job_retention_days: Option<u32>,
    schedule_time_zone: Option<String>,
    worker_threads: Option<usize>,
    log_format: Option<LogFormat>,
    compression_level: Option<CompressionLevel>,
    tls: Option<TlsPaths>,
}

/// `compression_level`: zstd level of new backups. Checked while parsing, so the error
/// carries the key and the line like a wrong type does.
#[derive(Debug, Clone, Copy)]
struct CompressionLevel(i32);

impl<'de> Deserialize<'de> for CompressionLevel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let level = i64::deserialize(d)?;
        match i32::try_from(level) {
            Ok(level) if (1..=19).contains(&level) => Ok(CompressionLevel(level)),
            _ => Err(serde::de::Error::custom(format!(
                "compression_level must be between 1 and 19 (zstd levels), not {level}"
            ))),
        }
    }
}

/// `[tls]`: certificate files to serve instead of the generated ones.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsPaths {
    /// PEM certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM private key of the leaf.
    pub key: PathBuf,
    /// PEM CA certificate clients should trust (for `client.json`); default: `cert`.
    pub ca: Option<PathBuf>,
}

/// How log lines are written to stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per event, with its span fields (job ID, job, user).
    Json,
}

/// The daemon's effective configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// State directory.
    pub state_dir: PathBuf,
    /// XML-RPC listener.
    pub xmlrpc_listen: SocketAddr,
    /// REST listener.
    pub rest_listen: SocketAddr,
    /// Monitoring listener.
    pub metrics_listen: SocketAddr,
    /// Create the demo on first start.
    pub demo: bool,
    /// Bytes of demo data (all nodes together).
    pub demo_size: u64,
    /// Admin password for the first start (`CONFD_ADMIN_PASSWORD`); generated if absent.
    pub admin_password: Option<String>,
    /// Days job records are kept.
    pub job_retention_days: u32,
    /// IANA time zone backup schedules are read in; `None`: `TZ`, else UTC.
    pub schedule_time_zone: Option<String>,
    /// Timeouts and the connection cap of the HTTPS listeners.
    pub connections: crate::ConnectionLimits,
    /// Tokio worker threads of the `confd` binary; `None`: one per core.
    pub worker_threads: Option<usize>,
    /// Log format of the `confd` binary.
    pub log_format: LogFormat,
    /// zstd level of new backups (1..=19).
    pub compression_level: i32,
    /// Certificate files to serve; `None`: the generated ones under `<state dir>/tls`.
    pub tls: Option<TlsPaths>,
    /// Engine hooks for backups and restores, for programs that embed the daemon (the
    /// test kit holds operations at named points); no flag or file sets them.
    pub engine_hooks: Option<Arc<dyn OperationHooks>>,
}

impl Config {
    /// Defaults for a state directory: the ports of design 6, demo of 256 MiB.
    pub fn with_state_dir(state_dir: PathBuf) -> Self {
        Config {
            state_dir,
            xmlrpc_listen: SocketAddr::from(([0, 0, 0, 0], 20003)),
            rest_listen: SocketAddr::from(([0, 0, 0, 0], 4444)),
            metrics_listen: SocketAddr::from(([127, 0, 0, 1], 20080)),
            demo: true,
            demo_size: 256 << 20,
            admin_password: None,
            job_retention_days: 7,
            schedule_time_zone: None,
            connections: crate::ConnectionLimits::default(),
            worker_threads: None,
            log_format: LogFormat::Text,
            compression_level: 1,
            tls: None,
            engine_hooks: None,
        }
    }

    /// Merges flags, environment and the config file.
    pub fn from_args(args: Args) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        let state_dir = args
            .state_dir
            .or(file.state_dir)
            .or_else(default_state_dir)
            .context("no state directory: set --state-dir, CONFD_STATE_DIR or HOME")?;
        let mut config = Config::with_state_dir(state_dir);
        if let Some(a) = args.xmlrpc_listen.or(file.xmlrpc_listen) {
            config.xmlrpc_listen = a;
        }
        if let Some(a) = args.rest_listen.or(file.rest_listen) {
            config.rest_listen = a;
        }
        if let Some(a) = args.metrics_listen.or(file.metrics_listen) {
            config.metrics_listen = a;
        }
        config.demo = !(args.no_demo || file.no_demo.unwrap_or(false));
        if let Some(size) = args.demo_size.or(file.demo_size) {
            config.demo_size = confd_jobs::units::parse_size(&size)
                .map_err(|e| anyhow::anyhow!("--demo-size: {e}"))?;
        }
        if let Some(days) = file.job_retention_days {
            config.job_retention_days = days;
        }
        config.schedule_time_zone = file.schedule_time_zone;
        config.worker_threads = file.worker_threads;
        config.log_format = args.log_format.or(file.log_format).unwrap_or_default();
        if let Some(CompressionLevel(level)) = file.compression_level {
            config.compression_level = level;
        }
        config.tls = file.tls;
        config.admin_password = std::env::var("CONFD_ADMIN_PASSWORD")
            .ok()
            .filter(|p| !p.is_empty());
        Ok(config)
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading config file {}", path.display()))?;
    // toml's message names the key and shows the line with a caret under it.
    let parsed: FileConfig = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("config file {}: {e}", path.display()))?;
    if parsed.job_retention_days == Some(0) {
        bail!(
            "config file {}: job_retention_days must be at least 1",
            path.display()
        );
    }
    if parsed.worker_threads == Some(0) {
        bail!(
            "config file {}: worker_threads must be at least 1",
            path.display()
        );
    }
    Ok(parsed)
}

/// `$XDG_DATA_HOME/confd`, else `~/.local/share/confd` (design 6). The environment
/// variable `CONFD_STATE_DIR` is read by clap before this.
pub fn default_state_dir() -> Option<PathBuf> {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(xdg).join("confd"));
    }
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share/confd"))
}
