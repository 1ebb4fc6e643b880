//! [`Services`]: what every job can reach (catalogue, state directory, authenticator).

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use confd_storage::Catalog;
use confd_storage::records::{DatabaseRecord, VolumeRecord};

use crate::auth::Authenticator;
use crate::certificates::CertificateInstaller;
use crate::error::JobError;
use crate::params::VolumeRef;
use crate::schedule::Schedules;
use crate::supervisor::{OperationHooks, Supervisor};

/// Shared state of the daemon, handed to every job.
pub struct Services {
    /// The catalogue.
    pub catalog: Arc<Catalog>,
    /// The daemon's state directory (databases, volumes, tls, catalogue).
    pub state_dir: PathBuf,
    /// Version string shown as database `version`.
    pub version: String,
    /// Password checks with a cache of verified credentials.
    pub auth: Arc<Authenticator>,
    /// Running backups and restores.
    pub backups: Arc<Supervisor>,
    /// The schedules' time zone and change signal.
    pub schedules: Arc<Schedules>,
    /// The TLS listeners' certificate, set by the daemon once they exist (`cert_update`).
    pub certificates: OnceLock<Arc<dyn CertificateInstaller>>,
}

impl Services {
    /// Builds the services over an open catalogue.
    pub fn new(catalog: Arc<Catalog>, state_dir: PathBuf, version: String) -> Self {
        Self::with_hooks(catalog, state_dir, version, None)
    }

    /// Like [`new`](Self::new), with engine hooks for the backups and restores.
    pub fn with_hooks(
        catalog: Arc<Catalog>,
        state_dir: PathBuf,
        version: String,
        hooks: Option<Arc<dyn OperationHooks>>,
    ) -> Self {
        let auth = Arc::new(Authenticator::new(catalog.clone()));
        Services {
            backups: Supervisor::with_hooks(catalog.clone(), hooks),
            catalog,
            state_dir,
            version,
            auth,
            schedules: Arc::new(Schedules::default()),
            certificates: OnceLock::new(),
        }
    }

    /// Directory where confd keeps the data of databases it created.
    pub fn databases_dir(&self) -> PathBuf {
        self.state_dir.join("databases")
    }

    /// Directory where confd keeps local archive volumes.
    pub fn local_volumes_dir(&self) -> PathBuf {
        self.state_dir.join("volumes")
    }

    /// The database called `name`, or a `NOT_FOUND` error naming it.
    pub fn database(&self, name: &str) -> Result<DatabaseRecord, JobError> {
        self.catalog
            .database(name)?
            .ok_or_else(|| JobError::no_such_database(name))
    }

    /// The volume referred to, or a `NOT_FOUND` error naming it.
    pub fn volume(&self, r: &VolumeRef) -> Result<VolumeRecord, JobError> {
        let found = match r {
            VolumeRef::Id(id) => self.catalog.volume(*id)?,
            VolumeRef::Name(name) => self.catalog.volume_by_name(name)?,
        };
        found.ok_or_else(|| JobError::NotFound(format!("Volume {r} does not exist")))
    }
}
