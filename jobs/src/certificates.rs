//! The seam between `cert_update` and the TLS listeners. Jobs know nothing of rustls: the
//! daemon implements [`CertificateInstaller`] over the configuration its listeners share
//! and sets it on [`Services`](crate::Services) at start.

use std::path::PathBuf;

/// A certificate to install, as uploaded (PEM text).
pub struct CertificatePem {
    /// Server certificate chain, leaf first.
    pub cert: String,
    /// Private key of the leaf. Secret: never logged, never stored in a job record.
    pub key: String,
    /// CA certificate clients should trust, if given.
    pub ca: Option<String>,
}

/// What was installed.
#[derive(Debug, Clone)]
pub struct InstalledCertificate {
    /// Subject of the leaf, e.g. `CN=confd.example.com`.
    pub subject: String,
    /// Serial number of the leaf, hex bytes separated by `:`.
    pub serial: String,
    /// Start of validity, seconds since the epoch.
    pub not_before: i64,
    /// End of validity, seconds since the epoch.
    pub not_after: i64,
    /// Where the uploaded CA was stored (for `client.json`), if one was given.
    pub ca_file: Option<PathBuf>,
}

/// Which uploaded value is wrong, and how. The old certificate stays in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateProblem {
    /// A parameter is not what it should be (`param` names it: `cert`, `key`, `ca`).
    Unreadable {
        /// The parameter.
        param: &'static str,
        /// Why, without quoting the value.
        reason: String,
    },
    /// The key is valid but belongs to another certificate.
    KeyMismatch,
    /// The certificate's validity ended (`param` is `cert` or `ca`).
    Expired {
        /// The parameter.
        param: &'static str,
        /// End of validity, as shown.
        not_after: String,
    },
    /// The certificate's validity has not begun (`param` is `cert` or `ca`).
    NotYetValid {
        /// The parameter.
        param: &'static str,
        /// Start of validity, as shown.
        not_before: String,
    },
    /// Storing the new pair failed; nothing changed.
    Storage(String),
}

/// Installs a certificate on every TLS listener, for new connections, and stores it so
/// the next start serves it too.
pub trait CertificateInstaller: Send + Sync {
    /// Checks the upload, stores it durably, then switches the listeners to it.
    fn install(&self, pem: &CertificatePem) -> Result<InstalledCertificate, CertificateProblem>;
}
