//! The `confd` daemon: wiring only. Configuration ([`config`]), start-up and the embedded
//! demo ([`setup`]), TLS ([`tls`]), Basic auth ([`auth`]), the XML-RPC edge ([`xmlrpc`]),
//! the Administration API ([`rest`]) and the monitoring endpoint ([`monitor`]). Every
//! decision about databases, volumes or backups lives in `confd-jobs`; if a function here
//! makes one, it is in the wrong crate.

pub mod auth;
pub mod certificate;
pub mod config;
pub mod connections;
pub mod limits;
pub mod monitor;
pub mod rest;
pub mod runtime;
pub mod setup;
pub mod tls;
pub mod xmlrpc;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum_server::Handle;
use axum_server::accept::NoDelayAcceptor;
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use confd_jobs::{Dispatcher, Services, client_settings, schedule};
use confd_storage::Catalog;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;

pub use config::Config;
use connections::Capped;
pub use connections::ConnectionLimits;

/// Largest request body accepted (XML-RPC and REST); larger ones get 413.
pub const MAX_BODY_BYTES: usize = 4 << 20;

/// A started daemon: its bound addresses and a handle to stop it.
pub struct Daemon {
    /// Where XML-RPC listens.
    pub xmlrpc_addr: SocketAddr,
    /// Where the Administration API (REST) listens.
    pub rest_addr: SocketAddr,
    /// Where monitoring listens.
    pub metrics_addr: SocketAddr,
    /// State directory.
    pub state_dir: PathBuf,
    /// The admin password if it was set on this start (first start), to print once.
    pub new_admin_password: Option<String>,
    /// Shared services (catalogue, ...).
    pub services: Arc<Services>,
    servers: Servers,
    housekeeping: tokio::task::AbortHandle,
    schedules: CancellationToken,
}

/// Prepares the state directory, binds the listeners and starts serving.
pub async fn start(config: Config) -> anyhow::Result<Daemon> {
    // One crypto provider for the whole process; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let prepared = prepare_and_recover(&config).await?;
    if let Some(zone) = &config.schedule_time_zone {
        prepared
            .services
            .schedules
            .set_time_zone(zone)
            .map_err(|e| anyhow::anyhow!("schedule_time_zone: {e}"))?;
    }
    prepared
        .services
        .backups
        .set_compression_level(config.compression_level);
    let dispatcher = Arc::new(Dispatcher::new(prepared.services.clone(), prepared.epoch));
    let http_metrics = monitor::HttpMetrics::default();
    let mut servers = Servers::default();

    let xmlrpc_listener = bind(config.xmlrpc_listen, "XML-RPC")?;
    let xmlrpc_addr = xmlrpc_listener.local_addr()?;
    let xmlrpc = xmlrpc_router(&dispatcher, xmlrpc_addr, &http_metrics);
    let tls = tls::server_config(&prepared.tls)?;
    let installer = certificate::TlsInstaller::new(tls.clone(), config.state_dir.join("tls"));
    // Set once per Services; a second start on the same Services cannot happen.
    let _ = prepared.services.certificates.set(Arc::new(installer));
    servers.serve_tls(xmlrpc_listener, xmlrpc, tls.clone(), config.connections)?;

    let rest_listener = bind(config.rest_listen, "REST")?;
    let rest_addr = rest_listener.local_addr()?;
    servers.serve_tls(
        rest_listener,
        rest_router(&dispatcher, &http_metrics),
        tls,
        config.connections,
    )?;

    let metrics_listener = bind(config.metrics_listen, "monitoring")?;
    let metrics_addr = metrics_listener.local_addr()?;
    servers.serve_plain(
        metrics_listener,
        monitor::router(dispatcher.clone(), http_metrics),
    )?;

    let housekeeping =
        spawn_job_record_pruning(prepared.services.catalog.clone(), config.job_retention_days);
    let schedules = CancellationToken::new();
    schedule::runner::spawn(dispatcher.clone(), schedules.clone());
    write_client_settings(&config, &prepared, xmlrpc_addr, rest_addr)?;
    tracing::info!(%xmlrpc_addr, %rest_addr, %metrics_addr, state_dir = %config.state_dir.display(), "confd is serving");

    Ok(Daemon {
        xmlrpc_addr,
        rest_addr,
        metrics_addr,
        state_dir: config.state_dir,
        new_admin_password: prepared.new_admin_password,
        services: prepared.services,
        servers,
        housekeeping,
        schedules,
    })
}

/// Brings the state directory to a servable state (blocking work, off the runtime's
/// threads), then repairs what the last run left half done.
async fn prepare_and_recover(config: &Config) -> anyhow::Result<setup::Prepared> {
    let prepared = {
        let config = config.clone();
        tokio::task::spawn_blocking(move || setup::prepare(&config)).await??
    };
    let recovered = confd_jobs::recovery::recover(&prepared.services).await?;
    if recovered != confd_jobs::recovery::Report::default() {
        tracing::warn!(?recovered, "start-up recovery repaired the catalogue");
    }
    Ok(prepared)
}

fn xmlrpc_router(
    dispatcher: &Arc<Dispatcher>,
    xmlrpc_addr: SocketAddr,
    http_metrics: &monitor::HttpMetrics,
) -> Router {
    let state = xmlrpc::XmlRpcState {
        dispatcher: dispatcher.clone(),
        master_ip: client_ip(xmlrpc_addr.ip()).to_string(),
    };
    Router::new()
        .route("/master", get(xmlrpc::master))
        .route("/is_master", get(xmlrpc::is_master))
        .fallback(xmlrpc::handle)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(limits::refuse_oversized))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(
            (http_metrics.clone(), "xmlrpc"),
            monitor::track,
        ))
}

fn rest_router(dispatcher: &Arc<Dispatcher>, http_metrics: &monitor::HttpMetrics) -> Router {
    rest::router(rest::RestState {
        dispatcher: dispatcher.clone(),
    })
    .layer(axum::middleware::from_fn_with_state(
        (http_metrics.clone(), "rest"),
        monitor::track,
    ))
}

/// The serving tasks and the handles that stop them.
#[derive(Default)]
struct Servers {
    tasks: tokio::task::JoinSet<std::io::Result<()>>,
    handles: Vec<Handle<SocketAddr>>,
}

impl Servers {
    fn serve_tls(
        &mut self,
        listener: std::net::TcpListener,
        router: Router,
        tls: RustlsConfig,
        limits: ConnectionLimits,
    ) -> anyhow::Result<()> {
        let handle = Handle::new();
        let capped = Capped::new(NoDelayAcceptor::new(), limits.max_connections);
        let acceptor = RustlsAcceptor::new(tls)
            .handshake_timeout(limits.handshake)
            .acceptor(capped);
        let mut server = axum_server::from_tcp(listener)?
            .acceptor(acceptor)
            .first_request_timeout(limits.first_request)
            .accept_error_handler(|addr, e| {
                tracing::debug!(peer = ?addr, "connection closed before serving: {e}");
            })
            .handle(handle.clone());
        server
            .http_builder()
            .http1()
            .timer(hyper_util::rt::TokioTimer::new())
            .header_read_timeout(limits.request_head);
        self.tasks.spawn(server.serve(router.into_make_service()));
        self.handles.push(handle);
        Ok(())
    }

    fn serve_plain(
        &mut self,
        listener: std::net::TcpListener,
        router: Router,
    ) -> anyhow::Result<()> {
        let handle = Handle::new();
        let server = axum_server::from_tcp(listener)?.handle(handle.clone());
        self.tasks.spawn(server.serve(router.into_make_service()));
        self.handles.push(handle);
        Ok(())
    }
}

/// A daemon runs for months: job records expire hourly while it runs, not only at start.
fn spawn_job_record_pruning(
    catalog: Arc<Catalog>,
    retention_days: u32,
) -> tokio::task::AbortHandle {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(Duration::from_secs(3600));
        hourly.tick().await;
        loop {
            hourly.tick().await;
            if let Err(e) = setup::prune_job_records(&catalog, retention_days) {
                tracing::warn!("pruning job records failed: {e:#}");
            }
        }
    })
    .abort_handle()
}

/// `client.json`: where and as whom `confd_client` reaches this daemon.
fn write_client_settings(
    config: &Config,
    prepared: &setup::Prepared,
    xmlrpc_addr: SocketAddr,
    rest_addr: SocketAddr,
) -> anyhow::Result<()> {
    let settings = client_settings::ClientSettings {
        xmlrpc_url: client_url(xmlrpc_addr),
        rest_url: client_url(rest_addr),
        user: setup::ADMIN.into(),
        password: admin_password_for_clients(config, prepared),
        ca_cert: prepared.tls.ca_cert.clone(),
    };
    client_settings::write(&config.state_dir, &settings)
        .with_context(|| format!("writing {}/client.json", config.state_dir.display()))
}

/// The password set on this start (first start) wins, then the stored one (it follows
/// user_passwd). The catalogue keeps only a hash, so a deleted client.json can get the
/// password back only from CONFD_ADMIN_PASSWORD.
fn admin_password_for_clients(config: &Config, prepared: &setup::Prepared) -> String {
    let stored = client_settings::read(&config.state_dir).map(|s| s.password);
    match prepared
        .new_admin_password
        .clone()
        .or(stored)
        .or_else(|| config.admin_password.clone())
    {
        Some(password) => password,
        None => {
            tracing::warn!(
                "client.json was missing and the admin password is unknown; set CONFD_ADMIN_PASSWORD to restore it"
            );
            String::new()
        }
    }
}

fn client_url(addr: SocketAddr) -> String {
    format!(
        "https://{}",
        SocketAddr::new(client_ip(addr.ip()), addr.port())
    )
}

impl Daemon {
    /// Stops accepting, lets requests in flight finish (up to 5 s), cancels running
    /// backups and restores the way `db_backup_abort` does, flushes the catalogue.
    pub async fn shutdown(mut self) -> anyhow::Result<()> {
        for h in &self.servers.handles {
            h.graceful_shutdown(Some(Duration::from_secs(5)));
        }
        self.housekeeping.abort();
        // No scheduled backup may start once the running ones are being stopped.
        self.schedules.cancel();
        self.services.backups.shutdown().await;
        while let Some(result) = self.servers.tasks.join_next().await {
            result.context("server task")?.context("server")?;
        }
        self.services.catalog.flush().await?;
        Ok(())
    }

    /// Waits until a server stops by itself (an error); normally never returns.
    pub async fn serve_until_error(&mut self) -> anyhow::Result<()> {
        match self.servers.tasks.join_next().await {
            Some(result) => result.context("server task")?.context("server"),
            None => Ok(()),
        }
    }
}

fn bind(addr: SocketAddr, what: &str) -> anyhow::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(addr)
        .with_context(|| format!("binding the {what} listener to {addr}"))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// The address a local client should use for a listener bound to `ip`.
fn client_ip(ip: IpAddr) -> IpAddr {
    if ip.is_unspecified() {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        ip
    }
}
