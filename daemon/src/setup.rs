//! Start-up: state directory, catalogue, recovery, TLS material, the admin user, the
//! embedded demo (design 6) and `client.json`.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use confd_jobs::Services;
use confd_jobs::auth::generate_password;
use confd_jobs::job::db_create::create_database;
use confd_jobs::job::remote_volume_add::{self, add_remote_volume};
use confd_jobs::job::st_volume_create::create_local_volume;
use confd_jobs::params::ObjectName;
use confd_storage::Catalog;

use crate::config::Config;
use crate::tls::{self, TlsFiles};

/// Name of the demo database.
pub const DEMO_DATABASE: &str = "MY_DATABASE";
/// The user created on first start.
pub const ADMIN: &str = "admin";
const ADMIN_UID: u32 = 1000;

/// What start-up produced.
pub struct Prepared {
    /// Shared services for the jobs.
    pub services: Arc<Services>,
    /// This start's epoch.
    pub epoch: u64,
    /// TLS files.
    pub tls: TlsFiles,
    /// The admin password when it was set on this start (first start).
    pub new_admin_password: Option<String>,
}

/// Opens the state directory and brings it to a servable state.
pub fn prepare(config: &Config) -> anyhow::Result<Prepared> {
    let dir = &config.state_dir;
    create_private_dir(dir)?;
    let catalog = Arc::new(
        Catalog::open(&dir.join("catalog"))
            .with_context(|| format!("opening the catalogue in {}", dir.display()))?,
    );
    let epoch = catalog.next_epoch()?;
    let now = confd_jobs::dispatch::now_ms();
    let interrupted = confd_jobs::recovery::fail_interrupted_jobs(&catalog, epoch, now)?;
    if interrupted > 0 {
        tracing::warn!(
            "{interrupted} job(s) were interrupted by the last shutdown and are now marked failed"
        );
    }
    prune_job_records(&catalog, config.job_retention_days)?;
    let tls = match &config.tls {
        Some(paths) => TlsFiles {
            ca_cert: paths.ca.clone().unwrap_or_else(|| paths.cert.clone()),
            cert: paths.cert.clone(),
            key: paths.key.clone(),
        },
        None => tls::ensure(&dir.join("tls"))?,
    };
    let tls = match crate::certificate::installed(&dir.join("tls"), &tls.ca_cert) {
        Some(installed) => {
            tracing::info!(
                "serving the certificate installed by cert_update ({}); remove it to serve the configured or generated one",
                installed.cert.display()
            );
            installed
        }
        None => tls,
    };
    let services = Arc::new(Services::with_hooks(
        catalog.clone(),
        dir.clone(),
        env!("CARGO_PKG_VERSION").to_owned(),
        config.engine_hooks.clone(),
    ));

    let mut new_admin_password = None;
    if catalog.has_no_users()? {
        // The demo comes before the admin user: an interrupted first start has no user
        // yet, so the next start repeats every (idempotent) step.
        if config.demo {
            create_demo(&services, config.demo_size)?;
        }
        let password = match &config.admin_password {
            Some(p) => p.clone(),
            None => generate_password()?,
        };
        services
            .auth
            .set_user(ADMIN, ADMIN_UID, &["exaadm"], &password)?;
        new_admin_password = Some(password);
    }
    futures::executor::block_on(catalog.flush())?;
    Ok(Prepared {
        services,
        epoch,
        tls,
        new_admin_password,
    })
}

/// Deletes job records older than `days` (design 2: records are kept 7 days by default).
pub fn prune_job_records(catalog: &Catalog, days: u32) -> anyhow::Result<()> {
    let cutoff = confd_jobs::dispatch::now_ms() - i64::from(days) * 86_400_000;
    let pruned = catalog.prune_jobs(cutoff)?;
    if pruned > 0 {
        tracing::info!("removed {pruned} job record(s) older than {days} days");
    }
    Ok(())
}

fn create_demo(services: &Services, size: u64) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let name: ObjectName = DEMO_DATABASE.parse().map_err(anyhow::Error::msg)?;
    let db = match services.catalog.database(DEMO_DATABASE)? {
        Some(db) => db,
        None => create_database(services, &name, 4, None, true, (ADMIN_UID, 500))?,
    };
    confd_storage::datagen::generate(&db.node_dirs(), size / u64::from(db.nodes), 0xC0FF_EE00)?;

    if services.catalog.volume(10001)?.is_none() {
        let remote_dir = services.state_dir.join("remote").join("r0001");
        std::fs::create_dir_all(&remote_dir)?;
        let params = remote_volume_add::Params {
            vol_type: "file".into(),
            url: format!("file://{}", remote_dir.display()),
            id: Some(10001),
            name: None,
            username: None,
            password: None,
            options: Vec::new(),
            labels: Vec::new(),
        };
        add_remote_volume(services, params, ADMIN, ADMIN_UID)?;
    }
    if services.catalog.volume_by_name("ArchiveVolume1")?.is_none() {
        let name: ObjectName = "ArchiveVolume1".parse().map_err(anyhow::Error::msg)?;
        create_local_volume(services, &name, 64 << 30, ADMIN, ADMIN_UID)?;
    }
    tracing::info!(
        "created the demo: database {DEMO_DATABASE} (4 nodes, {} MiB of data) in {:.1} s, volumes r0001 and ArchiveVolume1",
        size >> 20,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the state directory {}", dir.display()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .with_context(|| format!("restricting {} to its owner", dir.display()))?;
    Ok(())
}
