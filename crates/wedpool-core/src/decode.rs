//! Decoding result columns (binary format) into [`Value`]s that mirror what node-postgres
//! returns: int2/int4/float/oid → number, int8 → string (or BigInt/number), numeric → string,
//! bool, text types → string, bytea → bytes, json/jsonb → JSON text (parsed by the facade),
//! date/timestamp/timestamptz → instants, uuid → string, arrays → arrays, NULL → null.
//! Types without a JavaScript counterpart come back in PostgreSQL's text form (time, timetz,
//! interval, inet, cidr, macaddr, money, enums, xml, citext, …).

use std::fmt::Write;

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, TimeZone};
use fallible_iterator::FallibleIterator;
use postgres_protocol::types as wire;
use tokio_postgres::types::{FromSql, Kind, Type};

use crate::config::Int8Mode;

/// One decoded cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// A JavaScript number (also ±Infinity for infinite dates).
    Number(f64),
    /// A 64-bit integer for `types.int8 = 'bigint'`.
    BigInt(i64),
    /// Text.
    Text(String),
    /// Raw bytes (bytea).
    Bytes(Vec<u8>),
    /// JSON text, to be parsed by the facade.
    Json(String),
    /// An instant, in milliseconds since the Unix epoch.
    Date(f64),
    /// An array (nested for multi-dimensional arrays).
    Array(Vec<Value>),
}

/// Accepts any column and hands over its raw bytes.
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// Decodes every column of `row`.
pub fn decode_row(row: &tokio_postgres::Row, int8: Int8Mode) -> Vec<Value> {
    (0..row.len())
        .map(|i| {
            let ty = row.columns()[i].type_();
            match row.try_get::<_, Option<Raw>>(i) {
                Ok(Some(raw)) => decode(ty, raw.0, int8),
                _ => Value::Null,
            }
        })
        .collect()
}

/// Decodes one non-NULL value of type `ty`.
pub fn decode(ty: &Type, raw: &[u8], int8: Int8Mode) -> Value {
    decode_known(ty, raw, int8).unwrap_or_else(|| fallback_text(ty, raw))
}

fn decode_known(ty: &Type, raw: &[u8], int8: Int8Mode) -> Option<Value> {
    Some(match *ty {
        Type::BOOL => Value::Bool(wire::bool_from_sql(raw).ok()?),
        Type::INT2 => Value::Number(wire::int2_from_sql(raw).ok()? as f64),
        Type::INT4 => Value::Number(wire::int4_from_sql(raw).ok()? as f64),
        Type::OID | Type::XID | Type::CID | Type::REGPROC => Value::Number(wire::oid_from_sql(raw).ok()? as f64),
        Type::INT8 => {
            let n = wire::int8_from_sql(raw).ok()?;
            match int8 {
                Int8Mode::String => Value::Text(n.to_string()),
                Int8Mode::BigInt => Value::BigInt(n),
                Int8Mode::Number => Value::Number(n as f64),
            }
        }
        // node-postgres parses float4's shortest text form, so do the same.
        Type::FLOAT4 => Value::Number(wire::float4_from_sql(raw).ok()?.to_string().parse().ok()?),
        Type::FLOAT8 => Value::Number(wire::float8_from_sql(raw).ok()?),
        Type::NUMERIC => Value::Text(numeric_to_string(raw)?),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::CHAR | Type::XML => {
            Value::Text(String::from_utf8_lossy(raw).into_owned())
        }
        Type::BYTEA => Value::Bytes(raw.to_vec()),
        Type::JSON => Value::Json(String::from_utf8_lossy(raw).into_owned()),
        Type::JSONB => match raw.split_first() {
            Some((1, rest)) => Value::Json(String::from_utf8_lossy(rest).into_owned()),
            _ => return None,
        },
        Type::UUID => Value::Text(uuid::Uuid::from_slice(raw).ok()?.hyphenated().to_string()),
        Type::TIMESTAMPTZ => Value::Date(timestamptz_millis(wire::timestamp_from_sql(raw).ok()?)),
        Type::TIMESTAMP => Value::Date(local_timestamp_millis(wire::timestamp_from_sql(raw).ok()?)),
        Type::DATE => Value::Date(local_date_millis(wire::date_from_sql(raw).ok()?)),
        Type::TIME => Value::Text(time_of_day(wire::time_from_sql(raw).ok()?)),
        Type::TIMETZ => {
            let micros = i64::from_be_bytes(raw.get(0..8)?.try_into().ok()?);
            let west = i32::from_be_bytes(raw.get(8..12)?.try_into().ok()?);
            Value::Text(format!("{}{}", time_of_day(micros), utc_offset(-west)))
        }
        Type::INTERVAL => Value::Text(interval_to_string(raw)?),
        Type::INET | Type::CIDR => {
            let inet = wire::inet_from_sql(raw).ok()?;
            let full = if inet.addr().is_ipv4() { 32 } else { 128 };
            if *ty == Type::INET && inet.netmask() == full {
                Value::Text(inet.addr().to_string())
            } else {
                Value::Text(format!("{}/{}", inet.addr(), inet.netmask()))
            }
        }
        Type::MACADDR => Value::Text(raw.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")),
        Type::MONEY => {
            let cents = i64::from_be_bytes(raw.try_into().ok()?);
            let sign = if cents < 0 { "-" } else { "" };
            Value::Text(format!("{sign}{}.{:02}", (cents / 100).unsigned_abs(), (cents % 100).unsigned_abs()))
        }
        _ => match ty.kind() {
            Kind::Array(element) => decode_array(element, raw, int8)?,
            Kind::Enum(_) => Value::Text(String::from_utf8_lossy(raw).into_owned()),
            Kind::Domain(base) => return decode_known(base, raw, int8),
            _ => return None,
        },
    })
}

/// Text for types WedPool does not decode: their bytes when they are text (extension types
/// such as citext send text), else `\x`-prefixed hex.
fn fallback_text(_ty: &Type, raw: &[u8]) -> Value {
    match std::str::from_utf8(raw) {
        Ok(s) if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') => Value::Text(s.to_string()),
        _ => {
            let mut hex = String::with_capacity(2 + raw.len() * 2);
            hex.push_str("\\x");
            for b in raw {
                let _ = write!(hex, "{b:02x}");
            }
            Value::Text(hex)
        }
    }
}

fn decode_array(element: &Type, raw: &[u8], int8: Int8Mode) -> Option<Value> {
    let array = wire::array_from_sql(raw).ok()?;
    let dims: Vec<usize> = array.dimensions().map(|d| Ok(d.len.max(0) as usize)).collect().ok()?;
    let cells: Vec<Value> = array
        .values()
        .map(|cell| Ok(cell.map_or(Value::Null, |bytes| decode(element, bytes, int8))))
        .collect()
        .ok()?;
    if dims.is_empty() {
        return Some(Value::Array(Vec::new()));
    }
    Some(nest(&dims, &mut cells.into_iter()))
}

fn nest(dims: &[usize], cells: &mut impl Iterator<Item = Value>) -> Value {
    let (len, inner) = (dims[0], &dims[1..]);
    Value::Array(
        (0..len)
            .map(|_| if inner.is_empty() { cells.next().unwrap_or(Value::Null) } else { nest(inner, cells) })
            .collect(),
    )
}

fn timestamptz_millis(micros: i64) -> f64 {
    match micros {
        i64::MAX => f64::INFINITY,
        i64::MIN => f64::NEG_INFINITY,
        m => (m.div_euclid(1000) + PG_EPOCH_MICROS / 1000) as f64,
    }
}

/// A `timestamp without time zone` is wall-clock time; node-postgres reads it in the process's
/// local timezone, and so does WedPool.
fn local_timestamp_millis(micros: i64) -> f64 {
    match micros {
        i64::MAX => f64::INFINITY,
        i64::MIN => f64::NEG_INFINITY,
        m => {
            let utc_millis = m.div_euclid(1000) + PG_EPOCH_MICROS / 1000;
            match DateTime::from_timestamp_millis(utc_millis) {
                Some(dt) => local_wall_time_millis(dt.naive_utc()),
                None => f64::NAN,
            }
        }
    }
}

/// A `date` becomes local midnight, as node-postgres does.
fn local_date_millis(days: i32) -> f64 {
    match days {
        i32::MAX => f64::INFINITY,
        i32::MIN => f64::NEG_INFINITY,
        d => {
            let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
            match epoch.checked_add_signed(chrono::Duration::days(d as i64)) {
                Some(date) => local_wall_time_millis(date.and_hms_opt(0, 0, 0).expect("midnight exists")),
                None => f64::NAN,
            }
        }
    }
}

fn local_wall_time_millis(naive: NaiveDateTime) -> f64 {
    match Local.from_local_datetime(&naive).earliest() {
        Some(dt) => dt.timestamp_millis() as f64,
        // In a DST gap JavaScript moves the wall time forward by the gap; so do we.
        None => {
            let offset = Local.offset_from_utc_datetime(&naive);
            (naive - offset).and_utc().timestamp_millis() as f64
        }
    }
}

fn time_of_day(micros: i64) -> String {
    let secs = micros.div_euclid(1_000_000);
    let frac = micros.rem_euclid(1_000_000);
    let mut s = format!("{:02}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60);
    push_fraction(&mut s, frac);
    s
}

fn push_fraction(s: &mut String, micros: i64) {
    if micros != 0 {
        let digits = format!("{micros:06}");
        s.push('.');
        s.push_str(digits.trim_end_matches('0'));
    }
}

fn utc_offset(east_seconds: i32) -> String {
    let sign = if east_seconds < 0 { '-' } else { '+' };
    let abs = east_seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, (abs / 60) % 60, abs % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (_, 0) => format!("{sign}{h:02}:{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}:{s:02}"),
    }
}

/// PostgreSQL's `postgres` interval style: `1 year 2 mons 3 days 04:05:06.5`.
fn interval_to_string(raw: &[u8]) -> Option<String> {
    let micros = i64::from_be_bytes(raw.get(0..8)?.try_into().ok()?);
    let days = i32::from_be_bytes(raw.get(8..12)?.try_into().ok()?);
    let months = i32::from_be_bytes(raw.get(12..16)?.try_into().ok()?);
    let mut parts: Vec<String> = Vec::new();
    let unit = |n: i32, singular: &str, plural: &str| format!("{n} {}", if n.abs() == 1 { singular } else { plural });
    let (years, mons) = (months / 12, months % 12);
    if years != 0 {
        parts.push(unit(years, "year", "years"));
    }
    if mons != 0 {
        parts.push(unit(mons, "mon", "mons"));
    }
    if days != 0 {
        parts.push(unit(days, "day", "days"));
    }
    if micros != 0 || parts.is_empty() {
        let sign = if micros < 0 { "-" } else { "" };
        let abs = micros.unsigned_abs() as i64;
        let secs = abs / 1_000_000;
        let mut t = format!("{sign}{:02}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60);
        push_fraction(&mut t, abs % 1_000_000);
        parts.push(t);
    }
    Some(parts.join(" "))
}

/// NUMERIC's binary form (base-10000 digits, weight, sign, display scale) as PostgreSQL prints it.
pub fn numeric_to_string(raw: &[u8]) -> Option<String> {
    let word = |i: usize| -> Option<i16> { Some(i16::from_be_bytes(raw.get(i * 2..i * 2 + 2)?.try_into().ok()?)) };
    let ndigits = word(0)? as i64;
    let weight = word(1)? as i64;
    let sign = word(2)? as u16;
    let dscale = word(3)? as u16 as usize;
    match sign {
        0xC000 => return Some("NaN".into()),
        0xD000 => return Some("Infinity".into()),
        0xF000 => return Some("-Infinity".into()),
        _ => {}
    }
    let digit = |k: i64| -> i16 { if k < 0 || k >= ndigits { 0 } else { word(4 + k as usize).unwrap_or(0) } };
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for k in 0..=weight {
            if k == 0 {
                let _ = write!(out, "{}", digit(k));
            } else {
                let _ = write!(out, "{:04}", digit(k));
            }
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut fraction = String::with_capacity(dscale + 4);
        let mut k = weight + 1;
        while fraction.len() < dscale {
            let _ = write!(fraction, "{:04}", digit(k));
            k += 1;
        }
        fraction.truncate(dscale);
        out.push_str(&fraction);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(ndigits: i16, weight: i16, sign: u16, dscale: u16, digits: &[i16]) -> Vec<u8> {
        let mut v = Vec::new();
        for w in [ndigits, weight, sign as i16, dscale as i16].iter().chain(digits) {
            v.extend_from_slice(&w.to_be_bytes());
        }
        v
    }

    #[test]
    fn numeric_prints_like_postgres() {
        assert_eq!(numeric_to_string(&numeric(2, 0, 0, 2, &[12, 3400])).unwrap(), "12.34");
        assert_eq!(numeric_to_string(&numeric(1, -2, 0, 5, &[1000])).unwrap(), "0.00001");
        assert_eq!(numeric_to_string(&numeric(2, 1, 0x4000, 0, &[1, 2])).unwrap(), "-10002");
        assert_eq!(numeric_to_string(&numeric(0, 0, 0, 2, &[])).unwrap(), "0.00");
        assert_eq!(numeric_to_string(&numeric(1, 2, 0, 0, &[5])).unwrap(), "500000000");
        assert_eq!(numeric_to_string(&numeric(0, 0, 0xC000, 0, &[])).unwrap(), "NaN");
    }

    #[test]
    fn interval_prints_in_postgres_style() {
        let mut raw = Vec::new();
        raw.extend_from_slice(&(4 * 3_600_000_000i64 + 5 * 60_000_000 + 6_500_000).to_be_bytes());
        raw.extend_from_slice(&3i32.to_be_bytes());
        raw.extend_from_slice(&14i32.to_be_bytes());
        assert_eq!(interval_to_string(&raw).unwrap(), "1 year 2 mons 3 days 04:05:06.5");
        let zero = [0u8; 16];
        assert_eq!(interval_to_string(&zero).unwrap(), "00:00:00");
    }

    #[test]
    fn infinite_timestamps_become_infinite_numbers() {
        assert_eq!(timestamptz_millis(i64::MAX), f64::INFINITY);
        assert_eq!(local_date_millis(i32::MIN), f64::NEG_INFINITY);
    }

    #[test]
    fn timestamptz_counts_from_the_postgres_epoch() {
        assert_eq!(timestamptz_millis(0), 946_684_800_000.0);
        assert_eq!(timestamptz_millis(-1), 946_684_799_999.0);
    }

    #[test]
    fn offsets_print_like_postgres() {
        assert_eq!(utc_offset(3600), "+01");
        assert_eq!(utc_offset(-(5 * 3600 + 30 * 60)), "-05:30");
    }
}
