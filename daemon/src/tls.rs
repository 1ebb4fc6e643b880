//! TLS material: on first start a private CA and a server certificate signed by it are
//! generated under `<state dir>/tls/` (clients trust `ca.pem`); later starts reuse them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use axum_server::tls_rustls::RustlsConfig;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Paths of the TLS files.
pub struct TlsFiles {
    /// CA certificate clients trust.
    pub ca_cert: PathBuf,
    /// Server certificate chain (leaf, then CA).
    pub cert: PathBuf,
    /// Server private key.
    pub key: PathBuf,
}

impl TlsFiles {
    /// The files under `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        TlsFiles {
            ca_cert: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }
}

/// Makes sure the CA and server certificate exist; generates them on first start.
pub fn ensure(dir: &Path) -> anyhow::Result<TlsFiles> {
    let files = TlsFiles::in_dir(dir);
    if files.ca_cert.is_file() && files.cert.is_file() && files.key.is_file() {
        return Ok(files);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;

    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "confd-rs local CA");
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() && host != "localhost" {
            names.push(host.to_owned());
        }
    }
    let mut leaf_params = CertificateParams::new(names)?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "confd-rs");
    let leaf_key = KeyPair::generate()?;
    let leaf = leaf_params.signed_by(&leaf_key, &issuer)?;

    confd_jobs::client_settings::write_private(&files.key, leaf_key.serialize_pem().as_bytes())
        .with_context(|| format!("writing {}", files.key.display()))?;
    std::fs::write(&files.cert, format!("{}{}", leaf.pem(), ca_cert.pem()))?;
    // The CA file last: its presence marks the set as complete.
    std::fs::write(&files.ca_cert, ca_cert.pem())?;
    Ok(files)
}

/// A rustls server configuration (TLS 1.2 and 1.3, HTTP/1.1 and HTTP/2).
pub fn server_config(files: &TlsFiles) -> anyhow::Result<RustlsConfig> {
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .with_context(|| format!("reading {}", files.cert.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("parsing {}", files.cert.display()))?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .with_context(|| format!("reading {}", files.key.display()))?;
    Ok(RustlsConfig::from_config(Arc::new(rustls_config(
        certs, key,
    )?)))
}

/// The listeners' settings over a chain and its key; refuses a key of another certificate
/// (`rustls::Error::InconsistentKeys`).
pub fn rustls_config(
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> anyhow::Result<rustls::ServerConfig> {
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
