//! Naming TLS failures: a connect error whose cause is TLS becomes a sentence saying what was
//! wrong (unknown issuer, name mismatch, expired, refused handshake, no TLS on the server).

use rustls::{AlertDescription, CertificateError};

use crate::config::tls::TlsSettings;

/// What went wrong with TLS in `e`, or `None` when TLS is not the cause.
pub fn describe_tls_failure(e: &tokio_postgres::Error, tls: &TlsSettings) -> Option<String> {
    if let Some(rustls) = find_rustls_error(e) {
        return Some(describe_rustls(rustls, tls));
    }
    let text = chain_text(e);
    if text.contains("server does not support TLS") {
        return Some(format!(
            "the server does not support TLS (it declined the SSL request), and sslmode={} does not allow going on without it",
            tls.mode.as_str()
        ));
    }
    text.contains("error performing TLS handshake").then(|| format!("the TLS handshake failed: {text}"))
}

fn describe_rustls(e: &rustls::Error, tls: &TlsSettings) -> String {
    use CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(cert) => match cert {
            C::UnknownIssuer => format!(
                "the server's certificate is not signed by a trusted CA (unknown issuer; trusted: {})",
                tls.roots_from
            ),
            C::NotValidForNameContext { expected, presented } => format!(
                "the server's certificate does not name {} (name mismatch; it names {})",
                expected.to_str(),
                if presented.is_empty() {
                    "nothing in subjectAltName".to_string()
                } else {
                    presented.iter().map(|n| plain_name(n)).collect::<Vec<_>>().join(", ")
                }
            ),
            C::NotValidForName => "the server's certificate does not name this host (name mismatch)".to_string(),
            C::ExpiredContext { not_after, .. } => format!(
                "the server's certificate has expired (valid until {})",
                chrono::DateTime::from_timestamp(not_after.as_secs() as i64, 0)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_else(|| format!("{} s after 1970", not_after.as_secs()))
            ),
            C::Expired => "the server's certificate has expired".to_string(),
            C::NotValidYet | C::NotValidYetContext { .. } => "the server's certificate is not valid yet".to_string(),
            C::Revoked => "the server's certificate has been revoked".to_string(),
            other => format!("the server's certificate was rejected ({other:?})"),
        },
        rustls::Error::AlertReceived(alert) => {
            let hint = match alert {
                AlertDescription::UnknownCA
                | AlertDescription::BadCertificate
                | AlertDescription::CertificateUnknown => "; it did not accept the client certificate",
                AlertDescription::CertificateRequired => "; it requires a client certificate (sslcert/sslkey)",
                _ => "",
            };
            format!("the server refused the TLS handshake (alert {alert:?}{hint})")
        }
        other => format!("the TLS handshake failed: {other}"),
    }
}

/// rustls lists presented names in Debug form (`DnsName("db")`, `IpAddress(10.0.0.1)`): the
/// names themselves read better.
fn plain_name(name: &str) -> &str {
    let inner = |prefix: &str, suffix: &str| name.strip_prefix(prefix).and_then(|n| n.strip_suffix(suffix));
    inner("DnsName(\"", "\")").or_else(|| inner("IpAddress(", ")")).unwrap_or(name)
}

fn find_rustls_error(e: &tokio_postgres::Error) -> Option<&rustls::Error> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        // io::Error::source skips its payload; look at the payload itself.
        if let Some(r) = s.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            if let Some(r) = r.downcast_ref::<rustls::Error>() {
                return Some(r);
            }
        }
        source = s.source();
    }
    None
}

fn chain_text(e: &tokio_postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::plain_name;

    #[test]
    fn presented_names_are_shown_plainly() {
        assert_eq!(plain_name("DnsName(\"db.example.com\")"), "db.example.com");
        assert_eq!(plain_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(plain_name("UniformResourceIdentifier(x)"), "UniformResourceIdentifier(x)");
    }
}
