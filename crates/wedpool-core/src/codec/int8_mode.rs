//! How `int8` (bigint) columns come back to JavaScript.

use std::str::FromStr;

use crate::error::PoolError;

/// How `int8` (bigint) columns are returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Int8Mode {
    /// As decimal strings (node-postgres' default; no precision is lost).
    #[default]
    String,
    /// As JavaScript BigInts.
    BigInt,
    /// As numbers (precision is lost above 2^53).
    Number,
}

impl FromStr for Int8Mode {
    type Err = PoolError;
    fn from_str(s: &str) -> Result<Self, PoolError> {
        match s {
            "string" => Ok(Int8Mode::String),
            "bigint" => Ok(Int8Mode::BigInt),
            "number" => Ok(Int8Mode::Number),
            other => Err(PoolError::invalid_config(
                "types.int8",
                format!("must be 'string', 'bigint' or 'number', got {other:?}"),
            )),
        }
    }
}
