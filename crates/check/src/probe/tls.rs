//! The TLS client of SSL_GET and genhash -S, from the root `SSL` block.
//!
//! Like keepalived, the server certificate is not verified: keepalived's build_ssl_ctx loads
//! the `ca` file (SSL_CTX_load_verify_locations; one it cannot load stops the TLS setup,
//! "SSL error : Cant load CA file...") but never sets a verify mode, so a server whose
//! certificate no CA signed still passes. The check is that a TLS session can be established
//! and the page fetched; the handshake signatures are still checked. A client certificate
//! and key (PEM) are presented when configured (a server that demands one gets it); a key
//! encrypted with `password` (PKCS#8 "ENCRYPTED PRIVATE KEY", what OpenSSL 3 writes) is
//! decrypted with it, as keepalived's password callback gives it to OpenSSL. The legacy
//! OpenSSL encryption ("Proc-Type: 4,ENCRYPTED" headers) is not read.

use std::sync::Arc;

use keepalived_conf::model::SslConfig;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};

/// Why the TLS client could not be set up (keepalived's "SSL error : Cant load ..." lines).
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// The certificate file.
    #[error("SSL error : Cant load certificate file...")]
    Certificate,
    /// The key file.
    #[error("SSL error : Cant load key file...")]
    Key,
    /// The CA file (`ca`): no PEM certificate could be read from it.
    #[error("SSL error : Cant load CA file...")]
    Ca,
    /// rustls refused the configuration.
    #[error("Error Initialize SSL, ctx Instance: {0}")]
    Config(String),
}

#[derive(Debug)]
struct AcceptAnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The client configuration for `ssl` (None: keepalived's auto-generated context).
pub fn client_config(ssl: Option<&SslConfig>) -> Result<Arc<ClientConfig>, TlsSetupError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsSetupError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider)));
    let client_auth = match ssl {
        Some(SslConfig {
            certificate: Some(cert),
            key,
            password,
            ..
        }) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
                .map_err(|_| TlsSetupError::Certificate)?
                .collect::<Result<_, _>>()
                .map_err(|_| TlsSetupError::Certificate)?;
            let key_file = key.as_deref().unwrap_or(cert);
            let key = load_key(key_file, password.as_deref())?;
            Some((certs, key))
        }
        _ => None,
    };
    // After the certificate and key, as keepalived's build_ssl_ctx.
    if let Some(ca) = ssl.and_then(|s| s.ca.as_deref()) {
        load_ca(ca)?;
    }
    let config = match client_auth {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| TlsSetupError::Config(e.to_string()))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// keepalived's SSL_CTX_load_verify_locations(ca): the file must hold a certificate. What
/// it holds verifies nothing (keepalived sets no verify mode).
fn load_ca(path: &str) -> Result<(), TlsSetupError> {
    let mut certs = CertificateDer::pem_file_iter(path).map_err(|_| TlsSetupError::Ca)?;
    match certs.next() {
        Some(Ok(_)) => Ok(()),
        _ => Err(TlsSetupError::Ca),
    }
}

/// The PEM label of a PKCS#8 key encrypted with a password.
const ENCRYPTED_LABEL: &str = "ENCRYPTED PRIVATE KEY";

/// The private key in PEM file `path`; an encrypted PKCS#8 key is decrypted with
/// `password` (without one, or with the wrong one, it cannot be loaded, as keepalived's
/// OpenSSL finds no terminal to ask for it).
fn load_key(path: &str, password: Option<&str>) -> Result<PrivateKeyDer<'static>, TlsSetupError> {
    let text = std::fs::read_to_string(path).map_err(|_| TlsSetupError::Key)?;
    let begin = format!("-----BEGIN {ENCRYPTED_LABEL}-----");
    let end = format!("-----END {ENCRYPTED_LABEL}-----");
    let Some(from) = text.find(&begin) else {
        return PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|_| TlsSetupError::Key);
    };
    let password = password.ok_or(TlsSetupError::Key)?;
    let to = text[from..].find(&end).ok_or(TlsSetupError::Key)? + from + end.len();
    let (label, doc) =
        pkcs8::Document::from_pem(&text[from..to]).map_err(|_| TlsSetupError::Key)?;
    if label != ENCRYPTED_LABEL {
        return Err(TlsSetupError::Key);
    }
    let encrypted =
        pkcs8::EncryptedPrivateKeyInfo::try_from(doc.as_bytes()).map_err(|_| TlsSetupError::Key)?;
    let plain = encrypted
        .decrypt(password.as_bytes())
        .map_err(|_| TlsSetupError::Key)?;
    Ok(PrivateKeyDer::Pkcs8(plain.as_bytes().to_vec().into()))
}

/// The server name for the handshake: the virtual host with `enable_sni`, else the address
/// (rustls sends no SNI for an address, as keepalived without enable_sni).
pub fn server_name(sni: Option<&str>, ip: std::net::IpAddr) -> ServerName<'static> {
    sni.and_then(|h| ServerName::try_from(h.to_owned()).ok())
        .unwrap_or(ServerName::IpAddress(ip.into()))
}

/// keepalived's `check_data->ssl_required`: some real server has an SSL_GET.
pub fn ssl_required(config: &keepalived_conf::Config) -> bool {
    use keepalived_conf::model::CheckerKind;
    (config.lvs.virtual_servers.iter())
        .flat_map(|vs| &vs.real_servers)
        .flat_map(|rs| &rs.checkers)
        .any(|c| matches!(c.kind, CheckerKind::Ssl(_)))
}

/// keepalived's init_ssl_ctx at the checker's start: with an SSL_GET, a TLS setup that
/// fails (a `certificate`, `key` or `ca` that cannot be loaded, an encrypted key without its
/// `password`) stops the checker process (stop_check(KEEPALIVED_EXIT_FATAL)). The lines it
/// logs then, without keepalived's line that shows the password; `Ok` when nothing stops.
pub fn startup_check(config: &keepalived_conf::Config) -> Result<(), Vec<String>> {
    if !ssl_required(config) {
        return Ok(());
    }
    let ssl = config.lvs.ssl.as_ref();
    match client_config(ssl) {
        Ok(_) => Ok(()),
        Err(e) => {
            let show = |v: Option<&String>| v.map_or("(null)".to_owned(), Clone::clone);
            Err(vec![
                e.to_string(),
                "Error Initialize SSL, ctx Instance".to_owned(),
                format!("  SSL  keyfile:{}", show(ssl.and_then(|s| s.key.as_ref()))),
                format!("  SSL   cafile:{}", show(ssl.and_then(|s| s.ca.as_ref()))),
                "Terminate...".to_owned(),
            ])
        }
    }
}
