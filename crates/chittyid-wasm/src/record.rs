//! The records the CLI prints, written as JSON: `check --json`'s verdict (without `id`),
//! `parse --json`'s components, and `check --summary --json`'s counts with the invalid
//! lines. Field names and kind codes come from the core, as the CLI's do.

use alloc::string::ToString;
use alloc::vec::Vec;

use chittyid::{ChittyId, IdKind, ParseError, ParseOptions};

use crate::json::{Obj, digits, padded};

/// The longest input judged as an ID candidate, in UTF-8 bytes: the CLI's line limit.
/// Longer inputs are `line_too_long`, as in `chittyid check`.
pub const MAX_LINE: usize = 64 * 1024;

/// The kind code of inputs longer than [`MAX_LINE`] (the CLI's).
pub const TOO_LONG: &str = "line_too_long";

/// What one input is.
pub enum Verdict {
    Id(ChittyId),
    Invalid(ParseError),
    TooLong(u64),
}

impl Verdict {
    /// The verdict on `input`, in strict mode, as `chittyid check` gives it.
    pub fn of(input: &[u8]) -> Verdict {
        if input.len() > MAX_LINE {
            return Verdict::TooLong(input.len() as u64);
        }
        match ChittyId::parse_with(input, ParseOptions::STRICT) {
            Ok(id) => Verdict::Id(id),
            Err(e) => Verdict::Invalid(e),
        }
    }

    /// Whether it counts as valid: canonical IDs only (fallbacks are pending).
    pub fn valid(&self) -> bool {
        matches!(self, Verdict::Id(id) if is_valid(id.kind()))
    }

    /// The kind code: `canonical`, `fallback`, an error code, or `line_too_long`.
    pub fn kind(&self) -> &'static str {
        match self {
            Verdict::Id(id) => id.kind().code(),
            Verdict::Invalid(e) => e.kind().code(),
            Verdict::TooLong(_) => TOO_LONG,
        }
    }

    /// The fields of `check --json` after `id`: `valid`, `kind`, then `fallback` or
    /// `error` when they apply.
    pub fn write_fields(&self, o: &mut Obj<'_>) {
        o.bool("valid", self.valid()).str("kind", self.kind());
        match self {
            Verdict::Id(id) => {
                if let Some(code) = id.fallback_code() {
                    let mut f = o.obj("fallback");
                    fallback_fields(&mut f, code);
                    f.end();
                }
            }
            _ => self.write_error(o),
        }
    }

    /// The `error` field of an input that is not an ID; nothing for an ID.
    pub fn write_error(&self, o: &mut Obj<'_>) {
        match self {
            Verdict::Id(_) => {}
            Verdict::Invalid(e) => write_error(o, e),
            Verdict::TooLong(len) => {
                let mut e = o.obj("error");
                let mut message = Vec::from(*b"a line of ");
                digits(&mut message, *len, 1);
                message.extend_from_slice(b" bytes is not an ID");
                e.str("code", TOO_LONG)
                    .raw("segment", "null")
                    .num("offset", 0)
                    .text("message", &message)
                    .str("expected", "an ID of at most 25 bytes");
                e.end();
            }
        }
    }
}

fn is_valid(kind: IdKind) -> bool {
    kind == IdKind::Canonical
}

fn fallback_fields(o: &mut Obj<'_>, code: chittyid::FallbackCode) {
    o.text("code", &padded(code.get().into(), 4))
        .opt_str("name", code.name());
}

/// `error: {code, segment, offset, message, expected}` of a parse error.
pub fn write_error(o: &mut Obj<'_>, error: &ParseError) {
    let mut e = o.obj("error");
    e.str("code", error.kind().code())
        .opt_str("segment", error.segment().map(|s| s.name()))
        .num("offset", error.offset() as u64)
        .str("message", &error.to_string())
        .str("expected", error.expected().describe());
    e.end();
}

/// `chittyid parse --json`'s record of a parsed ID.
pub fn write_parsed(out: &mut Vec<u8>, id: ChittyId) {
    let buf = id.to_buf();
    let text = buf.as_bytes();
    // Segments of the text form: VV-G-LLL-SSSS-T-YYMM-C-XX (YYM when three-digit).
    let part = |n: usize| text.split(|&b| b == b'-').nth(n).unwrap_or_default();
    let mut o = Obj::new(out);
    o.text("id", text)
        .bool("valid", is_valid(id.kind()))
        .str("kind", id.kind().code());
    let ym = id.year_month();
    let mut c = o.obj("components");
    c.text("version", part(0))
        .text("region", part(1))
        .str("regionName", id.region().name())
        .text("jurisdiction", part(2))
        .text("sequential", part(3))
        .text("entityType", part(4))
        .str("entityName", id.entity_type().name())
        .text("yearMonth", part(5))
        .num("year", 2000 + u64::from(ym.year()));
    match ym.month() {
        Some(month) => c.num("month", month.into()),
        None => c.raw("month", "null"),
    };
    c.num("trustLevel", id.trust_level().digit().into())
        .str("trustName", id.trust_level().name())
        .text("checksum", part(7));
    c.end();
    if let Some(code) = id.fallback_code() {
        let mut f = o.obj("fallback");
        fallback_fields(&mut f, code);
        f.bool("pending", true);
        f.end();
    }
    o.end();
}
