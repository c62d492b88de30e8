//! Decoding PostgreSQL's binary results into JavaScript-shaped values, and the text forms of
//! types without a JavaScript counterpart.

pub(crate) mod decode;
pub(crate) mod textform;
