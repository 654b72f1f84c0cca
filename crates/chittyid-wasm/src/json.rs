//! A minimal JSON object writer, so that the module needs no serializer: the records are
//! a handful of fixed fields, and JavaScript reads them back with `TextDecoder` and
//! `JSON.parse`. It writes bytes: input text goes out as it came in, with no UTF-8
//! validation in the module (the decoder replaces any invalid byte with U+FFFD).

use alloc::vec::Vec;

/// One JSON object being written into a buffer; [`Obj::end`] closes it.
pub struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object at the end of `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        string(self.out, key.as_bytes());
        self.out.push(b':');
        self.out
    }

    /// A string field.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
        self.text(key, value.as_bytes())
    }

    /// A string field from bytes (UTF-8, as the input was).
    pub fn text(&mut self, key: &str, value: &[u8]) -> &mut Self {
        let out = self.key(key);
        string(out, value);
        self
    }

    /// A string field, or `null`.
    pub fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.str(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// A field written as it is: `null`, or a literal built with [`digits`].
    pub fn raw(&mut self, key: &str, value: &str) -> &mut Self {
        self.key(key).extend_from_slice(value.as_bytes());
        self
    }

    /// A number field.
    pub fn num(&mut self, key: &str, value: u64) -> &mut Self {
        digits(self.key(key), value, 1);
        self
    }

    /// A boolean field.
    pub fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.raw(key, if value { "true" } else { "false" })
    }

    /// A nested object field.
    pub fn obj(&mut self, key: &str) -> Obj<'_> {
        Obj::new(self.key(key))
    }

    /// An array field whose elements the caller writes, comma-separated, with `items`.
    pub fn array(&mut self, key: &str, items: &[u8]) -> &mut Self {
        let out = self.key(key);
        out.push(b'[');
        out.extend_from_slice(items);
        out.push(b']');
        self
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push(b'}');
    }
}

/// `value` in decimal, with leading zeros up to `width` digits (`{:0width$}`), written
/// without the formatting machinery, which would cost the module a kilobyte.
pub fn digits(out: &mut Vec<u8>, mut value: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut at = buf.len();
    while value > 0 || at == buf.len() {
        at -= 1;
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    let start = at.min(buf.len().saturating_sub(width));
    out.extend_from_slice(buf.get(start..).unwrap_or_default());
}

/// `value` in decimal with `width` digits at least.
pub fn padded(value: u64, width: usize) -> Vec<u8> {
    let mut out = Vec::new();
    digits(&mut out, value, width);
    out
}

/// `value` as a JSON string literal.
pub fn string(out: &mut Vec<u8>, value: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    for &b in value {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..0x20 => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 15)]);
            }
            b => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn text(out: Vec<u8>) -> String {
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_and_nests() {
        let mut out = Vec::new();
        let mut o = Obj::new(&mut out);
        o.str("a\"", "x\\\n\u{1}é").num("n", 3).opt_str("s", None);
        let mut inner = o.obj("e");
        inner.bool("t", true);
        inner.end();
        o.array("l", b"1,2");
        o.end();
        assert_eq!(
            text(out),
            r#"{"a\"":"x\\\n\u0001é","n":3,"s":null,"e":{"t":true},"l":[1,2]}"#
        );
    }

    #[test]
    fn digits_pad_like_format() {
        for (value, width) in [(0, 1), (0, 4), (7, 2), (38, 2), (1234, 2), (u64::MAX, 4)] {
            assert_eq!(text(padded(value, width)), std::format!("{value:0width$}"));
        }
    }
}
