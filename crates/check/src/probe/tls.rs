//! The TLS client of SSL_GET and genhash -S, from the root `SSL` block.
//!
//! Like keepalived, the server certificate is not verified (keepalived loads the CA file but
//! never sets a verify mode): the check is that a TLS session can be established and the
//! page fetched. The handshake signatures are still checked. A client certificate and key
//! (PEM) are presented when configured; password-protected keys are not supported.

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
            ..
        }) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
                .map_err(|_| TlsSetupError::Certificate)?
                .collect::<Result<_, _>>()
                .map_err(|_| TlsSetupError::Certificate)?;
            let key_file = key.as_deref().unwrap_or(cert);
            let key = PrivateKeyDer::from_pem_file(key_file).map_err(|_| TlsSetupError::Key)?;
            Some((certs, key))
        }
        _ => None,
    };
    let config = match client_auth {
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| TlsSetupError::Config(e.to_string()))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// The server name for the handshake: the virtual host with `enable_sni`, else the address
/// (rustls sends no SNI for an address, as keepalived without enable_sni).
pub fn server_name(sni: Option<&str>, ip: std::net::IpAddr) -> ServerName<'static> {
    sni.and_then(|h| ServerName::try_from(h.to_owned()).ok())
        .unwrap_or(ServerName::IpAddress(ip.into()))
}
