//! The one redaction routine for anything that may contain a connection string.
//!
//! It errs on the side of hiding: in a URL everything between `user:` and the last `@` is
//! masked (a password may hold raw `@ / ? #`), every `password` query parameter (its name
//! percent-decoded, any case) is masked, and in libpq `key=value` strings the value of
//! `password` is masked whatever its quoting or escapes. A password the caller passed
//! separately is also replaced wherever it appears.

/// The mask written in place of a password.
pub const MASK: &str = "***";

/// `s` with every password in it masked; see the module documentation.
pub fn redact_connection_string(s: &str) -> String {
    redact_collecting(s).0
}

/// `s` redacted, and the pieces of text that were masked (and the words in them), so that a
/// parser's message quoting a piece of `s` can be redacted with [`redact_message`] too.
pub fn redact_collecting(s: &str) -> (String, Vec<String>) {
    let redacted = match s.find("://") {
        Some(scheme_end) => redact_url(s, scheme_end),
        None => redact_key_values(s),
    };
    let masked = masked_pieces(s, &redacted);
    (redacted, masked)
}

/// The stretches of `original` that the redaction replaced, with their words (quotes
/// trimmed): what a message about `original` must not quote either.
fn masked_pieces(original: &str, redacted: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut rest = original;
    let mut template = redacted;
    while let Some(at) = template.find(MASK) {
        let before = &template[..at];
        let Some(pos) = rest.find(before).map(|p| p + before.len()) else { break };
        rest = &rest[pos..];
        template = &template[at + MASK.len()..];
        let literal = &template[..template.find(MASK).unwrap_or(template.len())];
        let end = if literal.len() == template.len() {
            // The last mask: what follows it is a suffix of the original.
            rest.len().saturating_sub(literal.len())
        } else if literal.is_empty() {
            rest.find(char::is_whitespace).unwrap_or(rest.len())
        } else {
            rest.find(literal).unwrap_or(rest.len())
        };
        let piece = &rest[..end];
        pieces.push(piece.to_string());
        pieces.extend(piece.split(|c: char| c.is_whitespace()).map(|w| w.trim_matches('\'').to_string()));
        rest = &rest[end..];
    }
    pieces.retain(|p| p.len() >= 2);
    pieces
}

/// `message` with every one of `secrets` (empty ones ignored, longest first) replaced by the mask.
pub fn redact_message(message: &str, secrets: &[&str]) -> String {
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = message.to_string();
    for secret in secrets {
        out = out.replace(secret, MASK);
    }
    out
}

fn redact_url(s: &str, scheme_end: usize) -> String {
    let head = &s[..scheme_end + 3];
    let query_masked = mask_password_params(&s[scheme_end + 3..]);
    let rest = query_masked.as_str();
    let (authority_and_path, masked_userinfo) = match rest.rfind('@') {
        Some(at) => {
            let userinfo = &rest[..at];
            let user = match userinfo.find(':') {
                Some(colon) => format!("{}:{MASK}", &userinfo[..colon]),
                None => userinfo.to_string(),
            };
            (&rest[at + 1..], Some(user))
        }
        None => (rest, None),
    };
    match masked_userinfo {
        Some(user) => format!("{head}{user}@{authority_and_path}"),
        None => format!("{head}{authority_and_path}"),
    }
}

/// Masks the value of the first `password` query parameter (name percent-decoded, any case)
/// and everything after it: a raw `&`, `#` or `@` in the password leaves no reliable end.
fn mask_password_params(s: &str) -> String {
    let mut search = 0;
    while let Some(offset) = s[search..].find(['?', '&']) {
        let key_start = search + offset + 1;
        let key_end = s[key_start..].find(['=', '&']).map_or(s.len(), |e| key_start + e);
        if s[key_end..].starts_with('=')
            && percent_decode(&s[key_start..key_end]).trim().eq_ignore_ascii_case("password")
        {
            return format!("{}{MASK}", &s[..=key_end]);
        }
        search = key_start;
    }
    s.to_string()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// libpq `key = value` pairs: values are bare (with `\` escapes) or single-quoted (with `\`
/// escapes); whitespace may surround `=`. Unparseable text is kept, except that once a
/// `password` key is seen without a value it could parse, everything after it is masked.
fn redact_key_values(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let key_start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' {
            i += 1;
        }
        let key: String = chars[key_start..i].iter().collect();
        out.push_str(&key);
        let mut j = i;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        if j >= chars.len() || chars[j] != '=' {
            if key.eq_ignore_ascii_case("password") && j < chars.len() {
                // `password SECRET …`: malformed; what follows may be the secret.
                out.push(' ');
                out.push_str(MASK);
                return out;
            }
            continue;
        }
        out.extend(&chars[i..=j]);
        i = j + 1;
        while i < chars.len() && chars[i].is_whitespace() {
            out.push(chars[i]);
            i += 1;
        }
        let value_start = i;
        if i < chars.len() && chars[i] == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = (i + 1).min(chars.len());
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i = i.min(chars.len());
        }
        if key.eq_ignore_ascii_case("password") {
            out.push_str(MASK);
        } else {
            out.extend(&chars[value_start..i]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CANARY: &str = "CaNaRy7";

    /// Passwords built around the canary with the characters that break naive redaction.
    fn passwords() -> Vec<String> {
        let pieces = ["", "@", "/", "?", "#", ":", "&", "=", " ", "'", "\\", "%40", "@h/db?x=1#", "\\'", "password="];
        let mut out = Vec::new();
        for a in pieces {
            for b in pieces {
                out.push(format!("{a}{CANARY}{b}"));
            }
        }
        out
    }

    fn quote_kv(p: &str) -> String {
        format!("'{}'", p.replace('\\', "\\\\").replace('\'', "\\'"))
    }

    fn escape_kv(p: &str) -> String {
        p.chars()
            .flat_map(|c| if c.is_whitespace() || c == '\\' || c == '\'' { vec!['\\', c] } else { vec![c] })
            .collect()
    }

    #[test]
    fn the_canary_never_survives_any_shape() {
        let mut shapes = 0;
        for p in passwords() {
            let mut strings = vec![
                format!("postgres://u:{p}@h:5432/db"),
                format!("postgresql://u:{p}@h/db?sslmode=disable&bogus=1"),
                format!("postgres://u:{p}@h/db?application_name=a@b"),
                format!("postgres://u@h/db?password={p}&bogus=1"),
                format!("postgres://u@h/db?bogus=1&PASSWORD={p}"),
                format!("postgres://u@h/db?pass%77ord={p}"),
                format!("postgres://u:{p}@/db?host=/tmp"),
            ];
            if !p.contains(char::is_whitespace) && !p.contains('\'') && !p.contains('\\') {
                strings.push(format!("host=h password={p} bogus=1"));
            }
            strings.push(format!("host=h password = {} bogus=1", quote_kv(&p)));
            strings.push(format!("password={} host=h", quote_kv(&p)));
            strings.push(format!("host=h password={} bogus=1", escape_kv(&p)));
            strings.push(format!("host=h password = {} dbname=x", escape_kv(&p)));
            strings.push(format!("host=h password={}", &quote_kv(&p)[..quote_kv(&p).len() - 1]));
            for s in strings {
                let redacted = redact_connection_string(&s);
                assert!(!redacted.contains(CANARY), "{s:?} → {redacted:?}");
                shapes += 1;
            }
        }
        assert!(shapes > 2_000, "{shapes}");
    }

    #[test]
    fn what_is_not_a_password_is_kept() {
        assert_eq!(redact_connection_string("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact_connection_string("host=db password=s3cret user=app"), "host=db password=*** user=app");
        assert_eq!(redact_connection_string("postgres://db/x?sslmode=disable"), "postgres://db/x?sslmode=disable");
        assert_eq!(redact_connection_string("host=db password = 'a b' user=app"), "host=db password = *** user=app");
    }

    #[test]
    fn masked_pieces_let_a_parser_message_be_redacted() {
        let (redacted, pieces) = redact_collecting("host=h password SECRET bogus=1");
        assert!(!redacted.contains("SECRET"), "{redacted}");
        let message = redact_message("unknown option `SECRET`", &pieces.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(!message.contains("SECRET"), "{message}");
        let (_, pieces) = redact_collecting("host=h password='x SECRET' bogus=1");
        assert!(pieces.iter().any(|p| p == "SECRET"), "{pieces:?}");
    }

    #[test]
    fn known_secrets_are_replaced_in_messages() {
        assert_eq!(redact_message("bad thing near s3cret!", &["s3cret", ""]), "bad thing near ***!");
    }
}
