//! JSON text written by hand into a byte buffer, handed to JavaScript as one string.
//!
//! Only what the result encoder needs: strings (escaped as `JSON.parse` reads them back to the
//! same JavaScript string), finite numbers (read back to the same `f64`, `-0` included) and raw
//! text that is already JSON.

use napi::bindgen_prelude::ToNapiValue;
use napi::sys;

/// A growing JSON text; remembers whether it is all ASCII, so JavaScript gets it as a one-byte
/// string without UTF-8 decoding.
#[derive(Debug, Default)]
pub struct JsonText {
    bytes: Vec<u8>,
    non_ascii: bool,
}

/// Integers up to this magnitude are exact in an `f64` and written without a fraction.
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

impl JsonText {
    /// An empty text with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        JsonText { bytes: Vec::with_capacity(capacity), non_ascii: false }
    }

    /// Appends JSON punctuation or a literal (`[`, `,`, `null`, …); must be ASCII.
    pub fn raw(&mut self, ascii: &str) {
        debug_assert!(ascii.is_ascii());
        self.bytes.extend_from_slice(ascii.as_bytes());
    }

    /// Appends text that is already one JSON value (a `json`/`jsonb` cell).
    pub fn json(&mut self, json: &str) {
        self.note(json.as_bytes());
        self.bytes.extend_from_slice(json.as_bytes());
    }

    /// Appends `s` as a JSON string.
    pub fn string(&mut self, s: &str) {
        let bytes = s.as_bytes();
        self.note(bytes);
        self.bytes.reserve(bytes.len() + 2);
        self.bytes.push(b'"');
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b >= 0x20 && b != b'"' && b != b'\\' {
                continue;
            }
            self.bytes.extend_from_slice(&bytes[start..i]);
            start = i + 1;
            match b {
                b'"' => self.bytes.extend_from_slice(b"\\\""),
                b'\\' => self.bytes.extend_from_slice(b"\\\\"),
                b'\n' => self.bytes.extend_from_slice(b"\\n"),
                b'\r' => self.bytes.extend_from_slice(b"\\r"),
                b'\t' => self.bytes.extend_from_slice(b"\\t"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    self.bytes.extend_from_slice(b"\\u00");
                    self.bytes.push(HEX[usize::from(b >> 4)]);
                    self.bytes.push(HEX[usize::from(b & 0xf)]);
                }
            }
        }
        self.bytes.extend_from_slice(&bytes[start..]);
        self.bytes.push(b'"');
    }

    /// Appends a finite number (the caller checks finiteness: JSON has no NaN or Infinity).
    pub fn number(&mut self, n: f64) {
        debug_assert!(n.is_finite());
        if n.fract() == 0.0 && n.abs() < MAX_EXACT_INTEGER && !(n == 0.0 && n.is_sign_negative()) {
            self.integer(n as i64);
        } else {
            // Shortest text that reads back to the same f64; never NaN or Infinity here.
            let _ = serde_json::to_writer(&mut self.bytes, &n);
        }
    }

    /// Appends an integer.
    pub fn integer(&mut self, n: i64) {
        let _ = serde_json::to_writer(&mut self.bytes, &n);
    }

    /// Removes a trailing `,` (after the last item of an array or object).
    pub fn trim_comma(&mut self) {
        if self.bytes.last() == Some(&b',') {
            self.bytes.pop();
        }
    }

    /// The bytes written so far.
    #[cfg(test)]
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes).unwrap_or_default()
    }

    fn note(&mut self, bytes: &[u8]) {
        if !self.non_ascii && !bytes.is_ascii() {
            self.non_ascii = true;
        }
    }
}

impl ToNapiValue for JsonText {
    unsafe fn to_napi_value(env: sys::napi_env, text: Self) -> napi::Result<sys::napi_value> {
        let mut out = std::ptr::null_mut();
        let (ptr, len) = (text.bytes.as_ptr().cast(), text.bytes.len() as isize);
        if text.non_ascii {
            napi::check_status!(sys::napi_create_string_utf8(env, ptr, len, &mut out), "could not create a result")?;
        } else {
            // All ASCII: a one-byte string, copied without decoding.
            napi::check_status!(sys::napi_create_string_latin1(env, ptr, len, &mut out), "could not create a result")?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::JsonText;

    fn written(f: impl FnOnce(&mut JsonText)) -> String {
        let mut t = JsonText::default();
        f(&mut t);
        t.as_str().to_string()
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_control_characters() {
        assert_eq!(written(|t| t.string("a\"b\\c\nd\u{1}é")), "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }

    #[test]
    fn integers_are_written_without_a_fraction_and_negative_zero_keeps_its_sign() {
        assert_eq!(written(|t| t.number(42.0)), "42");
        assert_eq!(written(|t| t.number(-0.0)), "-0.0");
        assert_eq!(written(|t| t.number(1.5)), "1.5");
        assert_eq!(written(|t| t.number(1e300)).parse::<f64>().ok(), Some(1e300));
    }

    #[test]
    fn non_ascii_text_is_noted() {
        let mut t = JsonText::default();
        t.string("plain");
        assert!(!t.non_ascii);
        t.json("{\"k\":\"ü\"}");
        assert!(t.non_ascii);
    }
}
