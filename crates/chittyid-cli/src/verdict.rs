//! The verdict on one input line: the parsed ID or the error, its kind name and whether it
//! counts as valid. Shared by `check` and `parse`.

use chittyid::{ChittyId, IdKind, ParseError, ParseOptions};

use crate::lines::MAX_LINE;

/// What one input turned out to be.
pub enum Outcome {
    Id(ChittyId),
    Invalid(ParseError),
    /// Longer than the line limit: certainly not an ID, and not kept in full.
    TooLong {
        len: u64,
    },
}

pub struct Verdict {
    pub outcome: Outcome,
    /// `true` for canonical IDs (and three-digit year-months when lenient).
    pub valid: bool,
    /// `canonical`, `fallback`, `three_digit_year_month`, an error code, or `line_too_long`.
    pub kind: &'static str,
}

/// The kind name of an overlong line.
pub const TOO_LONG: &str = "line_too_long";

pub fn judge(bytes: &[u8], full_len: u64, lenient: bool) -> Verdict {
    if full_len > MAX_LINE as u64 {
        return Verdict {
            outcome: Outcome::TooLong { len: full_len },
            valid: false,
            kind: TOO_LONG,
        };
    }
    let options = ParseOptions::STRICT.with_three_digit_year_month(lenient);
    match ChittyId::parse_with(bytes, options) {
        Ok(id) => Verdict {
            outcome: Outcome::Id(id),
            valid: matches!(id.kind(), IdKind::Canonical | IdKind::ThreeDigitYearMonth),
            kind: id.kind().code(),
        },
        Err(e) => Verdict {
            outcome: Outcome::Invalid(e),
            valid: false,
            kind: e.kind().code(),
        },
    }
}

/// Every kind name a verdict can carry, in a fixed order (for summaries).
pub const KINDS: [&str; 17] = [
    "canonical",
    "fallback",
    "three_digit_year_month",
    "empty",
    "non_ascii_or_space",
    "legacy_format",
    "segment_count",
    "version",
    "region",
    "jurisdiction",
    "sequence",
    "entity_type",
    "year_month",
    "trust_level",
    "checksum_format",
    "checksum_mismatch",
    TOO_LONG,
];

/// The position of a kind name in [`KINDS`].
pub fn kind_slot(kind: &str) -> usize {
    KINDS
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(KINDS.len() - 1)
}
