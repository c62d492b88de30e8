//! Decoding PostgreSQL's binary results into JavaScript-shaped values, and the text forms of
//! types without a JavaScript counterpart.

pub(crate) mod decode;
pub(crate) mod int8_mode;
pub(crate) mod servertext;
pub(crate) mod textform;
pub(crate) mod value;
