//! Any column's value as the server's text output (what a client that asks for text results
//! receives), rebuilt from the binary form tokio-postgres always requests. node-postgres hands
//! exactly this text to its type parsers, so `wedpool/pg` asks for it whenever a caller brings
//! its own parsers (`types.getTypeParser`), e.g. Drizzle keeping dates and intervals as text.
//!
//! The server's settings assumed are its defaults: `DateStyle = ISO`, `IntervalStyle =
//! postgres`, `bytea_output = hex`, `extra_float_digits = 1`; `timestamptz` is shown in UTC
//! (`+00`), as a server whose `TimeZone` is UTC shows it.

use fallible_iterator::FallibleIterator;
use postgres_protocol::types as wire;
use tokio_postgres::types::{Kind, Type};

use crate::codec::decode::{element_text, fallback_text, numeric_to_string, range_text, text_form};
use crate::codec::value::Value;

/// The server's text form of one non-NULL value of type `ty`.
pub fn text_of(ty: &Type, raw: &[u8]) -> String {
    known(ty, raw).unwrap_or_else(|| match fallback_text(ty, raw) {
        Value::Text(text) => text,
        _ => String::new(),
    })
}

fn known(ty: &Type, raw: &[u8]) -> Option<String> {
    Some(match *ty {
        Type::BOOL => (if wire::bool_from_sql(raw).ok()? { "t" } else { "f" }).to_string(),
        Type::INT2 => wire::int2_from_sql(raw).ok()?.to_string(),
        Type::INT4 => wire::int4_from_sql(raw).ok()?.to_string(),
        Type::INT8 => wire::int8_from_sql(raw).ok()?.to_string(),
        Type::OID | Type::XID | Type::CID => wire::oid_from_sql(raw).ok()?.to_string(),
        Type::NUMERIC => numeric_to_string(raw)?,
        Type::BYTEA => {
            let mut hex = String::with_capacity(2 + raw.len() * 2);
            hex.push_str("\\x");
            for b in raw {
                hex.push_str(&format!("{b:02x}"));
            }
            hex
        }
        Type::JSONB => match raw.split_first() {
            Some((1, rest)) => String::from_utf8_lossy(rest).into_owned(),
            _ => return None,
        },
        Type::UUID => uuid::Uuid::from_slice(raw).ok()?.hyphenated().to_string(),
        _ => match ty.kind() {
            Kind::Array(element) => array_text(element, raw)?,
            Kind::Domain(base) => return known(base, raw),
            Kind::Range(subtype) => range_text(subtype, raw)?,
            Kind::Enum(_) => String::from_utf8_lossy(raw).into_owned(),
            _ => match text_form(ty, raw) {
                Some(text) => text,
                None => element_text(ty, raw)?,
            },
        },
    })
}

/// `array_out`: `{1,2,NULL}`, `{"a b",c}`, `{{1,2},{3,4}}`, `[0:1]={7,8}`; `box[]` uses `;`.
fn array_text(element: &Type, raw: &[u8]) -> Option<String> {
    let array = wire::array_from_sql(raw).ok()?;
    let dims: Vec<(i32, i32)> = array.dimensions().map(|d| Ok((d.lower_bound, d.len))).collect().ok()?;
    let cells: Vec<Option<String>> =
        array.values().map(|cell| Ok(cell.map(|bytes| text_of(element, bytes)))).collect().ok()?;
    if dims.is_empty() {
        return Some("{}".into());
    }
    let delimiter = if *element == Type::BOX { ';' } else { ',' };
    let mut out = String::new();
    if dims.iter().any(|&(lower, _)| lower != 1) {
        for &(lower, len) in &dims {
            out.push_str(&format!("[{lower}:{}]", lower + len - 1));
        }
        out.push('=');
    }
    let lens: Vec<usize> = dims.iter().map(|&(_, len)| len.max(0) as usize).collect();
    let mut cells = cells.into_iter();
    nest_text(&lens, &mut cells, delimiter, &mut out);
    Some(out)
}

fn nest_text(lens: &[usize], cells: &mut impl Iterator<Item = Option<String>>, delimiter: char, out: &mut String) {
    out.push('{');
    for i in 0..lens[0] {
        if i > 0 {
            out.push(delimiter);
        }
        if lens.len() > 1 {
            nest_text(&lens[1..], cells, delimiter, out);
        } else {
            match cells.next().flatten() {
                None => out.push_str("NULL"),
                Some(text) => push_element(&text, delimiter, out),
            }
        }
    }
    out.push('}');
}

fn push_element(text: &str, delimiter: char, out: &mut String) {
    let quote = text.is_empty()
        || text.eq_ignore_ascii_case("NULL")
        || text.chars().any(|c| {
            matches!(c, '"' | '\\' | '{' | '}' | ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c') || c == delimiter
        });
    if !quote {
        out.push_str(text);
        return;
    }
    out.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// `typlen` of a type as the server reports it in a row description: the fixed size in bytes,
/// `-1` for variable-length types, `-2` for C strings.
pub fn type_size(ty: &Type) -> i16 {
    match *ty {
        Type::BOOL | Type::CHAR => 1,
        Type::INT2 => 2,
        Type::INT4
        | Type::OID
        | Type::XID
        | Type::CID
        | Type::FLOAT4
        | Type::DATE
        | Type::REGPROC
        | Type::REGPROCEDURE
        | Type::REGOPER
        | Type::REGOPERATOR
        | Type::REGCLASS
        | Type::REGTYPE
        | Type::REGCONFIG
        | Type::REGDICTIONARY
        | Type::REGNAMESPACE
        | Type::REGROLE => 4,
        Type::MACADDR => 6,
        Type::INT8 | Type::FLOAT8 | Type::TIME | Type::TIMESTAMP | Type::TIMESTAMPTZ | Type::MONEY | Type::MACADDR8 => {
            8
        }
        Type::TIMETZ => 12,
        Type::INTERVAL | Type::UUID | Type::POINT => 16,
        Type::LSEG | Type::BOX => 32,
        Type::CIRCLE => 24,
        Type::LINE => 24,
        Type::NAME => 64,
        Type::CSTRING => -2,
        _ => match ty.kind() {
            Kind::Enum(_) => 4,
            Kind::Domain(base) => type_size(base),
            _ => -1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int4_array(lower: i32, values: &[Option<i32>]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&1i32.to_be_bytes()); // dimensions
        v.extend_from_slice(&i32::from(values.iter().any(Option::is_none)).to_be_bytes());
        v.extend_from_slice(&Type::INT4.oid().to_be_bytes());
        v.extend_from_slice(&(values.len() as i32).to_be_bytes());
        v.extend_from_slice(&lower.to_be_bytes());
        for value in values {
            match value {
                None => v.extend_from_slice(&(-1i32).to_be_bytes()),
                Some(n) => {
                    v.extend_from_slice(&4i32.to_be_bytes());
                    v.extend_from_slice(&n.to_be_bytes());
                }
            }
        }
        v
    }

    #[test]
    fn scalars_print_as_the_server_prints_them() {
        assert_eq!(text_of(&Type::BOOL, &[1]), "t");
        assert_eq!(text_of(&Type::INT8, &(-5i64).to_be_bytes()), "-5");
        assert_eq!(text_of(&Type::BYTEA, &[0xde, 0xad]), "\\xdead");
        assert_eq!(text_of(&Type::JSONB, b"\x01{\"a\": 1}"), "{\"a\": 1}");
        assert_eq!(text_of(&Type::DATE, &0i32.to_be_bytes()), "2000-01-01");
        assert_eq!(text_of(&Type::TIMESTAMPTZ, &1_500_000i64.to_be_bytes()), "2000-01-01 00:00:01.5+00");
        let mut interval = Vec::new();
        interval.extend_from_slice(&3_600_000_000i64.to_be_bytes());
        interval.extend_from_slice(&2i32.to_be_bytes());
        interval.extend_from_slice(&14i32.to_be_bytes());
        assert_eq!(text_of(&Type::INTERVAL, &interval), "1 year 2 mons 2 days 01:00:00");
    }

    #[test]
    fn arrays_print_as_array_literals() {
        assert_eq!(text_of(&Type::INT4_ARRAY, &int4_array(1, &[Some(1), None, Some(3)])), "{1,NULL,3}");
        assert_eq!(text_of(&Type::INT4_ARRAY, &int4_array(0, &[Some(7), Some(8)])), "[0:1]={7,8}");
    }

    #[test]
    fn array_elements_are_quoted_when_needed() {
        let mut out = String::new();
        for (i, text) in ["a b", "", "null", "x\"y", "plain"].iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_element(text, ',', &mut out);
        }
        assert_eq!(out, r#""a b","","null","x\"y",plain"#);
    }

    #[test]
    fn type_sizes_follow_pg_type() {
        assert_eq!(type_size(&Type::INT4), 4);
        assert_eq!(type_size(&Type::TEXT), -1);
        assert_eq!(type_size(&Type::TIMESTAMPTZ), 8);
        assert_eq!(type_size(&Type::INT4_ARRAY), -1);
    }
}
