//! Values between JavaScript and PostgreSQL. Parameters arrive already serialised by
//! `ts/params.ts` (text, a Buffer, or null); result cells become JS values here.

use napi::bindgen_prelude::{BigInt, Buffer, Either, ToNapiValue};
use napi::sys;
use napi_derive::napi;
use wedpool_core::{Param, QueryResult, Value};

/// A parameter as the facade serialised it.
pub type JsParam = Option<Either<String, Buffer>>;

/// Converts serialised parameters.
pub fn params_from_js(params: Vec<JsParam>) -> Vec<Param> {
    params
        .into_iter()
        .map(|p| match p {
            None => Param::Null,
            Some(Either::A(text)) => Param::Text(text),
            Some(Either::B(bytes)) => Param::Binary(bytes.to_vec()),
        })
        .collect()
}

/// One result cell on its way to JavaScript.
#[derive(Debug)]
pub struct Cell(pub Value);

impl ToNapiValue for Cell {
    unsafe fn to_napi_value(env: sys::napi_env, cell: Self) -> napi::Result<sys::napi_value> {
        match cell.0 {
            Value::Null => ToNapiValue::to_napi_value(env, napi::bindgen_prelude::Null),
            Value::Bool(b) => ToNapiValue::to_napi_value(env, b),
            Value::Number(n) => ToNapiValue::to_napi_value(env, n),
            Value::BigInt(n) => ToNapiValue::to_napi_value(env, BigInt::from(n)),
            Value::Text(s) | Value::Json(s) => ToNapiValue::to_napi_value(env, s),
            Value::Bytes(b) => ToNapiValue::to_napi_value(env, Buffer::from(b)),
            Value::Date(ms) if ms.is_finite() => {
                let mut out = std::ptr::null_mut();
                napi::check_status!(sys::napi_create_date(env, ms, &mut out), "could not create a Date")?;
                Ok(out)
            }
            Value::Date(ms) => ToNapiValue::to_napi_value(env, ms),
            Value::Array(items) => ToNapiValue::to_napi_value(env, items.into_iter().map(Cell).collect::<Vec<_>>()),
        }
    }
}

/// A result column, as node-postgres describes one.
#[derive(Debug)]
#[napi(object)]
pub struct NativeField {
    /// Column name.
    pub name: String,
    /// Table OID (0 when computed).
    #[napi(js_name = "tableID")]
    pub table_id: u32,
    /// Column number in that table (0 when computed).
    #[napi(js_name = "columnID")]
    pub column_id: i32,
    /// Type OID.
    #[napi(js_name = "dataTypeID")]
    pub data_type_id: u32,
    /// The type's size in bytes (-1 variable length).
    pub data_type_size: i32,
    /// The type modifier (-1 when none).
    pub data_type_modifier: i32,
    /// `'text'`: values arrive as node-postgres's text-format results would.
    pub format: String,
}

/// A statement's result with rows as arrays; the facade shapes them.
#[derive(Debug)]
#[napi(object, object_from_js = false)]
pub struct NativeResult {
    /// `SELECT`, `INSERT`, …
    pub command: String,
    /// Rows returned or affected; absent when the command tag has no count (DDL, `BEGIN`, …).
    pub row_count: Option<f64>,
    /// Columns.
    pub fields: Vec<NativeField>,
    /// Rows as arrays of cells.
    #[napi(ts_type = "unknown[][]")]
    pub rows: Vec<Vec<Cell>>,
    /// The checkout the statement ran on (observed `pool.query` only, for tracing).
    pub checkout: Option<NativeCheckout>,
}

/// The checkout a statement ran on: what a tracing span reports.
#[derive(Debug)]
#[napi(object)]
pub struct NativeCheckout {
    /// The caller's priority.
    pub priority: i64,
    /// Whether the connection was an emergency slot.
    pub reserved: bool,
    /// How long the caller waited, in ms.
    pub waited_millis: f64,
}

impl From<wedpool_core::CheckoutInfo> for NativeCheckout {
    fn from(c: wedpool_core::CheckoutInfo) -> Self {
        NativeCheckout { priority: c.priority, reserved: c.reserved, waited_millis: c.waited.as_secs_f64() * 1000.0 }
    }
}

impl From<QueryResult> for NativeResult {
    fn from(r: QueryResult) -> Self {
        NativeResult {
            command: r.command,
            row_count: r.row_count.map(|n| n as f64),
            fields: r
                .fields
                .into_iter()
                .map(|f| NativeField {
                    name: f.name,
                    table_id: f.table_id,
                    column_id: f.column_id as i32,
                    data_type_id: f.data_type_id,
                    data_type_size: i32::from(f.data_type_size),
                    data_type_modifier: f.data_type_modifier,
                    format: "text".to_string(),
                })
                .collect(),
            rows: r.rows.into_iter().map(|row| row.into_iter().map(Cell).collect()).collect(),
            checkout: None,
        }
    }
}
