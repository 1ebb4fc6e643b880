//! `cert_update`: replace the TLS certificate of the XML-RPC and REST listeners without a
//! restart (spec 3.8). New connections get the new certificate; connections already open
//! keep theirs until they close. A key that does not match, a certificate outside its
//! validity, or text that is not PEM is refused naming the parameter, and the old
//! certificate stays in use.

use serde::Serialize;

use crate::certificates::{CertificatePem, CertificateProblem};
use crate::error::JobError;
use crate::expiry::format_minute;
use crate::job::{Context, Effect, Job, JobSpec};
use crate::params::{FromParams, Param, ParamReader, ParamSpec};

/// The `cert_update` job.
pub struct CertUpdate;

/// Parameters of `cert_update`.
pub struct Params {
    cert: String,
    key: String,
    ca: Option<String>,
}

/// `cert`.
pub const CERT: Param<String> = Param::required(
    "cert",
    "Server certificate in PEM, leaf first, optionally followed by intermediates.",
);
/// `key`.
pub const KEY: Param<String> = Param::required(
    "key",
    "Private key of the certificate in PEM (PKCS#8, PKCS#1 or SEC1).",
)
.secret();
/// `ca`.
pub const CA: Param<String> = Param::optional(
    "ca",
    "CA certificate in PEM that clients should trust (written to client.json).",
);

impl FromParams for Params {
    const PARAMS: &'static [ParamSpec] = &[CERT.spec, KEY.spec, CA.spec];

    fn from_params(p: &ParamReader) -> Result<Self, JobError> {
        Ok(Params {
            cert: p.get(&CERT)?,
            key: p.get(&KEY)?,
            ca: p.opt(&CA)?.filter(|ca: &String| !ca.trim().is_empty()),
        })
    }
}

/// What `cert_update` answers: the certificate now served.
#[derive(Debug, Clone, Serialize)]
pub struct InstalledView {
    /// Subject of the new certificate.
    pub subject: String,
    /// Its serial number (hex).
    pub serial: String,
    /// `YYYY-MM-DD HH:MM` (UTC).
    pub not_before: String,
    /// `YYYY-MM-DD HH:MM` (UTC).
    pub not_after: String,
}

impl Job for CertUpdate {
    const NAME: &'static str = "cert_update";
    type Params = Params;
    type Output = InstalledView;

    const SPEC: JobSpec = JobSpec {
        description: "Replace the TLS certificate of the XML-RPC and REST listeners; new connections get it at once, the daemon keeps running.",
        allowed_groups: &["root", "exaadm"],
        effect: Effect::Configuration,
    };

    async fn run(ctx: &Context<'_>, p: Params) -> Result<InstalledView, JobError> {
        let installer = ctx.services.certificates.get().ok_or_else(|| {
            JobError::Unsupported("This server has no TLS listeners to update".into())
        })?;
        let pem = CertificatePem {
            cert: p.cert,
            key: p.key,
            ca: p.ca,
        };
        let installed = installer.install(&pem).map_err(refusal)?;
        if let Some(ca_file) = &installed.ca_file {
            // confd_client next to the daemon must trust the new chain from now on.
            crate::client_settings::ca_changed(&ctx.services.state_dir, ca_file)
                .map_err(|e| JobError::Internal(format!("updating client.json: {e}")))?;
        }
        tracing::info!(
            subject = installed.subject,
            serial = installed.serial,
            "TLS certificate replaced"
        );
        Ok(InstalledView {
            subject: installed.subject,
            serial: installed.serial,
            not_before: format_minute(installed.not_before),
            not_after: format_minute(installed.not_after),
        })
    }
}

fn refusal(problem: CertificateProblem) -> JobError {
    const KEEP: &str = "the current certificate stays in use";
    match problem {
        CertificateProblem::Unreadable { param, reason } => {
            JobError::invalid(param, format!("{reason}; {KEEP}"))
        }
        CertificateProblem::KeyMismatch => JobError::invalid(
            KEY.name(),
            format!("does not match the certificate in 'cert' (another public key); {KEEP}"),
        ),
        CertificateProblem::Expired { param, not_after } => JobError::invalid(
            param,
            format!("the certificate expired on {not_after}; {KEEP}"),
        ),
        CertificateProblem::NotYetValid { param, not_before } => JobError::invalid(
            param,
            format!("the certificate is not valid before {not_before}; {KEEP}"),
        ),
        CertificateProblem::Storage(e) => {
            JobError::Internal(format!("storing the new certificate failed ({e}); {KEEP}"))
        }
    }
}
