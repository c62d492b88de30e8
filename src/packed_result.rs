//! A statement's rows as one JSON text, so JavaScript builds them with one `JSON.parse` instead
//! of an N-API call per row, cell and string.
//!
//! Encoded on the runtime thread that ran the statement. Each column is classified first:
//! - plain: every cell is null, a boolean, a finite number, text, or an array of those; written
//!   as JSON (a `json`/`jsonb` value in any other column is text, as node-postgres leaves it);
//! - JSON: a `json`/`jsonb` column (or an array of them) whose cells all arrived as JSON; the
//!   server's JSON text is embedded as it is, so `JSON.parse` yields what parsing each cell did;
//! - dates: every cell is null or a finite instant; written as milliseconds, which the facade
//!   turns into `Date`s;
//! - extra: anything else (bytea, BigInt, infinite dates, NaN, arrays of dates, …): the cells
//!   go to JavaScript the old way, one N-API value each ([`Cell`]), so those types cannot drift.
//!
//! The text is `{"fields":[…],"rows":[[…],…],"dates":[column…],"parsed":[column…]}`, with a
//! `null` in `rows` where an extra column's cell goes.

use wedpool_core::{Field, Value};

use crate::json_text::JsonText;
use crate::values::Cell;

/// `json` and `jsonb`: the facade parses their cells.
const JSON_OIDS: [u32; 2] = [114, 3802];
/// `json[]` and `jsonb[]`: the facade parses the elements.
const JSON_ARRAY_OIDS: [u32; 2] = [199, 3807];

/// How one column's cells are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    /// As JSON; `json` says whether JSON cells are embedded (parsed) rather than written as text.
    Plain { json: bool },
    /// Instants in milliseconds.
    Dates,
    /// One N-API value per cell.
    Extra,
}

/// Rows as JSON text, and the columns that did not fit it.
#[derive(Debug)]
pub struct PackedRows {
    /// The JSON text (see the module's description).
    pub text: JsonText,
    /// Each extra column's index and its cells, in row order.
    pub extras: Vec<(u32, Vec<Cell>)>,
}

/// Results whose text could outgrow this many bytes go value by value: escaping can make text up
/// to six times longer, and V8's longest string is 2^29 - 24 characters.
const MAX_PACKED_TEXT: usize = 64 << 20;

/// Encodes `fields` and `rows`.
pub fn pack_rows(fields: &[Field], rows: Vec<Vec<Value>>) -> PackedRows {
    let columns: Vec<Column> = if rows.iter().flatten().map(text_size).sum::<usize>() > MAX_PACKED_TEXT {
        vec![Column::Extra; fields.len()]
    } else {
        fields.iter().enumerate().map(|(c, f)| classify(f.data_type_id, &rows, c)).collect()
    };
    let mut extras: Vec<(u32, Vec<Cell>)> = columns
        .iter()
        .enumerate()
        .filter(|(_, kind)| **kind == Column::Extra)
        .map(|(c, _)| (c as u32, Vec::with_capacity(rows.len())))
        .collect();
    let mut text = JsonText::with_capacity(64 + 128 * fields.len() + rows.len() * (2 + 24 * fields.len()));
    text.raw("{\"fields\":[");
    for f in fields {
        write_field(&mut text, f);
    }
    text.trim_comma();
    text.raw("],\"rows\":[");
    for row in rows {
        text.raw("[");
        let mut extra = extras.iter_mut();
        for (cell, kind) in row.into_iter().zip(&columns) {
            match kind {
                Column::Plain { json } => write_value(&mut text, &cell, *json),
                Column::Dates => match cell {
                    Value::Date(ms) => text.number(ms),
                    _ => text.raw("null"),
                },
                Column::Extra => {
                    text.raw("null");
                    if let Some((_, cells)) = extra.next() {
                        cells.push(Cell(cell));
                    }
                }
            }
            text.raw(",");
        }
        text.trim_comma();
        text.raw("],");
    }
    text.trim_comma();
    text.raw("],\"dates\":[");
    write_indices(&mut text, &columns, |k| k == Column::Dates);
    text.raw("],\"parsed\":[");
    write_indices(&mut text, &columns, |k| k == Column::Plain { json: true });
    text.raw("]}");
    PackedRows { text, extras }
}

/// The column's kind from its type and every cell in it.
fn classify(oid: u32, rows: &[Vec<Value>], c: usize) -> Column {
    let cells = || rows.iter().filter_map(move |row| row.get(c));
    let json = JSON_OIDS.contains(&oid) || JSON_ARRAY_OIDS.contains(&oid);
    if json && cells().all(|v| embeddable_json(v, JSON_ARRAY_OIDS.contains(&oid))) {
        return Column::Plain { json: true };
    }
    if cells().all(|v| matches!(v, Value::Null | Value::Date(_)))
        && cells().any(|v| matches!(v, Value::Date(_)))
        && cells().all(|v| !matches!(v, Value::Date(ms) if !ms.is_finite()))
    {
        return Column::Dates;
    }
    if cells().all(plain) {
        Column::Plain { json: false }
    } else {
        Column::Extra
    }
}

/// Roughly how many bytes a cell takes as JSON text, before escaping.
fn text_size(value: &Value) -> usize {
    match value {
        Value::Text(s) | Value::Json(s) => s.len() + 3,
        Value::Array(items) => 2 + items.iter().map(text_size).sum::<usize>(),
        _ => 8,
    }
}

/// Whether a cell of a `json`/`jsonb` column (`array`: of a `json[]`/`jsonb[]` column) is null or
/// arrived as JSON all through, so embedding its text gives what the facade's parse gave.
fn embeddable_json(value: &Value, array: bool) -> bool {
    match value {
        Value::Null | Value::Json(_) => true,
        Value::Array(items) => array && items.iter().all(|v| embeddable_json(v, true)),
        _ => false,
    }
}

/// Whether a cell can be written as JSON and read back unchanged.
fn plain(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::Text(_) | Value::Json(_) => true,
        Value::Number(n) => n.is_finite(),
        Value::Array(items) => items.iter().all(plain),
        Value::BigInt(_) | Value::Bytes(_) | Value::Date(_) => false,
    }
}

/// Writes a plain cell; with `json`, JSON text is embedded instead of written as a string.
fn write_value(text: &mut JsonText, value: &Value, json: bool) {
    match value {
        Value::Null => text.raw("null"),
        Value::Bool(true) => text.raw("true"),
        Value::Bool(false) => text.raw("false"),
        Value::Number(n) => text.number(*n),
        Value::Text(s) => text.string(s),
        Value::Json(s) if json => text.json(s),
        Value::Json(s) => text.string(s),
        Value::Array(items) => {
            text.raw("[");
            for item in items {
                write_value(text, item, json);
                text.raw(",");
            }
            text.trim_comma();
            text.raw("]");
        }
        // Classified as extra, never written here.
        Value::BigInt(_) | Value::Bytes(_) | Value::Date(_) => text.raw("null"),
    }
}

/// Writes a column description as node-postgres's field object, and a `,`.
fn write_field(text: &mut JsonText, f: &Field) {
    text.raw("{\"name\":");
    text.string(&f.name);
    text.raw(",\"tableID\":");
    text.integer(i64::from(f.table_id));
    text.raw(",\"columnID\":");
    text.integer(i64::from(f.column_id));
    text.raw(",\"dataTypeID\":");
    text.integer(i64::from(f.data_type_id));
    text.raw(",\"dataTypeSize\":");
    text.integer(i64::from(f.data_type_size));
    text.raw(",\"dataTypeModifier\":");
    text.integer(i64::from(f.data_type_modifier));
    text.raw(",\"format\":\"text\"},");
}

fn write_indices(text: &mut JsonText, columns: &[Column], pick: impl Fn(Column) -> bool) {
    for (c, kind) in columns.iter().enumerate() {
        if pick(*kind) {
            text.integer(c as i64);
            text.raw(",");
        }
    }
    text.trim_comma();
}

#[cfg(test)]
mod tests {
    use wedpool_core::{Field, Value};

    use super::pack_rows;

    fn field(name: &str, oid: u32) -> Field {
        Field {
            name: name.into(),
            table_id: 0,
            column_id: 0,
            data_type_id: oid,
            data_type_size: -1,
            data_type_modifier: -1,
        }
    }

    #[test]
    fn plain_dates_and_json_columns_are_written_as_json() {
        let fields = [field("t", 25), field("d", 1184), field("j", 3802), field("n", 701)];
        let rows = vec![
            vec![Value::Text("a\"b".into()), Value::Date(1.5), Value::Json("{\"k\":[1]}".into()), Value::Number(2.0)],
            vec![Value::Null, Value::Null, Value::Null, Value::Number(-0.5)],
        ];
        let packed = pack_rows(&fields, rows);
        assert!(packed.extras.is_empty());
        let text = packed.text.as_str();
        assert!(text.ends_with(r#""rows":[["a\"b",1.5,{"k":[1]},2],[null,null,null,-0.5]],"dates":[1],"parsed":[2]}"#));
        assert!(text.starts_with(r#"{"fields":[{"name":"t","tableID":0,"columnID":0,"dataTypeID":25,"#));
    }

    #[test]
    fn a_column_with_one_cell_json_cannot_carry_travels_as_extra_values() {
        let fields = [field("f", 701), field("d", 1184), field("b", 17)];
        let rows = vec![
            vec![Value::Number(1.0), Value::Date(f64::INFINITY), Value::Bytes(vec![1])],
            vec![Value::Number(f64::NAN), Value::Date(2.0), Value::Null],
        ];
        let packed = pack_rows(&fields, rows);
        assert!(packed
            .text
            .as_str()
            .ends_with(r#""rows":[[null,null,null],[null,null,null]],"dates":[],"parsed":[]}"#));
        let columns: Vec<(u32, usize)> = packed.extras.iter().map(|(c, cells)| (*c, cells.len())).collect();
        assert_eq!(columns, [(0, 2), (1, 2), (2, 2)]);
    }

    #[test]
    fn a_result_too_large_for_one_string_travels_value_by_value() {
        let big = "x".repeat(1 << 20);
        let rows = (0..65).map(|_| vec![Value::Text(big.clone()), Value::Number(1.0)]).collect();
        let packed = pack_rows(&[field("t", 25), field("n", 23)], rows);
        assert_eq!(packed.extras.len(), 2);
        assert!(packed.text.as_str().len() < 2000);
    }

    #[test]
    fn json_text_in_a_column_that_is_not_json_stays_a_string() {
        let packed = pack_rows(&[field("v", 25)], vec![vec![Value::Json("{\"k\":1}".into())]]);
        assert!(packed.text.as_str().ends_with(r#""rows":[["{\"k\":1}"]],"dates":[],"parsed":[]}"#));
    }
}
