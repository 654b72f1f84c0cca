//! A minimal JSON object writer, so that the module needs no serializer: the records are
//! a handful of fixed fields, and JavaScript reads them back with `JSON.parse`.

use alloc::string::String;

/// One JSON object being written into a `String`; [`Obj::end`] closes it.
pub struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Opens an object at the end of `out`.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Obj { out, first: true }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        string(self.out, key);
        self.out.push(':');
        self.out
    }

    /// A string field.
    pub fn str(&mut self, key: &str, value: &str) -> &mut Self {
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
        self.key(key).push_str(value);
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
    pub fn array(&mut self, key: &str, items: &str) -> &mut Self {
        let out = self.key(key);
        out.push('[');
        out.push_str(items);
        out.push(']');
        self
    }

    /// Closes the object.
    pub fn end(self) {
        self.out.push('}');
    }
}

/// `value` in decimal, with leading zeros up to `width` digits (`{:0width$}`), written
/// without the formatting machinery, which would cost the module a kilobyte.
pub fn digits(out: &mut String, mut value: u64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut at = buf.len();
    while value > 0 || at == buf.len() {
        at -= 1;
        buf[at] = b'0' + (value % 10) as u8;
        value /= 10;
    }
    let start = at.min(buf.len().saturating_sub(width));
    for &b in buf.get(start..).unwrap_or_default() {
        out.push(char::from(b));
    }
}

/// `value` in decimal with `width` digits at least, as a new string.
pub fn padded(value: u64, width: usize) -> String {
    let mut out = String::new();
    digits(&mut out, value, width);
    out
}

/// `value` as a JSON string literal.
pub fn string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let n = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[n >> 4]));
                out.push(char::from(HEX[n & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn escapes_and_nests() {
        let mut out = String::new();
        let mut o = Obj::new(&mut out);
        o.str("a\"", "x\\\n\u{1}é").num("n", 3).opt_str("s", None);
        let mut inner = o.obj("e");
        inner.bool("t", true);
        inner.end();
        o.array("l", "1,2");
        o.end();
        assert_eq!(
            out,
            r#"{"a\"":"x\\\n\u0001é","n":3,"s":null,"e":{"t":true},"l":[1,2]}"#
        );
    }

    #[test]
    fn digits_pad_like_format() {
        for (value, width) in [(0, 1), (0, 4), (7, 2), (38, 2), (1234, 2), (u64::MAX, 4)] {
            assert_eq!(padded(value, width), std::format!("{value:0width$}"));
        }
    }
}
