//! Parsing text into a [`ChittyId`]: a fast path for the canonical 25-byte shape, and the
//! nom grammar that handles everything else and names the first rule an input breaks.

mod fast;
mod grammar;
mod legacy;

use crate::{ChittyId, ParseError};

/// How strict the parser is. The default is strict: canonical and fallback IDs only.
///
/// ```
/// use chittyid::{ChittyId, IdKind, ParseOptions};
/// let old = b"03-1-USA-0002-T-259-3-33";
/// assert!(ChittyId::parse_bytes(old).is_err());
/// let id = ChittyId::parse_with(old, ParseOptions::LENIENT)?;
/// assert_eq!(id.kind(), IdKind::ThreeDigitYearMonth);
/// assert_eq!(id.to_string(), "03-1-USA-0002-T-259-3-33");
/// # Ok::<(), chittyid::ParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ParseOptions {
    three_digit_year_month: bool,
}

impl ParseOptions {
    /// Canonical and fallback IDs only.
    pub const STRICT: ParseOptions = ParseOptions {
        three_digit_year_month: false,
    };

    /// Also accepts the old three-digit year-month (`YYM`), as
    /// [`crate::IdKind::ThreeDigitYearMonth`].
    pub const LENIENT: ParseOptions = ParseOptions {
        three_digit_year_month: true,
    };

    /// Whether the old three-digit year-month is accepted.
    pub const fn with_three_digit_year_month(mut self, accept: bool) -> ParseOptions {
        self.three_digit_year_month = accept;
        self
    }

    /// `true` when the old three-digit year-month is accepted.
    pub const fn accepts_three_digit_year_month(self) -> bool {
        self.three_digit_year_month
    }
}

pub(crate) fn recognize(input: &[u8]) -> Option<ChittyId> {
    fast::parse_canonical(input)
}

pub(crate) fn parse(input: &[u8], options: ParseOptions) -> Result<ChittyId, ParseError> {
    // On bare metal the grammar alone does the work: it accepts exactly what the fast
    // path accepts (a property test holds them to it), and firmware values the flash the
    // fast path would add over the nanoseconds it saves. `recognize` keeps it everywhere.
    #[cfg(not(target_os = "none"))]
    if let Some(id) = fast::parse_canonical(input) {
        return Ok(id);
    }
    grammar::parse(input, options)
}

#[cfg(test)]
mod tests;
