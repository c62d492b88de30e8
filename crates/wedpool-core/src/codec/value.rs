//! A decoded cell, shaped like the value node-postgres returns.

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
