//! PostgreSQL's text form for types without a JavaScript counterpart, rebuilt from their
//! binary form (tokio-postgres always asks for binary results). Each function mirrors the
//! server's output function for its type with the default settings (`DateStyle = ISO`,
//! `IntervalStyle = postgres`, `extra_float_digits = 1`, `lc_monetary = C`).

use std::fmt::Write;
use std::net::Ipv6Addr;

use chrono::{DateTime, NaiveDate};

/// `time`: `HH:MM:SS[.ffffff]` with trailing zeros of the fraction removed.
pub fn time_of_day(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let mut s = format!("{:02}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60);
    push_fraction(&mut s, micros.rem_euclid(1_000_000));
    s
}

fn push_fraction(s: &mut String, micros: i64) {
    if micros != 0 {
        let digits = format!("{micros:06}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
}

/// A UTC offset as PostgreSQL prints it: `+01`, `-05:30`, `+05:53:28`.
pub fn utc_offset(east_seconds: i32) -> String {
    let sign = if east_seconds < 0 { '-' } else { '+' };
    let abs = east_seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, (abs / 60) % 60, abs % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}:{s:02}"),
    }
}

/// `interval` in the `postgres` style: `1 year 2 mons -3 days +04:05:06.5`.
pub fn interval(micros: i64, days: i32, months: i32) -> String {
    let mut out = String::new();
    let (mut is_zero, mut is_before) = (true, false);
    let mut part = |value: i64, unit: &str, out: &mut String| {
        if value == 0 {
            return;
        }
        let _ = write!(
            out,
            "{}{}{value} {unit}{}",
            if is_zero { "" } else { " " },
            if is_before && value > 0 { "+" } else { "" },
            if value != 1 { "s" } else { "" }
        );
        is_before = value < 0;
        is_zero = false;
    };
    part(i64::from(months / 12), "year", &mut out);
    part(i64::from(months % 12), "mon", &mut out);
    part(i64::from(days), "day", &mut out);
    if is_zero || micros != 0 {
        let negative = micros < 0;
        let abs = micros.unsigned_abs();
        let secs = abs / 1_000_000;
        let _ = write!(
            out,
            "{}{}{:02}:{:02}:{:02}",
            if is_zero { "" } else { " " },
            if negative {
                "-"
            } else if is_before {
                "+"
            } else {
                ""
            },
            secs / 3600,
            (secs / 60) % 60,
            secs % 60
        );
        push_fraction(&mut out, (abs % 1_000_000) as i64);
    }
    out
}

/// `money` with `lc_monetary = C`: `$1,234.56`, `-$0.01`.
pub fn money(cents: i64) -> String {
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}${grouped}.{:02}", if cents < 0 { "-" } else { "" }, abs % 100)
}

/// An IPv6 address as PostgreSQL prints it: like the standard form, but IPv4-compatible
/// addresses (`::a.b.c.d`) keep their dotted tail.
pub fn ipv6(addr: Ipv6Addr) -> String {
    let w = addr.segments();
    if w[..6].iter().all(|&x| x == 0) && w[6] != 0 {
        let o = addr.octets();
        return format!("::{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
    }
    addr.to_string()
}

/// Hex bytes separated by colons (`macaddr`, `macaddr8`).
pub fn mac(raw: &[u8]) -> String {
    raw.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// `bit`/`varbit`: the bits as `0`/`1` characters.
pub fn bits(raw: &[u8]) -> Option<String> {
    let len = i32::from_be_bytes(raw.get(0..4)?.try_into().ok()?).max(0) as usize;
    let bytes = raw.get(4..)?;
    Some(
        (0..len)
            .map(|i| if bytes.get(i / 8).is_some_and(|b| b & (0x80 >> (i % 8)) != 0) { '1' } else { '0' })
            .collect(),
    )
}

/// `float8` as PostgreSQL prints it: shortest round-trip digits, fixed notation for decimal
/// exponents in [-4, 15), otherwise `d.ddde+XX`.
pub fn float8(v: f64) -> String {
    float_text(v, format!("{v:e}"), 15)
}

/// `float4` as PostgreSQL prints it (fixed notation for exponents in [-4, 6)).
pub fn float4(v: f32) -> String {
    float_text(f64::from(v), float4_digits(v), 6)
}

/// The value a client gets by parsing PostgreSQL's `float4` text: the shortest decimal that
/// lies strictly inside the float's rounding interval (PostgreSQL's Ryu does not accept a
/// decimal exactly halfway to a neighbour, which Rust's shortest formatting does).
pub fn float4_as_client_number(v: f32) -> f64 {
    float4_digits(v).parse().unwrap_or(f64::from(v))
}

fn float4_digits(v: f32) -> String {
    if !v.is_finite() || v == 0.0 {
        return format!("{v:e}");
    }
    let exact = f64::from(v);
    let below = f64::from(f32::from_bits(v.to_bits() - 1));
    let mut above = f64::from(f32::from_bits(v.to_bits() + 1));
    if above.is_infinite() {
        // f32::MAX: the next value would be one ulp further.
        above = exact + (exact - below);
    }
    let (low, high) = if exact > 0.0 {
        ((below + exact) / 2.0, (exact + above) / 2.0)
    } else {
        ((above + exact) / 2.0, (exact + below) / 2.0)
    };
    let (low, high) = (low.min(high), low.max(high));
    for precision in 0..9 {
        let text = format!("{exact:.precision$e}");
        if let Ok(x) = text.parse::<f64>() {
            if x > low && x < high {
                return text;
            }
        }
    }
    format!("{exact:.8e}")
}

fn float_text(v: f64, scientific: String, fixed_below: i32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let sign = if negative { "-" } else { "" };
    if v == 0.0 {
        return format!("{sign}0");
    }
    if (-4..fixed_below).contains(&exponent) {
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{body}")
    } else {
        let (head, tail) = digits.split_at(1);
        let dot = if tail.is_empty() { String::new() } else { format!(".{tail}") };
        format!("{sign}{head}{dot}e{}{:02}", if exponent < 0 { '-' } else { '+' }, exponent.unsigned_abs())
    }
}

/// `date` in ISO style: `2026-06-13`, `0044-03-15 BC`, `infinity`.
pub fn date(days: i32) -> String {
    match days {
        i32::MAX => "infinity".into(),
        i32::MIN => "-infinity".into(),
        d => match NaiveDate::from_ymd_opt(2000, 1, 1)
            .and_then(|e| e.checked_add_signed(chrono::Duration::days(d.into())))
        {
            Some(date) => iso_date(date),
            None => d.to_string(),
        },
    }
}

fn iso_date(date: NaiveDate) -> String {
    use chrono::Datelike;
    let year = date.year();
    if year <= 0 {
        format!("{:04}-{:02}-{:02} BC", 1 - year, date.month(), date.day())
    } else {
        format!("{year:04}-{:02}-{:02}", date.month(), date.day())
    }
}

/// `timestamp` in ISO style; with `utc_suffix`, a `timestamptz` shown in UTC (`+00`).
pub fn timestamp(micros: i64, utc_suffix: bool) -> String {
    match micros {
        i64::MAX => return "infinity".into(),
        i64::MIN => return "-infinity".into(),
        _ => {}
    }
    let secs = micros.div_euclid(1_000_000) + 946_684_800;
    let Some(dt) = DateTime::from_timestamp(secs, 0) else { return micros.to_string() };
    let naive = dt.naive_utc();
    let date = iso_date(naive.date());
    let (date, bc) = match date.strip_suffix(" BC") {
        Some(d) => (d.to_string(), " BC"),
        None => (date, ""),
    };
    let mut out = format!("{date} {}", naive.format("%H:%M:%S"));
    push_fraction(&mut out, micros.rem_euclid(1_000_000));
    if utc_suffix {
        out.push_str("+00");
    }
    out.push_str(bc);
    out
}

/// A range bound quoted as `range_out` quotes it.
pub fn range_bound(text: &str) -> String {
    let needs_quotes = text.is_empty()
        || text.chars().any(|c| matches!(c, '"' | '\\' | ',' | '(' | ')' | '[' | ']') || c.is_whitespace());
    if !needs_quotes {
        return text.to_string();
    }
    let mut out = String::from('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push(c);
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `tsvector`: `'cat':2A 'fat':1,3`.
pub fn tsvector(raw: &[u8]) -> Option<String> {
    let count = i32::from_be_bytes(raw.get(0..4)?.try_into().ok()?).max(0) as usize;
    let mut at = 4;
    let mut lexemes = Vec::with_capacity(count);
    for _ in 0..count {
        let end = at + raw.get(at..)?.iter().position(|&b| b == 0)?;
        let word = std::str::from_utf8(&raw[at..end]).ok()?;
        at = end + 1;
        let npos = u16::from_be_bytes(raw.get(at..at + 2)?.try_into().ok()?) as usize;
        at += 2;
        let mut text = format!("'{}'", word.replace('\\', "\\\\").replace('\'', "''"));
        for i in 0..npos {
            let p = u16::from_be_bytes(raw.get(at..at + 2)?.try_into().ok()?);
            at += 2;
            text.push(if i == 0 { ':' } else { ',' });
            let _ = write!(text, "{}", p & 0x3FFF);
            match p >> 14 {
                3 => text.push('A'),
                2 => text.push('B'),
                1 => text.push('C'),
                _ => {}
            }
        }
        lexemes.push(text);
    }
    Some(lexemes.join(" "))
}

/// Geometric types: `point`, `lseg`, `box`, `line`, `circle`, `path`, `polygon`.
pub fn geometry(type_name: &str, raw: &[u8]) -> Option<String> {
    let f =
        |i: usize| -> Option<String> { Some(float8(f64::from_be_bytes(raw.get(i * 8..i * 8 + 8)?.try_into().ok()?))) };
    let point = |i: usize| -> Option<String> { Some(format!("({},{})", f(i)?, f(i + 1)?)) };
    Some(match type_name {
        "point" => point(0)?,
        "lseg" => format!("[{},{}]", point(0)?, point(2)?),
        "box" => format!("{},{}", point(0)?, point(2)?),
        "line" => format!("{{{},{},{}}}", f(0)?, f(1)?, f(2)?),
        "circle" => format!("<{},{}>", point(0)?, f(2)?),
        "path" | "polygon" => {
            let (closed, start) = if type_name == "path" { (*raw.first()? != 0, 1) } else { (true, 0) };
            let n = i32::from_be_bytes(raw.get(start..start + 4)?.try_into().ok()?).max(0) as usize;
            let body = &raw[start + 4..];
            let pt = |i: usize| -> Option<String> {
                let g = |j: usize| -> Option<String> {
                    Some(float8(f64::from_be_bytes(body.get(j * 8..j * 8 + 8)?.try_into().ok()?)))
                };
                Some(format!("({},{})", g(i * 2)?, g(i * 2 + 1)?))
            };
            let points = (0..n).map(pt).collect::<Option<Vec<_>>>()?.join(",");
            if closed {
                format!("({points})")
            } else {
                format!("[{points}]")
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_print_like_postgres() {
        let hms = |h: i64, m: i64, s: i64| (h * 3600 + m * 60 + s) * 1_000_000;
        assert_eq!(interval(hms(4, 5, 6) + 500_000, 3, 14), "1 year 2 mons 3 days 04:05:06.5");
        assert_eq!(interval(0, 0, 0), "00:00:00");
        assert_eq!(interval(0, 0, -12), "-1 years");
        assert_eq!(interval(hms(1, 0, 0), -1, 0), "-1 days +01:00:00");
        assert_eq!(interval(0, -1, 1), "1 mon -1 days");
        assert_eq!(interval(-hms(0, 0, 1), 0, 0), "-00:00:01");
        assert_eq!(interval(0, 1, 0), "1 day");
    }

    #[test]
    fn money_uses_the_c_locale() {
        assert_eq!(money(123_456), "$1,234.56");
        assert_eq!(money(-1), "-$0.01");
        assert_eq!(money(100_000_000), "$1,000,000.00");
    }

    #[test]
    fn ipv4_compatible_addresses_keep_their_dotted_tail() {
        assert_eq!(ipv6("::1.2.3.4".parse().unwrap()), "::1.2.3.4");
        assert_eq!(ipv6("::1".parse().unwrap()), "::1");
        assert_eq!(ipv6("::ffff:1.2.3.4".parse().unwrap()), "::ffff:1.2.3.4");
        assert_eq!(ipv6("2001:db8::1".parse().unwrap()), "2001:db8::1");
    }

    #[test]
    fn float4_avoids_ties_like_postgres() {
        assert_eq!(float4_as_client_number(55_140_152.0), 55_140_152.0);
        assert_eq!(float4_as_client_number(123_456_784.0), 123_456_784.0);
        assert_eq!(float4_as_client_number(0.1), 0.1);
        assert_eq!(float4_as_client_number(f32::MAX), 3.4028235e38);
        assert_eq!(float4_as_client_number(f32::MIN_POSITIVE), 1.1754944e-38);
        assert_eq!(float4(55_140_152.0), "5.5140152e+07");
        assert_eq!(float4(999_999.0), "999999");
        assert_eq!(float4(1e6), "1e+06");
        assert_eq!(float4(1e-5), "1e-05");
    }

    #[test]
    fn float8_switches_notation_like_postgres() {
        assert_eq!(float8(0.0001), "0.0001");
        assert_eq!(float8(0.00001), "1e-05");
        assert_eq!(float8(1e14), "100000000000000");
        assert_eq!(float8(1e15), "1e+15");
        assert_eq!(float8(-2.5), "-2.5");
        assert_eq!(float8(1.0000000200408773e20), "1.0000000200408773e+20");
    }

    #[test]
    fn dates_and_timestamps_print_in_iso_style() {
        assert_eq!(date(0), "2000-01-01");
        assert_eq!(date(i32::MAX), "infinity");
        assert_eq!(timestamp(1_500_000, false), "2000-01-01 00:00:01.5");
        assert_eq!(timestamp(0, true), "2000-01-01 00:00:00+00");
    }

    #[test]
    fn range_bounds_are_quoted_when_needed() {
        assert_eq!(range_bound("5"), "5");
        assert_eq!(range_bound("2000-01-01 00:00:00"), "\"2000-01-01 00:00:00\"");
        assert_eq!(range_bound("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn bit_strings_print_their_bits() {
        assert_eq!(bits(&[0, 0, 0, 5, 0b1010_1000]).unwrap(), "10101");
    }
}
