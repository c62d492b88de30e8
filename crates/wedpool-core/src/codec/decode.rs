//! Decoding result columns (binary format) into [`Value`]s that mirror what node-postgres
//! returns: int2/int4/float/oid → number, int8 → string (or BigInt/number), numeric → string,
//! bool, text types → string, bytea → bytes, json/jsonb → JSON text (parsed by the facade),
//! date/timestamp/timestamptz → instants, uuid → string, arrays → arrays, NULL → null.
//! Types without a JavaScript counterpart come back in PostgreSQL's text form (time, timetz,
//! interval, inet, cidr, macaddr, money, enums, xml, citext, …).

use std::fmt::Write;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;
use fallible_iterator::FallibleIterator;
use postgres_protocol::types as wire;
use tokio_postgres::types::{FromSql, Kind, Type};

use crate::codec::int8_mode::Int8Mode;
use crate::codec::textform;
use crate::codec::value::Value;

/// How values are decoded: the int8 mode and the timezone in which `date` and `timestamp`
/// (wall-clock types) are read, as JavaScript reads local times.
#[derive(Debug, Clone, Copy)]
pub struct DecodeOptions {
    /// How int8 comes back.
    pub int8: Int8Mode,
    /// The client's local timezone (the Node process's).
    pub local: Tz,
    /// Every cell as the server's text form instead (node-postgres type parsers read it).
    pub text: bool,
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
pub fn decode_row(row: &tokio_postgres::Row, opts: DecodeOptions) -> Vec<Value> {
    (0..row.len())
        .map(|i| {
            let ty = row.columns()[i].type_();
            match row.try_get::<_, Option<Raw>>(i) {
                Ok(Some(raw)) if opts.text => Value::Text(crate::codec::servertext::text_of(ty, raw.0)),
                Ok(Some(raw)) => decode(ty, raw.0, opts),
                _ => Value::Null,
            }
        })
        .collect()
}

/// Decodes one non-NULL value of type `ty`.
pub fn decode(ty: &Type, raw: &[u8], opts: DecodeOptions) -> Value {
    decode_known(ty, raw, opts).unwrap_or_else(|| fallback_text(ty, raw))
}

fn decode_known(ty: &Type, raw: &[u8], opts: DecodeOptions) -> Option<Value> {
    Some(match *ty {
        Type::BOOL => Value::Bool(wire::bool_from_sql(raw).ok()?),
        Type::INT2 => Value::Number(wire::int2_from_sql(raw).ok()? as f64),
        Type::INT4 => Value::Number(wire::int4_from_sql(raw).ok()? as f64),
        Type::OID => Value::Number(wire::oid_from_sql(raw).ok()? as f64),
        // node-postgres has no parser for these and returns the server's text; the reg* types'
        // text is an object name only the server knows, so WedPool returns the OID as text.
        Type::XID
        | Type::CID
        | Type::REGPROC
        | Type::REGPROCEDURE
        | Type::REGOPER
        | Type::REGOPERATOR
        | Type::REGCLASS
        | Type::REGTYPE
        | Type::REGCONFIG
        | Type::REGDICTIONARY
        | Type::REGNAMESPACE
        | Type::REGROLE => Value::Text(wire::oid_from_sql(raw).ok()?.to_string()),
        Type::INT8 => {
            let n = wire::int8_from_sql(raw).ok()?;
            match opts.int8 {
                Int8Mode::String => Value::Text(n.to_string()),
                Int8Mode::BigInt => Value::BigInt(n),
                Int8Mode::Number => Value::Number(n as f64),
            }
        }
        // node-postgres parses float4's text form, so do the same.
        Type::FLOAT4 => Value::Number(textform::float4_as_client_number(wire::float4_from_sql(raw).ok()?)),
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
        Type::TIMESTAMP => Value::Date(local_timestamp_millis(wire::timestamp_from_sql(raw).ok()?, opts.local)),
        Type::DATE => Value::Date(local_date_millis(wire::date_from_sql(raw).ok()?, opts.local)),
        _ => match ty.kind() {
            Kind::Array(element) => decode_array(element, raw, opts)?,
            Kind::Enum(_) => Value::Text(String::from_utf8_lossy(raw).into_owned()),
            Kind::Domain(base) => return decode_known(base, raw, opts),
            Kind::Range(subtype) => Value::Text(range_text(subtype, raw)?),
            _ => Value::Text(text_form(ty, raw)?),
        },
    })
}

/// The server's text form for types without a JavaScript counterpart.
pub(crate) fn text_form(ty: &Type, raw: &[u8]) -> Option<String> {
    Some(match *ty {
        Type::TIME => textform::time_of_day(wire::time_from_sql(raw).ok()?),
        Type::TIMETZ => {
            let micros = i64::from_be_bytes(raw.get(0..8)?.try_into().ok()?);
            let west = i32::from_be_bytes(raw.get(8..12)?.try_into().ok()?);
            format!("{}{}", textform::time_of_day(micros), textform::utc_offset(-west))
        }
        Type::INTERVAL => textform::interval(
            i64::from_be_bytes(raw.get(0..8)?.try_into().ok()?),
            i32::from_be_bytes(raw.get(8..12)?.try_into().ok()?),
            i32::from_be_bytes(raw.get(12..16)?.try_into().ok()?),
        ),
        Type::INET | Type::CIDR => {
            let inet = wire::inet_from_sql(raw).ok()?;
            let addr = match inet.addr() {
                std::net::IpAddr::V4(a) => a.to_string(),
                std::net::IpAddr::V6(a) => textform::ipv6(a),
            };
            let full = if inet.addr().is_ipv4() { 32 } else { 128 };
            if *ty == Type::INET && inet.netmask() == full {
                addr
            } else {
                format!("{addr}/{}", inet.netmask())
            }
        }
        Type::MACADDR | Type::MACADDR8 => textform::mac(raw),
        Type::MONEY => textform::money(i64::from_be_bytes(raw.try_into().ok()?)),
        Type::BIT | Type::VARBIT => textform::bits(raw)?,
        Type::TS_VECTOR => textform::tsvector(raw)?,
        Type::POINT | Type::LSEG | Type::BOX | Type::LINE | Type::CIRCLE | Type::PATH | Type::POLYGON => {
            textform::geometry(ty.name(), raw)?
        }
        _ => return None,
    })
}

/// A range's text form: `[1,5)`, `["2026-06-13 12:00:00","2026-06-14 00:00:00")`, `empty`.
/// `tstzrange` bounds are shown in UTC.
pub(crate) fn range_text(subtype: &Type, raw: &[u8]) -> Option<String> {
    const EMPTY: u8 = 0x01;
    const LOWER_INCLUSIVE: u8 = 0x02;
    const UPPER_INCLUSIVE: u8 = 0x04;
    const LOWER_INFINITE: u8 = 0x08;
    const UPPER_INFINITE: u8 = 0x10;
    let flags = *raw.first()?;
    if flags & EMPTY != 0 {
        return Some("empty".into());
    }
    let mut at = 1;
    let mut bound = |infinite: bool| -> Option<String> {
        if infinite {
            return Some(String::new());
        }
        let len = i32::from_be_bytes(raw.get(at..at + 4)?.try_into().ok()?) as usize;
        let bytes = raw.get(at + 4..at + 4 + len)?;
        at += 4 + len;
        Some(textform::range_bound(&element_text(subtype, bytes)?))
    };
    let lower = bound(flags & LOWER_INFINITE != 0)?;
    let upper = bound(flags & UPPER_INFINITE != 0)?;
    Some(format!(
        "{}{lower},{upper}{}",
        if flags & LOWER_INCLUSIVE != 0 { '[' } else { '(' },
        if flags & UPPER_INCLUSIVE != 0 { ']' } else { ')' }
    ))
}

/// The text of a range element.
pub(crate) fn element_text(ty: &Type, raw: &[u8]) -> Option<String> {
    Some(match *ty {
        Type::INT2 => wire::int2_from_sql(raw).ok()?.to_string(),
        Type::INT4 => wire::int4_from_sql(raw).ok()?.to_string(),
        Type::INT8 => wire::int8_from_sql(raw).ok()?.to_string(),
        Type::NUMERIC => numeric_to_string(raw)?,
        Type::DATE => textform::date(wire::date_from_sql(raw).ok()?),
        Type::TIMESTAMP => textform::timestamp(wire::timestamp_from_sql(raw).ok()?, false),
        Type::TIMESTAMPTZ => textform::timestamp(wire::timestamp_from_sql(raw).ok()?, true),
        Type::FLOAT8 => textform::float8(wire::float8_from_sql(raw).ok()?),
        Type::FLOAT4 => textform::float4(wire::float4_from_sql(raw).ok()?),
        _ => match text_form(ty, raw) {
            Some(t) => t,
            None => String::from_utf8(raw.to_vec()).ok()?,
        },
    })
}

/// Text for types WedPool does not know: their bytes when they are text (extension types
/// such as citext send text), else `\x`-prefixed hex of the binary form.
pub(crate) fn fallback_text(_ty: &Type, raw: &[u8]) -> Value {
    match std::str::from_utf8(raw) {
        Ok(s) if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') => {
            Value::Text(s.to_string())
        }
        _ => {
            let mut hex = String::with_capacity(2 + raw.len() * 2);
            hex.push_str("\\x");
            for b in raw {
                hex.push_str(&format!("{b:02x}"));
            }
            Value::Text(hex)
        }
    }
}

fn decode_array(element: &Type, raw: &[u8], opts: DecodeOptions) -> Option<Value> {
    let array = wire::array_from_sql(raw).ok()?;
    let dims: Vec<usize> = array.dimensions().map(|d| Ok(d.len.max(0) as usize)).collect().ok()?;
    let cells: Vec<Value> =
        array.values().map(|cell| Ok(cell.map_or(Value::Null, |bytes| decode(element, bytes, opts)))).collect().ok()?;
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
/// local timezone (`new Date(y, m, d, h, mi, s, ms)`), and so does WedPool.
fn local_timestamp_millis(micros: i64, tz: Tz) -> f64 {
    match micros {
        i64::MAX => f64::INFINITY,
        i64::MIN => f64::NEG_INFINITY,
        m => {
            let utc_millis = m.div_euclid(1000) + PG_EPOCH_MICROS / 1000;
            match DateTime::from_timestamp_millis(utc_millis) {
                Some(dt) => local_wall_time_millis(dt.naive_utc(), tz),
                None => f64::NAN,
            }
        }
    }
}

/// A `date` becomes local midnight, as node-postgres does.
fn local_date_millis(days: i32, tz: Tz) -> f64 {
    match days {
        i32::MAX => f64::INFINITY,
        i32::MIN => f64::NEG_INFINITY,
        d => {
            let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
            match epoch.checked_add_signed(chrono::Duration::days(d as i64)) {
                Some(date) => local_wall_time_millis(date.and_hms_opt(0, 0, 0).expect("midnight exists"), tz),
                None => f64::NAN,
            }
        }
    }
}

/// Local wall time → instant, resolved as JavaScript's Date constructor resolves it: a time
/// that occurs twice (DST ends) is the earlier instant; a time that does not exist (DST
/// starts) is moved forward by the gap, i.e. read with the offset in force before the gap.
pub fn local_wall_time_millis(naive: NaiveDateTime, tz: Tz) -> f64 {
    use chrono::Datelike;
    // chrono-tz's tables end in 2037; later dates follow today's rules (as JavaScript's do),
    // so read the offset from the same calendar day of an equivalent year before then.
    let probe = match equivalent_year(naive.year()) {
        Some(year) => naive.with_year(year).unwrap_or(naive),
        None => naive,
    };
    let offset_seconds = local_offset_seconds(probe, tz);
    (naive - chrono::Duration::seconds(offset_seconds)).and_utc().timestamp_millis() as f64
}

/// The UTC offset JavaScript would apply to the wall time `naive` in `tz`.
fn local_offset_seconds(naive: NaiveDateTime, tz: Tz) -> i64 {
    use chrono::LocalResult;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(dt) => dt.offset().fix().local_minus_utc().into(),
        // Twice on the clock: the earlier instant has the larger offset.
        LocalResult::Ambiguous(a, b) => {
            i64::from(a.offset().fix().local_minus_utc().max(b.offset().fix().local_minus_utc()))
        }
        // Not on the clock: the offset in force before the gap moves it forward.
        LocalResult::None => {
            tz.offset_from_utc_datetime(&(naive - chrono::Duration::days(1))).fix().local_minus_utc().into()
        }
    }
}

/// A year from 2010–2037 whose calendar (leap year, weekday of 1 January) matches `year`'s,
/// for years after chrono-tz's tables; `None` for years they cover.
fn equivalent_year(year: i32) -> Option<i32> {
    use chrono::Datelike;
    if year <= 2037 {
        return None;
    }
    let shape = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).map(|d| (d.leap_year(), d.weekday()));
    let wanted = shape(year)?;
    (2010..=2037).find(|&y| shape(y) == Some(wanted))
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
    let digit = |k: i64| -> i16 {
        if k < 0 || k >= ndigits {
            0
        } else {
            word(4 + k as usize).unwrap_or(0)
        }
    };
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
    fn infinite_timestamps_become_infinite_numbers() {
        assert_eq!(timestamptz_millis(i64::MAX), f64::INFINITY);
        assert_eq!(local_date_millis(i32::MIN, chrono_tz::UTC), f64::NEG_INFINITY);
    }

    #[test]
    fn timestamptz_counts_from_the_postgres_epoch() {
        assert_eq!(timestamptz_millis(0), 946_684_800_000.0);
        assert_eq!(timestamptz_millis(-1), 946_684_799_999.0);
    }

    fn millis(s: &str) -> f64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis() as f64
    }

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn repeated_wall_time_is_the_earlier_instant_like_javascript() {
        assert_eq!(
            local_wall_time_millis(wall("2026-11-01 01:30"), chrono_tz::America::New_York),
            millis("2026-11-01T05:30:00Z")
        );
        assert_eq!(
            local_wall_time_millis(wall("2026-10-25 02:30"), chrono_tz::Europe::Berlin),
            millis("2026-10-25T00:30:00Z")
        );
    }

    #[test]
    fn wall_times_after_2037_follow_todays_dst_rules() {
        // 2100-03-16 is after the second Sunday of March: daylight time in New York.
        assert_eq!(
            local_wall_time_millis(wall("2100-03-16 11:00"), chrono_tz::America::New_York),
            millis("2100-03-16T15:00:00Z")
        );
        assert_eq!(
            local_wall_time_millis(wall("2100-01-16 11:00"), chrono_tz::America::New_York),
            millis("2100-01-16T16:00:00Z")
        );
    }

    #[test]
    fn skipped_wall_time_moves_forward_by_the_gap_like_javascript() {
        assert_eq!(
            local_wall_time_millis(wall("2026-03-29 02:30"), chrono_tz::Europe::Berlin),
            millis("2026-03-29T01:30:00Z")
        );
        assert_eq!(
            local_wall_time_millis(wall("2026-03-08 02:30"), chrono_tz::America::New_York),
            millis("2026-03-08T07:30:00Z")
        );
        assert_eq!(
            local_wall_time_millis(wall("2026-03-29 00:30"), chrono_tz::Asia::Beirut),
            millis("2026-03-28T22:30:00Z")
        );
    }
}
