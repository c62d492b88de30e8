//! How TLS options resolve: libpq's modes and defaults, node-postgres's `ssl`, precedence of
//! explicit options over the connection string, and the errors for wrong combinations.

use super::*;

/// A self-signed CA (EC P-256, CA:TRUE) and its key, for parsing only.
const CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBlDCCATmgAwIBAgIUbjDNIO8FEKLxTQq3KRD40vxNhhEwCgYIKoZIzj0EAwIw
HzEdMBsGA1UEAwwUd2VkcG9vbC11bml0LXRlc3QtY2EwHhcNMjYxMTMwMTUwOTU5
WhcNMzYxMTI3MTUwOTU5WjAfMR0wGwYDVQQDDBR3ZWRwb29sLXVuaXQtdGVzdC1j
YTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABDSTeXROa6C3hj2wtaVGsqi5B1Nn
eyg5K+P6biwmMThlkpU9TO4fHEaEW3ja2wI8uLCZPdm7iBUzg0T7g4VpOFSjUzBR
MB0GA1UdDgQWBBRGLdPsN5vpmIIg0XtVuvdVvCOA5zAfBgNVHSMEGDAWgBRGLdPs
N5vpmIIg0XtVuvdVvCOA5zAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kA
MEYCIQDn/nL0jjJb5PheylmShpMYUTNaQtYq1g8uSRiaJRmSUgIhAMGiaX3VSO3z
De71lk0yprj1PYr5C6ihKNQksVRT0iW4
-----END CERTIFICATE-----
";
const KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXGSgfXN7a1pzZxCB
n7bCtY1Jlb/KBEGfUQZ4CZKX7sOhRANCAAQ0k3l0Tmugt4Y9sLWlRrKouQdTZ3so
OSvj+m4sJjE4ZZKVPUzuHxxGhFt42tsCPLiwmT3Zu4gVM4NE+4OFaThU
-----END PRIVATE KEY-----
";

/// Writes `text` to a fresh file under the temp directory and returns its path.
fn fixture(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("wedpool-tls-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn params(f: impl FnOnce(&mut TlsParams)) -> TlsParams {
    let mut p = TlsParams::default();
    f(&mut p);
    p
}

fn options(f: impl FnOnce(&mut PoolOptions)) -> PoolOptions {
    let mut o = PoolOptions::default();
    f(&mut o);
    o
}

fn field_of(r: Result<TlsSettings, PoolError>) -> (String, String) {
    match r {
        Err(PoolError::InvalidConfig { field, message }) => (field, message),
        Err(other) => panic!("expected InvalidConfig, got {other:?}"),
        Ok(s) => panic!("expected InvalidConfig, got {s:?}"),
    }
}

fn libpq_default_root_exists() -> bool {
    home_file("root.crt").is_some_and(|p| p.exists())
}

#[test]
fn the_default_is_prefer_without_verification() {
    let s = TlsSettings::resolve(&TlsParams::default(), &PoolOptions::default()).unwrap();
    assert_eq!(s.mode, SslMode::Prefer);
    if !libpq_default_root_exists() {
        assert_eq!(s.verification, Verification::None);
    }
}

#[test]
fn weak_modes_check_nothing_and_verify_modes_check_what_they_say() {
    let ca = fixture("ca.pem", CA_PEM);
    for (mode, expected) in [
        ("disable", (SslMode::Disable, Verification::None)),
        ("verify-ca", (SslMode::VerifyCa, Verification::Chain)),
        ("verify-full", (SslMode::VerifyFull, Verification::Full)),
        ("no-verify", (SslMode::Require, Verification::None)),
    ] {
        let p = params(|p| {
            p.sslmode = Some(mode.into());
            p.sslrootcert = Some(ca.clone());
        });
        let s = TlsSettings::resolve(&p, &PoolOptions::default()).unwrap();
        assert_eq!((s.mode, s.verification), expected, "{mode}");
    }
}

#[test]
fn a_root_certificate_makes_require_check_the_chain_as_libpq_does() {
    let ca = fixture("ca-require.pem", CA_PEM);
    let p = params(|p| {
        p.sslmode = Some("require".into());
        p.sslrootcert = Some(ca.clone());
    });
    let s = TlsSettings::resolve(&p, &PoolOptions::default()).unwrap();
    assert_eq!((s.mode, s.verification), (SslMode::Require, Verification::Chain));
    assert_eq!(s.roots.len(), 1);
    assert_eq!(s.describe(), format!("sslmode=require (sslrootcert={ca})"));
}

#[test]
fn an_unknown_sslmode_is_named() {
    let (field, message) =
        field_of(TlsSettings::resolve(&params(|p| p.sslmode = Some("strict".into())), &PoolOptions::default()));
    assert_eq!(field, "sslmode");
    assert!(message.contains("verify-full") && message.contains("\"strict\""), "{message}");
}

#[test]
fn sslrootcert_system_means_verify_full_and_refuses_weaker_modes() {
    let p = params(|p| {
        p.sslrootcert = Some("system".into());
        p.sslmode = Some("require".into());
    });
    let (field, message) = field_of(TlsSettings::resolve(&p, &PoolOptions::default()));
    assert_eq!(field, "sslmode");
    assert!(message.contains("use verify-full"), "{message}");
}

#[test]
fn verify_modes_without_roots_or_with_a_missing_file_are_refused() {
    if !libpq_default_root_exists() {
        let (field, message) = field_of(TlsSettings::resolve(
            &params(|p| p.sslmode = Some("verify-full".into())),
            &PoolOptions::default(),
        ));
        assert_eq!(field, "sslrootcert");
        assert!(message.contains("sslrootcert=system"), "{message}");
    }
    let p = params(|p| {
        p.sslmode = Some("verify-ca".into());
        p.sslrootcert = Some("/no/such/dir/ca.pem".into());
    });
    let (field, message) = field_of(TlsSettings::resolve(&p, &PoolOptions::default()));
    assert_eq!(field, "sslrootcert");
    assert!(message.contains("cannot read /no/such/dir/ca.pem"), "{message}");
}

#[test]
fn a_file_without_certificates_is_refused() {
    let junk = fixture("junk.pem", "hello\n");
    let p = params(|p| {
        p.sslmode = Some("verify-full".into());
        p.sslrootcert = Some(junk.clone());
    });
    let (field, message) = field_of(TlsSettings::resolve(&p, &PoolOptions::default()));
    assert_eq!(field, "sslrootcert");
    assert!(message.contains("no PEM certificate"), "{message}");
}

#[test]
fn client_certificate_and_key_come_together() {
    let cert = fixture("client.crt", CA_PEM);
    let key = fixture("client.key", KEY_PEM);
    let both = TlsSettings::resolve(
        &params(|p| {
            p.sslcert = Some(cert.clone());
            p.sslkey = Some(key.clone());
        }),
        &PoolOptions::default(),
    )
    .unwrap();
    assert_eq!(both.identity.map(|i| i.certs.len()), Some(1));
    assert_eq!(
        field_of(TlsSettings::resolve(&params(|p| p.sslcert = Some(cert.clone())), &PoolOptions::default())).0,
        "sslkey"
    );
    assert_eq!(
        field_of(TlsSettings::resolve(&params(|p| p.sslkey = Some(key.clone())), &PoolOptions::default())).0,
        "sslcert"
    );
    let encrypted =
        fixture("enc.key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
    let (field, message) = field_of(TlsSettings::resolve(
        &params(|p| {
            p.sslcert = Some(cert.clone());
            p.sslkey = Some(encrypted);
        }),
        &PoolOptions::default(),
    ));
    assert_eq!(field, "sslkey");
    assert!(message.contains("encrypted key"), "{message}");
}

#[test]
fn explicit_options_override_the_connection_string() {
    let s = TlsSettings::resolve(
        &params(|p| p.sslmode = Some("disable".into())),
        &options(|o| o.sslmode = Some("require".into())),
    )
    .unwrap();
    assert_eq!(s.mode, SslMode::Require);
}

#[test]
fn node_ssl_forms_map_to_modes() {
    let off = TlsSettings::resolve(&TlsParams::default(), &options(|o| o.ssl = Some(NodeSsl::Off))).unwrap();
    assert_eq!(off.mode, SslMode::Disable);
    let no_check = NodeSsl::On(NodeSslOptions { reject_unauthorized: Some(false), ..Default::default() });
    let s = TlsSettings::resolve(&TlsParams::default(), &options(|o| o.ssl = Some(no_check))).unwrap();
    assert_eq!((s.mode, s.verification), (SslMode::Require, Verification::None));
    let with_ca = NodeSsl::On(NodeSslOptions {
        ca: vec![CA_PEM.into()],
        cert: Some(CA_PEM.into()),
        key: Some(KEY_PEM.into()),
        servername: Some("db.example.com".into()),
        ..Default::default()
    });
    let s = TlsSettings::resolve(&TlsParams::default(), &options(|o| o.ssl = Some(with_ca))).unwrap();
    assert_eq!((s.mode, s.verification, s.roots.len()), (SslMode::VerifyFull, Verification::Full, 1));
    assert_eq!(s.servername.as_deref(), Some("db.example.com"));
    assert!(s.identity.is_some());
    assert!(!format!("{s:?}").contains("PRIVATE KEY"));
}

#[test]
fn node_ssl_and_libpq_options_are_exclusive() {
    let both = options(|o| {
        o.ssl = Some(NodeSsl::On(NodeSslOptions::default()));
        o.sslmode = Some("require".into());
    });
    assert_eq!(field_of(TlsSettings::resolve(&TlsParams::default(), &both)).0, "ssl");
}

#[test]
fn url_ssl_flag_yields_to_sslmode_and_rejects_other_values() {
    let p = params(|p| {
        p.ssl = Some("true".into());
        p.sslmode = Some("disable".into());
    });
    assert_eq!(TlsSettings::resolve(&p, &PoolOptions::default()).unwrap().mode, SslMode::Disable);
    let off = TlsSettings::resolve(&params(|p| p.ssl = Some("0".into())), &PoolOptions::default()).unwrap();
    assert_eq!(off.mode, SslMode::Disable);
    assert_eq!(
        field_of(TlsSettings::resolve(&params(|p| p.ssl = Some("maybe".into())), &PoolOptions::default())).0,
        "connectionString"
    );
}

#[test]
fn channel_binding_option_is_checked_against_the_mode() {
    use tokio_postgres::config::ChannelBinding as C;
    assert_eq!(channel_binding(None, C::Require, SslMode::Prefer).unwrap(), C::Require);
    assert_eq!(channel_binding(Some("disable"), C::Require, SslMode::Prefer).unwrap(), C::Disable);
    assert!(matches!(
        channel_binding(Some("always"), C::Prefer, SslMode::Prefer),
        Err(PoolError::InvalidConfig { field, .. }) if field == "channelBinding"
    ));
    assert!(matches!(
        channel_binding(None, C::Require, SslMode::Disable),
        Err(PoolError::InvalidConfig { field, .. }) if field == "channelBinding"
    ));
}
