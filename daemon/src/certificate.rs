//! `cert_update` on the listeners: [`TlsInstaller`] checks an uploaded certificate, stores
//! it under `<state dir>/tls/` and swaps the [`RustlsConfig`] both HTTPS listeners share,
//! so new handshakes get the new certificate while open connections keep theirs.
//!
//! The pair is one file, `installed.pem` (chain, then key; mode 0600), written to a temp
//! file and renamed: a crash leaves the old pair or the new one, never half of each. An
//! uploaded CA goes to `installed-ca.pem` (for `client.json`). At start an installed pair
//! wins over the generated one and over `[tls]` files: it is the operator's latest word.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum_server::tls_rustls::RustlsConfig;
use base64::Engine as _;
use confd_jobs::certificates::{
    CertificateInstaller, CertificatePem, CertificateProblem, InstalledCertificate,
};
use confd_jobs::expiry::format_minute;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::tls::{self, TlsFiles};

const BUNDLE: &str = "installed.pem";
const CA: &str = "installed-ca.pem";

/// The pair `cert_update` stored in `tls_dir`, if any; `ca_fallback` when no CA came with it.
pub fn installed(tls_dir: &Path, ca_fallback: &Path) -> Option<TlsFiles> {
    let bundle = tls_dir.join(BUNDLE);
    if !bundle.is_file() {
        return None;
    }
    let ca = tls_dir.join(CA);
    Some(TlsFiles {
        ca_cert: if ca.is_file() {
            ca
        } else {
            ca_fallback.to_path_buf()
        },
        cert: bundle.clone(),
        key: bundle,
    })
}

/// Installs certificates on the listeners sharing `config`.
pub struct TlsInstaller {
    config: RustlsConfig,
    dir: PathBuf,
    /// Two uploads at once must not interleave their files.
    writing: Mutex<()>,
}

impl TlsInstaller {
    /// An installer storing under `tls_dir` and switching `config`.
    pub fn new(config: RustlsConfig, tls_dir: PathBuf) -> Self {
        TlsInstaller {
            config,
            dir: tls_dir,
            writing: Mutex::new(()),
        }
    }
}

impl CertificateInstaller for TlsInstaller {
    fn install(&self, pem: &CertificatePem) -> Result<InstalledCertificate, CertificateProblem> {
        let now = jiff::Timestamp::now().as_second();
        let checked = check(pem, now)?;
        let server = tls::rustls_config(checked.chain.clone(), checked.key.clone_key())
            .map_err(|e| key_problem(&e))?;
        let _writing = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let ca_file = match &checked.ca {
            Some(ca) => Some(self.store_ca(ca).map_err(storage)?),
            None => None,
        };
        self.store_pair(&checked.chain, &checked.key)
            .map_err(storage)?;
        // Only after the pair is durable: a refused or failed store never changes what
        // the listeners serve.
        self.config.reload_from_config(Arc::new(server));
        Ok(InstalledCertificate {
            ca_file,
            ..checked.summary
        })
    }
}

impl TlsInstaller {
    fn store_ca(&self, ca: &[CertificateDer<'static>]) -> std::io::Result<PathBuf> {
        let text: String = ca.iter().map(|c| pem("CERTIFICATE", c)).collect();
        let path = self.dir.join(CA);
        replace(&path, text.as_bytes())?;
        Ok(path)
    }

    fn store_pair(
        &self,
        chain: &[CertificateDer<'static>],
        key: &PrivateKeyDer<'static>,
    ) -> std::io::Result<()> {
        let mut text: String = chain.iter().map(|c| pem("CERTIFICATE", c)).collect();
        text.push_str(&pem(key_label(key), key.secret_der()));
        replace(&self.dir.join(BUNDLE), text.as_bytes())
    }
}

/// Writes `path` through a 0600 temp file, rename and directory fsync.
fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".partial");
    let tmp = PathBuf::from(tmp);
    confd_jobs::client_settings::write_private(&tmp, bytes)?;
    std::fs::rename(&tmp, path)?;
    std::fs::File::open(dir)?.sync_all()
}

fn storage(e: std::io::Error) -> CertificateProblem {
    CertificateProblem::Storage(e.to_string())
}

/// An upload that passed every check.
struct Checked {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    ca: Option<Vec<CertificateDer<'static>>>,
    summary: InstalledCertificate,
}

/// Parses the upload and checks each certificate's validity at `now`. The key is checked
/// against the leaf when rustls builds its configuration.
fn check(pem: &CertificatePem, now: i64) -> Result<Checked, CertificateProblem> {
    let chain = certificates("cert", &pem.cert)?;
    let key = PrivateKeyDer::from_pem_slice(pem.key.as_bytes()).map_err(|_| {
        // Never the parser's message: it may quote a line of the key.
        CertificateProblem::Unreadable {
            param: "key",
            reason: "is not a PEM private key (PKCS#8, PKCS#1 or SEC1)".into(),
        }
    })?;
    let ca = match &pem.ca {
        Some(text) => Some(certificates("ca", text)?),
        None => None,
    };
    let mut summary = None;
    for der in &chain {
        let facts = facts("cert", der, now)?;
        summary.get_or_insert(facts);
    }
    for der in ca.iter().flatten() {
        facts("ca", der, now)?;
    }
    let summary = summary.ok_or_else(|| no_certificate("cert"))?;
    Ok(Checked {
        chain,
        key,
        ca,
        summary,
    })
}

fn certificates(
    param: &'static str,
    text: &str,
) -> Result<Vec<CertificateDer<'static>>, CertificateProblem> {
    let certs = CertificateDer::pem_slice_iter(text.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CertificateProblem::Unreadable {
            param,
            reason: format!("is not valid PEM ({e})"),
        })?;
    if certs.is_empty() {
        return Err(no_certificate(param));
    }
    Ok(certs)
}

fn no_certificate(param: &'static str) -> CertificateProblem {
    CertificateProblem::Unreadable {
        param,
        reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
    }
}

/// Subject, serial and validity of one certificate, refused outside its validity.
fn facts(
    param: &'static str,
    der: &CertificateDer<'_>,
    now: i64,
) -> Result<InstalledCertificate, CertificateProblem> {
    let (_, cert) =
        x509_parser::parse_x509_certificate(der).map_err(|e| CertificateProblem::Unreadable {
            param,
            reason: format!("is not an X.509 certificate ({e})"),
        })?;
    let validity = cert.validity();
    let (not_before, not_after) = (
        validity.not_before.timestamp(),
        validity.not_after.timestamp(),
    );
    if now > not_after {
        return Err(CertificateProblem::Expired {
            param,
            not_after: format!("{} UTC", format_minute(not_after)),
        });
    }
    if now < not_before {
        return Err(CertificateProblem::NotYetValid {
            param,
            not_before: format!("{} UTC", format_minute(not_before)),
        });
    }
    Ok(InstalledCertificate {
        subject: cert.subject().to_string(),
        serial: cert.raw_serial_as_string(),
        not_before,
        not_after,
        ca_file: None,
    })
}

fn key_problem(e: &anyhow::Error) -> CertificateProblem {
    match e.downcast_ref::<rustls::Error>() {
        Some(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            CertificateProblem::KeyMismatch
        }
        _ => CertificateProblem::Unreadable {
            param: "key",
            reason: "is not a usable RSA, ECDSA or Ed25519 private key".into(),
        },
    }
}

fn key_label(key: &PrivateKeyDer<'_>) -> &'static str {
    match key {
        PrivateKeyDer::Pkcs1(_) => "RSA PRIVATE KEY",
        PrivateKeyDer::Sec1(_) => "EC PRIVATE KEY",
        _ => "PRIVATE KEY",
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
