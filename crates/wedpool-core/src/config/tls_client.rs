//! The rustls client configuration for a pool's [`TlsSettings`], built and checked when the
//! options are validated (so an unusable root certificate or a client certificate that does
//! not fit its key is `INVALID_CONFIG` from `PoolConfig::from_options`, and creating the pool
//! cannot fail). rustls uses the ring provider, so the binary needs no system libssl.
//! tokio-postgres itself only knows disable/prefer/require; everything about certificates
//! happens here:
//!
//! * `verify-full`: rustls's WebPKI verifier (chain, dates, host name in subjectAltName);
//! * `verify-ca`: the same verifier, with a host name mismatch — and only that — accepted;
//! * `require` without roots: any certificate, though the server must still prove it holds the
//!   certificate's key (handshake signatures are checked), which channel binding relies on.
//!
//! SNI is sent for host names, never for IP addresses (rustls does not put IPs in SNI).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::tls::{TlsSettings, Verification};
use crate::error::PoolError;

/// Builds the rustls client configuration for `settings`: the verifier the mode asks for, the
/// roots, the client certificate, ALPN and SNI.
///
/// Fails with `INVALID_CONFIG` (`sslrootcert`, `sslkey`, `ssl`) when rustls refuses the roots
/// or the client key.
pub fn client_config(settings: &TlsSettings) -> Result<Arc<ClientConfig>, PoolError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match settings.verification {
        Verification::None => Arc::new(AcceptAnyCertificate { provider: provider.clone() }),
        Verification::Chain => Arc::new(IgnoreHostName(webpki(settings, &provider)?)),
        Verification::Full => webpki(settings, &provider)?,
    };
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PoolError::invalid_config("ssl", format!("TLS setup failed: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match &settings.identity {
        Some(id) => builder.with_client_auth_cert(id.certs.clone(), id.key.clone_key()).map_err(|e| {
            PoolError::invalid_config("sslkey", format!("the client certificate and key do not fit together: {e}"))
        })?,
        None => builder.with_no_client_auth(),
    };
    // What libpq 17 sends; required by servers for sslnegotiation=direct.
    config.alpn_protocols = vec![b"postgresql".to_vec()];
    config.enable_sni = settings.sni;
    Ok(Arc::new(config))
}

fn webpki(settings: &TlsSettings, provider: &Arc<CryptoProvider>) -> Result<Arc<WebPkiServerVerifier>, PoolError> {
    let mut roots = RootCertStore::empty();
    let (_, ignored) = roots.add_parsable_certificates(settings.roots.iter().cloned());
    if roots.is_empty() {
        return Err(PoolError::invalid_config(
            "sslrootcert",
            format!("no usable CA certificate in {} ({ignored} could not be parsed)", settings.roots_from),
        ));
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| PoolError::invalid_config("sslrootcert", format!("cannot use {}: {e}", settings.roots_from)))
}

/// `verify-ca`: the WebPKI verdict, except that a certificate naming another host is accepted.
/// rustls checks the name last, after the chain and dates, so nothing else is waved through.
#[derive(Debug)]
struct IgnoreHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for IgnoreHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.0.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `require` (and `prefer`, `allow`) without roots: any certificate is accepted; the handshake
/// signatures are still checked against it.
#[derive(Debug)]
struct AcceptAnyCertificate {
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for AcceptAnyCertificate {
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
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
