//! `confd`: parse the command line, start the daemon, stop it on SIGINT/SIGTERM.

use std::io::IsTerminal as _;

use clap::Parser;
use confd_daemon::config::{Args, Config, LogFormat};

fn main() -> anyhow::Result<()> {
    let config = Config::from_args(Args::parse())?;
    init_logging(config.log_format);
    confd_daemon::runtime::build(config.worker_threads)?.block_on(serve(config))
}

fn init_logging(format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colour codes only for a person at a terminal; journald and files get plain text.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => logs.init(),
        // One object per line with the fields of the current span (job ID, job, user).
        LogFormat::Json => logs.json().with_current_span(true).init(),
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let generated = config.admin_password.is_none();
    let text_logs = config.log_format == LogFormat::Text;
    let mut daemon = confd_daemon::start(config).await?;
    if let Some(password) = &daemon.new_admin_password {
        // Shown once, on the first start, and only to a person at a terminal: a log
        // (journald, a file, JSON lines) never carries it. It is in client.json (0600).
        if generated && text_logs && std::io::stderr().is_terminal() {
            eprintln!("admin password: {password}");
        } else {
            tracing::info!(
                "the admin password is in {}/client.json (mode 0600)",
                daemon.state_dir.display()
            );
        }
    }
    tracing::info!(
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
