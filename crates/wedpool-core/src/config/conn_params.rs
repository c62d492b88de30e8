//! Connection-string parameters that WedPool handles itself, taken out before tokio-postgres
//! parses the rest (it rejects keys it does not know, and values of `target_session_attrs`
//! other than `any` and `read-write`).
//!
//! Both forms are understood: URL query parameters (`postgres://h/db?pgbouncer=true`) and libpq
//! `key=value` pairs (`host=h pgbouncer=true`, values optionally single-quoted).

/// A connection string without the taken keys, and the taken `(key, value)` pairs in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenParams {
    /// What is left for tokio-postgres.
    pub rest: String,
    /// The keys that were asked for, with their (URL-decoded / unquoted) values.
    pub taken: Vec<(String, String)>,
}

impl TakenParams {
    /// The last value given for `key`, as libpq lets a later one win.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.taken.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Removes `keys` from `s` and returns them with what is left.
pub fn take_params(s: &str, keys: &[&str]) -> TakenParams {
    if s.starts_with("postgres://") || s.starts_with("postgresql://") {
        take_from_url(s, keys)
    } else {
        take_from_pairs(s, keys)
    }
}

fn take_from_url(s: &str, keys: &[&str]) -> TakenParams {
    let Some(q) = s.find('?') else { return TakenParams { rest: s.to_string(), taken: Vec::new() } };
    let (head, query) = (&s[..q], &s[q + 1..]);
    let mut kept = Vec::new();
    let mut taken = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if keys.contains(&key) {
            taken.push((key.to_string(), percent_decode(value)));
        } else {
            kept.push(pair);
        }
    }
    let rest = if kept.is_empty() { head.to_string() } else { format!("{head}?{}", kept.join("&")) };
    TakenParams { rest, taken }
}

fn take_from_pairs(s: &str, keys: &[&str]) -> TakenParams {
    let mut rest = String::new();
    let mut taken = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        // key
        let mut key_end = start;
        while let Some(&(i, c)) = chars.peek() {
            if c == '=' || c.is_whitespace() {
                break;
            }
            key_end = i + c.len_utf8();
            chars.next();
        }
        let key = &s[start..key_end];
        while matches!(chars.peek(), Some(&(_, c)) if c.is_whitespace()) {
            chars.next();
        }
        if !matches!(chars.peek(), Some(&(_, '='))) {
            // Malformed: keep it for tokio-postgres to report.
            push_pair(&mut rest, &s[start..key_end]);
            continue;
        }
        chars.next();
        while matches!(chars.peek(), Some(&(_, c)) if c.is_whitespace()) {
            chars.next();
        }
        let value_start = chars.peek().map(|&(i, _)| i).unwrap_or(s.len());
        let mut value = String::new();
        let mut end = value_start;
        if matches!(chars.peek(), Some(&(_, '\''))) {
            chars.next();
            while let Some((i, c)) = chars.next() {
                end = i + c.len_utf8();
                match c {
                    '\\' => {
                        if let Some((j, n)) = chars.next() {
                            value.push(n);
                            end = j + n.len_utf8();
                        }
                    }
                    '\'' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(&(i, c)) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                if c == '\\' {
                    chars.next();
                    if let Some((j, n)) = chars.next() {
                        value.push(n);
                        end = j + n.len_utf8();
                    }
                    continue;
                }
                value.push(c);
                end = i + c.len_utf8();
                chars.next();
            }
        }
        if keys.contains(&key) {
            taken.push((key.to_string(), value));
        } else {
            push_pair(&mut rest, &s[start..end.max(value_start)]);
        }
    }
    TakenParams { rest, taken }
}

fn push_pair(rest: &mut String, pair: &str) {
    if !rest.is_empty() {
        rest.push(' ');
    }
    rest.push_str(pair);
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && s.is_char_boundary(i + 3) {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a libpq boolean (`true`/`false`, `on`/`off`, `yes`/`no`, `1`/`0`).
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" => Some(true),
        "false" | "off" | "no" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parameters_are_taken_and_the_rest_kept() {
        let t = take_params("postgres://u@h:6432/db?pgbouncer=true&sslmode=disable", &["pgbouncer"]);
        assert_eq!(t.rest, "postgres://u@h:6432/db?sslmode=disable");
        assert_eq!(t.get("pgbouncer"), Some("true"));
        let t = take_params("postgresql://h/db?pgbouncer=1", &["pgbouncer"]);
        assert_eq!((t.rest.as_str(), t.get("pgbouncer")), ("postgresql://h/db", Some("1")));
    }

    #[test]
    fn url_values_are_percent_decoded() {
        let t = take_params("postgres://h/db?target_session_attrs=read%2Dwrite", &["target_session_attrs"]);
        assert_eq!(t.get("target_session_attrs"), Some("read-write"));
    }

    #[test]
    fn key_value_pairs_are_taken_with_quotes_and_spaces() {
        let t = take_params("host=h1,h2 port = 5432,5433 pgbouncer='true' dbname=x", &["pgbouncer"]);
        assert_eq!(t.rest, "host=h1,h2 port = 5432,5433 dbname=x");
        assert_eq!(t.get("pgbouncer"), Some("true"));
        let t = take_params("password='a b\\'c' target_session_attrs=standby", &["target_session_attrs"]);
        assert_eq!(t.rest, "password='a b\\'c'");
        assert_eq!(t.get("target_session_attrs"), Some("standby"));
    }

    #[test]
    fn the_last_value_wins() {
        let t = take_params("pgbouncer=false pgbouncer=true", &["pgbouncer"]);
        assert_eq!(t.get("pgbouncer"), Some("true"));
        assert_eq!(t.rest, "");
    }

    #[test]
    fn booleans_read_like_libpq() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("0"), Some(false));
        assert_eq!(parse_bool("maybe"), None);
    }
}
