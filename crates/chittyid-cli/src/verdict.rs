//! The verdict on one input line: the parsed ID or the error, its kind name and whether it
//! counts as valid. Shared by `check` and `parse`.

use std::sync::OnceLock;

use chittyid::{ChittyId, ErrorKind, IdKind, ParseError, ParseOptions};

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

/// Every kind name a verdict can carry, in a fixed order (for summaries): the ID kinds,
/// each code of the core's [`ErrorKind::ALL`] once, then [`TOO_LONG`]. Taken from the
/// core, so that a new error kind is counted under its own name.
pub fn kinds() -> &'static [&'static str] {
    static KINDS: OnceLock<Vec<&'static str>> = OnceLock::new();
    KINDS.get_or_init(|| {
        let mut kinds = vec!["canonical", "fallback", "three_digit_year_month"];
        for code in ErrorKind::ALL.map(ErrorKind::code) {
            if !kinds.contains(&code) {
                kinds.push(code);
            }
        }
        kinds.push(TOO_LONG);
        kinds
    })
}

/// The position of a kind name in [`kinds`] (an unknown name counts as the last).
pub fn kind_slot(kind: &str) -> usize {
    let kinds = kinds();
    kinds
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(kinds.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_kind_has_its_own_slot() {
        for kind in ErrorKind::ALL {
            let slot = kind_slot(kind.code());
            assert_eq!(kinds()[slot], kind.code());
        }
        assert_eq!(kinds().last(), Some(&TOO_LONG));
        assert_eq!(kind_slot(TOO_LONG), kinds().len() - 1);
    }
}
