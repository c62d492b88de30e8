//! TLS options as the user writes them (libpq's `sslmode` family, or node-postgres's `ssl`)
//! and their resolution into [`TlsSettings`]: the mode, how much of the server's certificate is
//! checked, the trusted roots and the client certificate, with files read once, up front.
//!
//! libpq's meanings (PostgreSQL documentation, "SSL Support"): `disable` never encrypts;
//! `allow` tries without TLS, then with it; `prefer` (the default) tries TLS, then without;
//! `require` encrypts without checking the certificate — unless a root certificate is given,
//! in which case the chain is checked as for `verify-ca`; `verify-ca` checks the chain;
//! `verify-full` checks the chain and that the certificate names the host.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::option_types::PoolOptions;
use crate::config::tls_params::TlsParams;
use crate::error::PoolError;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// Without TLS first; with TLS when the server refuses that.
    Allow,
    /// TLS when the server offers it; otherwise without.
    Prefer,
    /// TLS always.
    Require,
    /// TLS, with the certificate chain checked against the trusted roots.
    VerifyCa,
    /// TLS, with the chain checked and the host name matched against the certificate.
    VerifyFull,
}

impl SslMode {
    /// The libpq spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn parse(field: &str, s: &str) -> Result<(SslMode, bool), PoolError> {
        Ok(match s {
            "disable" => (SslMode::Disable, false),
            "allow" => (SslMode::Allow, false),
            "prefer" => (SslMode::Prefer, false),
            "require" => (SslMode::Require, false),
            "verify-ca" => (SslMode::VerifyCa, false),
            "verify-full" => (SslMode::VerifyFull, false),
            // node-postgres's spelling of "encrypt, check nothing".
            "no-verify" => (SslMode::Require, true),
            other => {
                return Err(PoolError::invalid_config(
                    field,
                    format!("must be disable, allow, prefer, require, verify-ca or verify-full, got {other:?}"),
                ))
            }
        })
    }
}

/// How much of the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Nothing: any certificate is accepted (the connection is encrypted, not authenticated).
    None,
    /// The chain up to a trusted root, validity dates included; not the host name.
    Chain,
    /// The chain and the host name (subjectAltName DNS or IP entries).
    Full,
}

/// node-postgres's `ssl` option: `false`, `true`, or an object handed to `tls.connect`.
#[derive(Debug, Clone)]
pub enum NodeSsl {
    /// `ssl: false`: no TLS.
    Off,
    /// `ssl: true` (all defaults) or an object.
    On(NodeSslOptions),
}

/// The parts of node-postgres's `ssl` object WedPool implements (PEM text).
#[derive(Clone, Default)]
pub struct NodeSslOptions {
    /// Trusted CA certificates (default: the system's roots).
    pub ca: Vec<String>,
    /// The client certificate chain.
    pub cert: Option<String>,
    /// The client key (never printed).
    pub key: Option<String>,
    /// `false` accepts any server certificate (default true).
    pub reject_unauthorized: Option<bool>,
    /// The name sent as SNI and matched against the certificate (default: the host).
    pub servername: Option<String>,
}

impl fmt::Debug for NodeSslOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeSslOptions")
            .field("ca", &self.ca.len())
            .field("cert", &self.cert.is_some())
            .field("key", &self.key.as_ref().map(|_| "***"))
            .field("reject_unauthorized", &self.reject_unauthorized)
            .field("servername", &self.servername)
            .finish()
    }
}

/// A client certificate chain and its key.
#[derive(Clone)]
pub struct ClientIdentity {
    /// The chain, leaf first.
    pub certs: Vec<CertificateDer<'static>>,
    /// The key.
    pub key: Arc<PrivateKeyDer<'static>>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity").field("certs", &self.certs.len()).field("key", &"***").finish()
    }
}

/// TLS, resolved: what every connection and cancel request does.
#[derive(Clone)]
pub struct TlsSettings {
    /// The mode.
    pub mode: SslMode,
    /// What is checked when TLS is used.
    pub verification: Verification,
    /// Trusted roots (empty when nothing is checked).
    pub roots: Vec<CertificateDer<'static>>,
    /// Where the roots came from, for messages (`sslrootcert=/etc/ca.pem`, `the system's roots`).
    pub roots_from: String,
    /// The client certificate, if any.
    pub identity: Option<ClientIdentity>,
    /// The name to send as SNI and check the certificate against instead of the host.
    pub servername: Option<String>,
    /// Whether SNI is sent (never for IP addresses).
    pub sni: bool,
}

impl fmt::Debug for TlsSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsSettings")
            .field("mode", &self.mode)
            .field("verification", &self.verification)
            .field("roots_from", &self.roots_from)
            .field("client_certificate", &self.identity.is_some())
            .field("servername", &self.servername)
            .finish()
    }
}

impl TlsSettings {
    /// Resolves the explicit `options` over the connection string's `params`.
    ///
    /// Fails with `INVALID_CONFIG` naming the option: an unknown `sslmode`, a verifying mode
    /// with no trusted roots, an unreadable or empty certificate or key file, a certificate
    /// without its key, `sslrootcert=system` with a weaker mode than `verify-full` (as libpq
    /// 16), or `ssl` given together with the `sslmode` family.
    pub fn resolve(params: &TlsParams, options: &PoolOptions) -> Result<TlsSettings, PoolError> {
        if let Some(ssl) = &options.ssl {
            let libpq_too = [&options.sslmode, &options.sslrootcert, &options.sslcert, &options.sslkey];
            if libpq_too.iter().any(|o| o.is_some()) {
                return Err(PoolError::invalid_config(
                    "ssl",
                    "give either ssl (node-postgres style) or sslmode/sslrootcert/sslcert/sslkey, not both",
                ));
            }
            return Self::from_node(ssl);
        }
        let pick = |option: &Option<String>, param: &Option<String>| option.clone().or_else(|| param.clone());
        let sslmode = pick(&options.sslmode, &params.sslmode);
        let sslrootcert = pick(&options.sslrootcert, &params.sslrootcert);
        if sslmode.is_none() && options.sslrootcert.is_none() {
            // node-postgres URLs: `?ssl=true` is `ssl: true`; `sslmode` wins over it.
            match params.ssl.as_deref() {
                Some("true" | "1") => return Self::from_node(&NodeSsl::On(NodeSslOptions::default())),
                Some("false" | "0") => return Self::from_node(&NodeSsl::Off),
                Some(other) => {
                    return Err(PoolError::invalid_config(
                        "connectionString",
                        format!("ssl must be true, false, 1 or 0, got {other:?}"),
                    ))
                }
                None => {}
            }
        }
        let system = sslrootcert.as_deref() == Some("system");
        let (mode, no_verify) = match sslmode.as_deref() {
            Some(s) => SslMode::parse("sslmode", s)?,
            None if system => (SslMode::VerifyFull, false),
            None => (SslMode::Prefer, false),
        };
        if system && mode != SslMode::VerifyFull {
            return Err(PoolError::invalid_config(
                "sslmode",
                format!("weak sslmode {:?} may not be used with sslrootcert=system (use verify-full)", mode.as_str()),
            ));
        }
        let default_root = home_file("root.crt").filter(|p| p.exists());
        let root_file = match (&sslrootcert, &default_root) {
            (Some(r), _) if r != "system" => Some(PathBuf::from(r)),
            (None, Some(d)) => Some(d.clone()),
            _ => None,
        };
        let verification = match mode {
            _ if no_verify || mode == SslMode::Disable => Verification::None,
            SslMode::VerifyFull => Verification::Full,
            SslMode::VerifyCa => Verification::Chain,
            // libpq: a root certificate makes require (and prefer, allow) check the chain.
            _ if root_file.is_some() => Verification::Chain,
            _ => Verification::None,
        };
        let (roots, roots_from) = match verification {
            Verification::None => (Vec::new(), String::new()),
            _ if system => (system_roots()?, "the system's trusted roots (sslrootcert=system)".to_string()),
            _ => match &root_file {
                Some(path) => (read_certs("sslrootcert", path)?, format!("sslrootcert={}", path.display())),
                None => {
                    return Err(PoolError::invalid_config(
                        "sslrootcert",
                        format!(
                            "sslmode={} needs trusted roots: give sslrootcert=<CA file> (for a managed service, its CA bundle) or sslrootcert=system; libpq's default ~/.postgresql/root.crt does not exist",
                            mode.as_str()
                        ),
                    ))
                }
            },
        };
        let identity =
            client_identity_files(pick(&options.sslcert, &params.sslcert), pick(&options.sslkey, &params.sslkey))?;
        let sni = !matches!(params.sslsni.as_deref(), Some("0"));
        Ok(TlsSettings { mode, verification, roots, roots_from, identity, servername: None, sni })
    }

    fn from_node(ssl: &NodeSsl) -> Result<TlsSettings, PoolError> {
        let o = match ssl {
            NodeSsl::Off => return Ok(TlsSettings::disabled()),
            NodeSsl::On(o) => o,
        };
        let verify = o.reject_unauthorized != Some(false);
        let (roots, roots_from) = match (verify, o.ca.is_empty()) {
            (false, _) => (Vec::new(), String::new()),
            (true, true) => (system_roots()?, "the system's trusted roots (ssl without ca)".to_string()),
            (true, false) => {
                let mut roots = Vec::new();
                for pem in &o.ca {
                    roots.extend(parse_certs("ssl.ca", pem.as_bytes(), "ssl.ca")?);
                }
                (roots, "ssl.ca".to_string())
            }
        };
        let identity = match (&o.cert, &o.key) {
            (None, None) => None,
            (Some(cert), Some(key)) => Some(ClientIdentity {
                certs: parse_certs("ssl.cert", cert.as_bytes(), "ssl.cert")?,
                key: Arc::new(parse_key("ssl.key", key.as_bytes(), "ssl.key")?),
            }),
            (Some(_), None) => return Err(PoolError::invalid_config("ssl.key", "ssl.cert is given without ssl.key")),
            (None, Some(_)) => return Err(PoolError::invalid_config("ssl.cert", "ssl.key is given without ssl.cert")),
        };
        Ok(TlsSettings {
            mode: if verify { SslMode::VerifyFull } else { SslMode::Require },
            verification: if verify { Verification::Full } else { Verification::None },
            roots,
            roots_from,
            identity,
            servername: o.servername.clone(),
            sni: true,
        })
    }

    fn disabled() -> TlsSettings {
        TlsSettings {
            mode: SslMode::Disable,
            verification: Verification::None,
            roots: Vec::new(),
            roots_from: String::new(),
            identity: None,
            servername: None,
            sni: true,
        }
    }

    /// `sslmode=verify-full (sslrootcert=/etc/ca.pem)`, for messages and `inspect`.
    pub fn describe(&self) -> String {
        match self.verification {
            Verification::None => format!("sslmode={}", self.mode.as_str()),
            _ => format!("sslmode={} ({})", self.mode.as_str(), self.roots_from),
        }
    }
}

/// `channel_binding` from an explicit option, checked against the mode.
///
/// Fails with `INVALID_CONFIG` (`channelBinding`) for an unknown value, or `require` without TLS.
pub fn channel_binding(
    option: Option<&str>,
    parsed: tokio_postgres::config::ChannelBinding,
    mode: SslMode,
) -> Result<tokio_postgres::config::ChannelBinding, PoolError> {
    use tokio_postgres::config::ChannelBinding as C;
    let binding = match option {
        None => parsed,
        Some("disable") => C::Disable,
        Some("prefer") => C::Prefer,
        Some("require") => C::Require,
        Some(other) => {
            return Err(PoolError::invalid_config(
                "channelBinding",
                format!("must be disable, prefer or require, got {other:?}"),
            ))
        }
    };
    if binding == C::Require && mode == SslMode::Disable {
        return Err(PoolError::invalid_config(
            "channelBinding",
            "channel_binding=require needs TLS, but sslmode is disable",
        ));
    }
    Ok(binding)
}

fn client_identity_files(cert: Option<String>, key: Option<String>) -> Result<Option<ClientIdentity>, PoolError> {
    let (cert, key) = match (cert, key) {
        (Some(c), Some(k)) => (PathBuf::from(c), PathBuf::from(k)),
        (Some(_), None) => return Err(PoolError::invalid_config("sslkey", "sslcert is given without sslkey")),
        (None, Some(_)) => return Err(PoolError::invalid_config("sslcert", "sslkey is given without sslcert")),
        // libpq's defaults, used when both exist.
        (None, None) => match (home_file("postgresql.crt"), home_file("postgresql.key")) {
            (Some(c), Some(k)) if c.exists() && k.exists() => (c, k),
            _ => return Ok(None),
        },
    };
    Ok(Some(ClientIdentity { certs: read_certs("sslcert", &cert)?, key: Arc::new(read_key("sslkey", &key)?) }))
}

fn home_file(name: &str) -> Option<PathBuf> {
    std::env::var_os("HOME").map(|h| Path::new(&h).join(".postgresql").join(name))
}

fn read(field: &str, path: &Path) -> Result<Vec<u8>, PoolError> {
    std::fs::read(path).map_err(|e| PoolError::invalid_config(field, format!("cannot read {}: {e}", path.display())))
}

fn read_certs(field: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, PoolError> {
    parse_certs(field, &read(field, path)?, &path.display().to_string())
}

fn read_key(field: &str, path: &Path) -> Result<PrivateKeyDer<'static>, PoolError> {
    parse_key(field, &read(field, path)?, &path.display().to_string())
}

fn parse_certs(field: &str, pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, PoolError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PoolError::invalid_config(field, format!("{what} is not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(PoolError::invalid_config(field, format!("{what} holds no PEM certificate (BEGIN CERTIFICATE)")));
    }
    Ok(certs)
}

fn parse_key(field: &str, pem: &[u8], what: &str) -> Result<PrivateKeyDer<'static>, PoolError> {
    if pem.windows(9).any(|w| w == b"ENCRYPTED") {
        return Err(PoolError::invalid_config(field, format!("{what} is an encrypted key, which WedPool cannot read")));
    }
    PrivateKeyDer::from_pem_slice(pem).map_err(|_| {
        PoolError::invalid_config(field, format!("{what} holds no PEM private key (PKCS#8, PKCS#1 or SEC1)"))
    })
}

/// The operating system's trusted roots (`rustls-native-certs`: on Linux the OpenSSL store,
/// `SSL_CERT_FILE` / `SSL_CERT_DIR` honoured), read when the pool is created.
fn system_roots() -> Result<Vec<CertificateDer<'static>>, PoolError> {
    let found = rustls_native_certs::load_native_certs();
    if found.certs.is_empty() {
        let why = found.errors.first().map(|e| format!(": {e}")).unwrap_or_default();
        return Err(PoolError::invalid_config(
            "sslrootcert",
            format!("the system's trusted roots could not be loaded{why}; give a CA file instead"),
        ));
    }
    Ok(found.certs)
}

#[cfg(test)]
#[path = "tls_tests.rs"]
mod tests;
