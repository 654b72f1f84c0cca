//! `checkMany`: newline-separated IDs judged in one call, as `chittyid check --summary
//! --json` counts them, plus a record for every line that is not valid.

use alloc::vec::Vec;

use crate::json::Obj;
use crate::record::{MAX_LINE, Verdict};

/// Counts by kind code, in order of first appearance (at most a few dozen kinds).
#[derive(Default)]
struct Tally {
    canonical: u64,
    others: Vec<(&'static str, u64)>,
}

impl Tally {
    fn add(&mut self, kind: &'static str) {
        match self.others.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, n)) => *n += 1,
            None => self.others.push((kind, 1)),
        }
    }
}

/// The lines of `text` as `chittyid check` reads a file: split at `\n`, a `\r` before it
/// dropped (unless the line is over the limit), and no line after a final `\n`.
pub fn lines(text: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = text.strip_suffix(b"\n").unwrap_or(text);
    let count = if text.is_empty() { 0 } else { usize::MAX };
    body.split(|&b| b == b'\n')
        .take(count)
        .map(|raw| match raw.strip_suffix(b"\r") {
            Some(line) if raw.len() <= MAX_LINE => line,
            _ => raw,
        })
}

/// The summary of `text`, numbering its lines from `first_line`:
/// `{total, valid, invalid, kinds: {kind: count}, invalidLines: [{line, text, valid,
/// kind, error | fallback}]}`.
pub fn check_many(text: &[u8], first_line: u64) -> Vec<u8> {
    let mut tally = Tally::default();
    let mut invalid = Vec::new();
    let mut total = 0u64;
    for (n, line) in lines(text).enumerate() {
        total += 1;
        let verdict = Verdict::of(line);
        if verdict.valid() {
            tally.canonical += 1;
            continue;
        }
        tally.add(verdict.kind());
        if !invalid.is_empty() {
            invalid.push(b',');
        }
        let mut o = Obj::new(&mut invalid);
        o.num("line", first_line + n as u64)
            .text("text", shown(line));
        verdict.write_fields(&mut o);
        o.end();
    }
    let mut out = Vec::with_capacity(invalid.len() + 200);
    let mut o = Obj::new(&mut out);
    let bad: u64 = tally.others.iter().map(|(_, n)| n).sum();
    o.num("total", total)
        .num("valid", tally.canonical)
        .num("invalid", bad);
    let mut kinds = o.obj("kinds");
    if tally.canonical > 0 {
        kinds.num(chittyid::IdKind::Canonical.code(), tally.canonical);
    }
    for (kind, n) in &tally.others {
        kinds.num(kind, *n);
    }
    kinds.end();
    o.array("invalidLines", &invalid);
    o.end();
    out
}

/// The text shown for a line: whole, or its first 64 bytes when it is over the limit
/// (as the CLI's `id` field); invalid UTF-8 (never from `TextEncoder`) as U+FFFD.
pub fn shown(line: &[u8]) -> &[u8] {
    if line.len() <= MAX_LINE {
        line
    } else {
        prefix(line)
    }
}

/// The first 64 bytes of `line`, cut back to a character boundary.
pub fn prefix(line: &[u8]) -> &[u8] {
    // Back to the start of the character that byte 64 is in (continuation bytes are
    // 0b10xx_xxxx), as `str::floor_char_boundary(64)`.
    let mut end = 64;
    while end > 0 && line.get(end).is_some_and(|&b| b & 0xC0 == 0x80) {
        end -= 1;
    }
    line.get(..end).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::String;

    fn quoted(text: &str) -> String {
        let mut out = Vec::new();
        crate::json::string(&mut out, text.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn overlong_lines_show_64_bytes_cut_at_a_character() {
        let line = "é".repeat(40_000);
        assert_eq!(shown(line.as_bytes()), "é".repeat(32).as_bytes());
        let line = format!("a{}", "é".repeat(40_000));
        assert_eq!(shown(line.as_bytes()).len(), 63);
    }

    #[test]
    fn splits_like_the_cli() {
        let got: Vec<&[u8]> = lines(b"a\r\nbb\n\nccc").collect();
        assert_eq!(got, [&b"a"[..], b"bb", b"", b"ccc"]);
        assert_eq!(lines(b"").count(), 0);
        assert_eq!(lines(b"x\n").count(), 1);
        assert_eq!(lines(b"\n").count(), 1);
        assert_eq!(lines(b"\n\n").count(), 2);
    }

    #[test]
    fn counts_and_lists_invalid_lines() {
        let text = "03-1-USA-5537-P-2602-0-38\n03-1-USA-5537-P-2602-0-39\n\n";
        let out = String::from_utf8(check_many(text.as_bytes(), 1)).unwrap();
        assert!(out.starts_with(r#"{"total":3,"valid":1,"invalid":2,"kinds":{"canonical":1,"checksum_mismatch":1,"empty":1},"#), "{out}");
        assert!(out.contains(r#"{"line":2,"text":"03-1-USA-5537-P-2602-0-39","valid":false,"kind":"checksum_mismatch","error":{"code":"checksum_mismatch","segment":"checksum""#), "{out}");
        assert!(
            out.contains(&format!(
                r#"{{"line":3,"text":{},"valid":false,"kind":"empty""#,
                quoted("")
            )),
            "{out}"
        );
    }
}
