//! How verdicts are shown: a line for people (with a caret under the offending byte) and a
//! JSON object for programs.

use std::borrow::Cow;
use std::io::{self, Write};

use chittyid::{ChittyId, IdKind, ParseError};
use serde::Serialize;

use crate::verdict::{Outcome, Verdict};

/// The input made printable, and the column at which byte `offset` appears in it.
pub fn printable(input: &[u8], offset: usize) -> (String, usize) {
    let mut out = String::with_capacity(input.len());
    let mut column = None;
    let mut at = 0usize;
    let mark = |at: usize, out: &String, column: &mut Option<usize>| {
        if column.is_none() && at >= offset {
            *column = Some(out.chars().count());
        }
    };
    for chunk in input.utf8_chunks() {
        for c in chunk.valid().chars() {
            mark(at, &out, &mut column);
            if c.is_control() || (c.is_whitespace() && c != ' ') || !c.is_ascii() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
            at += c.len_utf8();
        }
        for &b in chunk.invalid() {
            mark(at, &out, &mut column);
            out.push_str(&format!("\\x{b:02X}"));
            at += 1;
        }
    }
    let end = out.chars().count();
    (out, column.unwrap_or(end))
}

/// One verdict for people: a mark, the input, the kind, and for errors the reason with a
/// caret under the offending position.
pub fn human(out: &mut impl Write, input: &[u8], verdict: &Verdict) -> io::Result<()> {
    match &verdict.outcome {
        Outcome::Id(id) => match id.kind() {
            IdKind::Fallback(code) => writeln!(
                out,
                "! {id}  fallback ({code}): a placeholder pending replacement, not a final ID"
            ),
            IdKind::ThreeDigitYearMonth => writeln!(
                out,
                "{} {id}  three-digit year-month (old format, accepted leniently)",
                if verdict.valid { "✓" } else { "✗" }
            ),
            IdKind::Canonical => writeln!(out, "✓ {id}  canonical"),
        },
        Outcome::Invalid(error) => {
            let (shown, column) = printable(input, error.offset());
            let title = if input.is_empty() {
                "(empty line)"
            } else {
                &shown
            };
            writeln!(out, "✗ {title}  {}", verdict.kind)?;
            writeln!(out, "  {shown}")?;
            writeln!(out, "  {:column$}^ {error}", "")
        }
        Outcome::TooLong { len } => {
            let (shown, _) = printable(&input[..input.len().min(40)], 0);
            writeln!(
                out,
                "✗ {shown}…  {}: a line of {len} bytes is not an ID",
                verdict.kind
            )
        }
    }
}

#[derive(Serialize)]
struct ErrorRecord {
    code: &'static str,
    segment: Option<&'static str>,
    offset: usize,
    message: String,
    expected: &'static str,
}

impl ErrorRecord {
    fn of(error: &ParseError) -> Self {
        ErrorRecord {
            code: error.kind().code(),
            segment: error.segment().map(|s| s.name()),
            offset: error.offset(),
            message: error.to_string(),
            expected: error.expected().describe(),
        }
    }
}

#[derive(Serialize)]
struct FallbackRecord {
    code: String,
    name: Option<&'static str>,
}

/// The JSON object of one verdict: `id`, `valid`, `kind`, and `fallback` or `error` when
/// they apply. `validate` adds its own fields to it.
#[derive(Serialize)]
pub struct Record<'a> {
    id: Cow<'a, str>,
    /// Whether the command counts the input as valid.
    pub valid: bool,
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fallback: Option<FallbackRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorRecord>,
}

fn fallback_record(id: &ChittyId) -> Option<FallbackRecord> {
    id.fallback_code().map(|code| FallbackRecord {
        code: format!("{:04}", code.get()),
        name: code.name(),
    })
}

/// The record of one verdict on `input`.
pub fn record<'a>(input: &'a [u8], verdict: &Verdict) -> Record<'a> {
    let id = String::from_utf8_lossy(input);
    let (fallback, error) = match &verdict.outcome {
        Outcome::Id(parsed) => (fallback_record(parsed), None),
        Outcome::Invalid(e) => (None, Some(ErrorRecord::of(e))),
        Outcome::TooLong { len } => {
            let record = ErrorRecord {
                code: verdict.kind,
                segment: None,
                offset: 0,
                message: format!("a line of {len} bytes is not an ID"),
                expected: "an ID of at most 25 bytes",
            };
            (None, Some(record))
        }
    };
    let id = match (&verdict.outcome, id) {
        (Outcome::TooLong { .. }, Cow::Borrowed(id)) => {
            Cow::Borrowed(&id[..id.floor_char_boundary(64)])
        }
        (Outcome::TooLong { .. }, Cow::Owned(mut id)) => {
            id.truncate(id.floor_char_boundary(64));
            Cow::Owned(id)
        }
        (_, id) => id,
    };
    Record {
        id,
        valid: verdict.valid,
        kind: verdict.kind,
        fallback,
        error,
    }
}

/// One verdict as one line of JSON.
pub fn json(out: &mut impl Write, input: &[u8], verdict: &Verdict) -> io::Result<()> {
    line(out, &record(input, verdict))
}

/// Any record as one line of JSON.
pub fn line(out: &mut impl Write, record: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, record)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn caret_column_counts_escapes() {
        assert_eq!(printable(b"03-1", 3), ("03-1".to_string(), 3));
        let (shown, column) = printable("0\u{2010}1".as_bytes(), 4);
        assert_eq!(shown, "0\\u{2010}1");
        assert_eq!(column, 9);
        assert_eq!(printable(b"a\xffb", 1), ("a\\xFFb".to_string(), 1));
        assert_eq!(printable(b"ab", 2).1, 2);
    }
}
