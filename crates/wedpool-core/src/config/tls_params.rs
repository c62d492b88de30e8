//! TLS parameters in connection strings. tokio-postgres 0.7 rejects `sslmode=verify-ca|verify-full`,
//! `sslrootcert`, `sslcert` and `sslkey` ("invalid connection string"), so WedPool takes every
//! TLS parameter out of the string before tokio-postgres parses the rest, and applies them
//! itself (see [`crate::config::tls`]). Both forms are handled: URLs
//! (`postgres://…?sslmode=verify-full&sslrootcert=/ca.pem`, values percent-encoded) and libpq's
//! `key=value` pairs (values optionally single-quoted, with `\'` and `\\` escapes).

use crate::error::PoolError;

/// TLS parameters found in a connection string, decoded.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TlsParams {
    /// `sslmode`.
    pub sslmode: Option<String>,
    /// `sslrootcert`: a CA file, or `system`.
    pub sslrootcert: Option<String>,
    /// `sslcert`: the client certificate file.
    pub sslcert: Option<String>,
    /// `sslkey`: the client key file.
    pub sslkey: Option<String>,
    /// `sslsni`: `0` turns Server Name Indication off.
    pub sslsni: Option<String>,
    /// node-postgres's `ssl=true|1|false|0` (URLs copied from pg configurations).
    pub ssl: Option<String>,
}

/// libpq TLS parameters WedPool does not implement: named in an error rather than ignored.
const UNSUPPORTED: &[&str] =
    &["sslpassword", "sslcrl", "sslcrldir", "sslcertmode", "ssl_min_protocol_version", "ssl_max_protocol_version"];

/// Parameters read and dropped: node-postgres's switch between its own and libpq's reading
/// of `sslmode` (WedPool always follows libpq), and libpq's obsolete `sslcompression`.
const IGNORED: &[&str] = &["uselibpqcompat", "sslcompression"];

impl TlsParams {
    /// Records `key = value` when `key` is a TLS parameter; `Ok(false)` for any other key.
    fn take(&mut self, key: &str, value: String) -> Result<bool, PoolError> {
        let slot = match key {
            "sslmode" => &mut self.sslmode,
            "sslrootcert" => &mut self.sslrootcert,
            "sslcert" => &mut self.sslcert,
            "sslkey" => &mut self.sslkey,
            "sslsni" => &mut self.sslsni,
            "ssl" => &mut self.ssl,
            _ if IGNORED.contains(&key) => return Ok(true),
            _ if UNSUPPORTED.contains(&key) => {
                return Err(PoolError::invalid_config(
                    "connectionString",
                    format!("the libpq parameter {key} is not supported by WedPool"),
                ))
            }
            _ => return Ok(false),
        };
        *slot = Some(value);
        Ok(true)
    }
}

/// Splits `s` into the connection string tokio-postgres should parse (TLS parameters removed)
/// and the TLS parameters. A string this parser cannot read is returned unchanged, so that
/// tokio-postgres reports what is wrong with it.
///
/// Fails with `INVALID_CONFIG` (`connectionString`) for libpq TLS parameters WedPool does not
/// implement (`sslpassword`, `sslcrl`, …).
pub fn take_tls_params(s: &str) -> Result<(String, TlsParams), PoolError> {
    if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        take_from_url(s)
    } else {
        take_from_pairs(s)
    }
}

fn take_from_url(s: &str) -> Result<(String, TlsParams), PoolError> {
    let mut params = TlsParams::default();
    let Some((base, query)) = s.split_once('?') else { return Ok((s.to_string(), params)) };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(key), Some(value)) = (percent_decode(key), percent_decode(value)) else {
            kept.push(pair);
            continue;
        };
        if !params.take(&key, value)? {
            kept.push(pair);
        }
    }
    let rest = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok((rest, params))
}

fn take_from_pairs(s: &str) -> Result<(String, TlsParams), PoolError> {
    let mut params = TlsParams::default();
    let Some(pairs) = split_pairs(s) else { return Ok((s.to_string(), params)) };
    let mut kept = Vec::new();
    for (key, value, text) in pairs {
        if !params.take(&key, value)? {
            kept.push(text);
        }
    }
    Ok((kept.join(" "), params))
}

/// libpq's `key = value` list: `(key, decoded value, the pair's original text)`; `None` when
/// the string is not well formed.
fn split_pairs(s: &str) -> Option<Vec<(String, String, &str)>> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_space = |mut i: usize| {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        i = skip_space(i);
        if i >= bytes.len() {
            return Some(out);
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &s[start..i];
        i = skip_space(i);
        if key.is_empty() || bytes.get(i) != Some(&b'=') {
            return None;
        }
        i = skip_space(i + 1);
        let mut value = Vec::new();
        let quoted = bytes.get(i) == Some(&b'\'');
        if quoted {
            i += 1;
        }
        loop {
            match bytes.get(i) {
                None if quoted => return None,
                None => break,
                Some(b'\'') if quoted => {
                    i += 1;
                    break;
                }
                Some(c) if !quoted && c.is_ascii_whitespace() => break,
                Some(b'\\') => {
                    value.push(*bytes.get(i + 1)?);
                    i += 2;
                }
                Some(c) => {
                    value.push(*c);
                    i += 1;
                }
            }
        }
        out.push((key.to_string(), String::from_utf8(value).ok()?, &s[start..i]));
    }
}

/// `%2F` → `/`; `None` for a malformed escape or invalid UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(s: &str) -> (String, TlsParams) {
        take_tls_params(s).unwrap()
    }

    #[test]
    fn url_tls_parameters_are_taken_out_and_decoded() {
        let (rest, p) = take(
            "postgres://app:pw@db.example.com:5432/wed?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca%20bundle.pem&sslcert=/c.pem&sslkey=/k.pem",
        );
        assert_eq!(rest, "postgres://app:pw@db.example.com:5432/wed?application_name=x");
        assert_eq!(p.sslmode.as_deref(), Some("verify-full"));
        assert_eq!(p.sslrootcert.as_deref(), Some("/etc/ca bundle.pem"));
        assert_eq!(p.sslcert.as_deref(), Some("/c.pem"));
        assert_eq!(p.sslkey.as_deref(), Some("/k.pem"));
    }

    #[test]
    fn url_without_other_parameters_loses_its_question_mark() {
        let (rest, p) = take("postgresql://db/wed?sslmode=require");
        assert_eq!(rest, "postgresql://db/wed");
        assert_eq!(p.sslmode.as_deref(), Some("require"));
        assert_eq!(take("postgres://db/wed").0, "postgres://db/wed");
    }

    #[test]
    fn node_postgres_url_parameters_are_understood() {
        let (rest, p) = take("postgres://db/wed?ssl=true&uselibpqcompat=true&channel_binding=require");
        assert_eq!(rest, "postgres://db/wed?channel_binding=require");
        assert_eq!(p.ssl.as_deref(), Some("true"));
    }

    #[test]
    fn key_value_tls_pairs_are_taken_out_with_quotes_and_escapes() {
        let (rest, p) = take(
            "host=db.example.com sslmode = verify-ca user=app sslrootcert='/tmp/my ca\\'s.pem' password='a b' sslkey=/k\\ ey",
        );
        assert_eq!(rest, "host=db.example.com user=app password='a b'");
        assert_eq!(p.sslmode.as_deref(), Some("verify-ca"));
        assert_eq!(p.sslrootcert.as_deref(), Some("/tmp/my ca's.pem"));
        assert_eq!(p.sslkey.as_deref(), Some("/k ey"));
    }

    #[test]
    fn malformed_key_value_strings_are_left_for_tokio_postgres_to_report() {
        assert_eq!(take("host=db sslmode").0, "host=db sslmode");
        assert_eq!(take("host='db sslmode=require").0, "host='db sslmode=require");
    }

    #[test]
    fn unsupported_libpq_tls_parameters_are_named() {
        for s in ["postgres://db/x?sslpassword=pw", "host=db sslcrl=/crl.pem"] {
            match take_tls_params(s) {
                Err(PoolError::InvalidConfig { field, message }) => {
                    assert_eq!(field, "connectionString");
                    assert!(message.contains("is not supported"), "{message}");
                    assert!(!message.contains("pw"), "{message}");
                }
                other => panic!("{s}: {other:?}"),
            }
        }
    }
}
