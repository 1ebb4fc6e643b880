//! `confd`: parse the command line, start the daemon, stop it on SIGINT/SIGTERM.

use clap::Parser;
use confd_daemon::config::{Args, Config};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let config = Config::from_args(Args::parse())?;
    let mut daemon = confd_daemon::start(config).await?;
    if let Some(password) = &daemon.new_admin_password {
        // Printed once, on the first start; it is also in client.json (mode 0600).
        eprintln!("admin password: {password}");
    }
    eprintln!(
        "confd ready: XML-RPC https://{}, REST https://{}, metrics http://{} (state {}); try: confd_client db_list",
        daemon.xmlrpc_addr,
        daemon.rest_addr,
        daemon.metrics_addr,
        daemon.state_dir.display()
    );
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = sigterm.recv() => {}
        result = daemon.serve_until_error() => result?,
    }
    tracing::info!("shutting down");
    daemon.shutdown().await
}
