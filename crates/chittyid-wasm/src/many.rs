//! `checkMany`: newline-separated IDs judged in one call, as `chittyid check --summary
//! --json` counts them, plus a record for every line that is not valid.

use alloc::string::String;
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
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split_terminator('\n')
        .map(|raw| match raw.strip_suffix('\r') {
            Some(line) if raw.len() <= MAX_LINE => line,
            _ => raw,
        })
}

/// The summary of `text`, numbering its lines from `first_line`:
/// `{total, valid, invalid, kinds: {kind: count}, invalidLines: [{line, text, valid,
/// kind, error | fallback}]}`.
pub fn check_many(text: &str, first_line: u64) -> String {
    let mut tally = Tally::default();
    let mut invalid = String::new();
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
            invalid.push(',');
        }
        let mut o = Obj::new(&mut invalid);
        o.num("line", first_line + n as u64)
            .str("text", shown(line));
        verdict.write_fields(&mut o);
        o.end();
    }
    let mut out = String::with_capacity(invalid.len() + 200);
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
/// (as the CLI's `id` field).
pub fn shown(line: &str) -> &str {
    if line.len() > MAX_LINE {
        shown_prefix(line)
    } else {
        line
    }
}

/// The first 64 bytes of `text`, cut back to a character boundary.
pub fn shown_prefix(text: &str) -> &str {
    text.get(..text.floor_char_boundary(64)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(text: &str) -> String {
        let mut out = String::new();
        crate::json::string(&mut out, text);
        out
    }

    #[test]
    fn splits_like_the_cli() {
        let got: Vec<&str> = lines("a\r\nbb\n\nccc").collect();
        assert_eq!(got, ["a", "bb", "", "ccc"]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("x\n").count(), 1);
        assert_eq!(lines("\n").count(), 1);
    }

    #[test]
    fn counts_and_lists_invalid_lines() {
        let text = "03-1-USA-5537-P-2602-0-38\n03-1-USA-5537-P-2602-0-39\n\n";
        let out = check_many(text, 1);
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
