//! Values between JavaScript and PostgreSQL. Parameters arrive already serialised by
//! `ts/params.ts` (text, a Buffer, or null); results go as JSON text (`src/packed_result.rs`),
//! with the cells that do not fit it as JS values built here.

use napi::bindgen_prelude::{BigInt, Buffer, Either, ToNapiValue};
use napi::sys;
use napi_derive::napi;
use wedpool_core::{Param, QueryResult, Value};

use crate::json_text::JsonText;
use crate::packed_result::{pack_rows, PackedRows};

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

/// One column that did not fit the JSON text: its index and one value per row.
#[derive(Debug)]
#[napi(object, object_from_js = false)]
pub struct NativeExtraColumn {
    /// The column's index.
    pub column: u32,
    /// Its cells, in row order.
    #[napi(ts_type = "unknown[]")]
    pub cells: Vec<Cell>,
}

/// A statement's result; `ts/results.ts` unpacks it.
#[derive(Debug)]
#[napi(object, object_from_js = false)]
pub struct NativeResult {
    /// `SELECT`, `INSERT`, …
    pub command: String,
    /// Rows returned or affected; absent when the command tag has no count (DDL, `BEGIN`, …).
    pub row_count: Option<f64>,
    /// Fields and rows as JSON text (`src/packed_result.rs`).
    #[napi(ts_type = "string")]
    pub packed: JsonText,
    /// Columns whose cells are not in `packed` (bytea, BigInt, …).
    pub extras: Option<Vec<NativeExtraColumn>>,
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
        let PackedRows { text, extras } = pack_rows(&r.fields, r.rows);
        NativeResult {
            command: r.command,
            row_count: r.row_count.map(|n| n as f64),
            packed: text,
            extras: (!extras.is_empty())
                .then(|| extras.into_iter().map(|(column, cells)| NativeExtraColumn { column, cells }).collect()),
            checkout: None,
        }
    }
}
