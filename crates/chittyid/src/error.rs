//! The errors of parsing an ID and of building one from parts: which rule broke, where,
//! what was expected and what was found.

use core::fmt;

use crate::component::Segment;

/// The first rule an input breaks. [`ErrorKind::code`] gives the stable names used in
/// `vectors.jsonl` and in the CLI's JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is empty.
    Empty,
    /// The input holds white space, a control character or a non-ASCII character.
    NonAsciiOrSpace,
    /// The input is an obsolete or prohibited format (spec section 4).
    LegacyFormat(LegacyFormat),
    /// The input does not have eight `-`-separated segments.
    SegmentCount,
    /// `VV` is not two digits.
    Version,
    /// `G` is not `1`-`9`, or is `0` without the fallback jurisdiction `ERR`.
    Region,
    /// `LLL` is not three upper-case letters.
    Jurisdiction,
    /// `SSSS` is not four digits, or a fallback code is above `0099`.
    Sequence,
    /// `T` is not one of `P L T E A`.
    EntityType,
    /// `YYMM` is not four digits with a month `01`-`12`.
    YearMonth,
    /// `C` is not `0`-`5` (or not `0` in a fallback ID).
    TrustLevel,
    /// `XX` is not two digits.
    ChecksumFormat,
    /// `XX` is not the check value of the body.
    ChecksumMismatch,
}

impl ErrorKind {
    /// Every kind, in declaration order, each legacy format on its own (the three share
    /// the code `legacy_format`): for tools that count or list kinds, such as the CLI's
    /// `check --summary`, so that a new kind is not miscounted.
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::Empty,
        ErrorKind::NonAsciiOrSpace,
        ErrorKind::LegacyFormat(LegacyFormat::V220LetterPattern),
        ErrorKind::LegacyFormat(LegacyFormat::ChittyPrefix),
        ErrorKind::LegacyFormat(LegacyFormat::ChittyUnderscore),
        ErrorKind::SegmentCount,
        ErrorKind::Version,
        ErrorKind::Region,
        ErrorKind::Jurisdiction,
        ErrorKind::Sequence,
        ErrorKind::EntityType,
        ErrorKind::YearMonth,
        ErrorKind::TrustLevel,
        ErrorKind::ChecksumFormat,
        ErrorKind::ChecksumMismatch,
    ];

    /// The stable machine name: `checksum_mismatch`, `region`, …
    pub const fn code(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty",
            ErrorKind::NonAsciiOrSpace => "non_ascii_or_space",
            ErrorKind::LegacyFormat(_) => "legacy_format",
            ErrorKind::SegmentCount => "segment_count",
            ErrorKind::Version => "version",
            ErrorKind::Region => "region",
            ErrorKind::Jurisdiction => "jurisdiction",
            ErrorKind::Sequence => "sequence",
            ErrorKind::EntityType => "entity_type",
            ErrorKind::YearMonth => "year_month",
            ErrorKind::TrustLevel => "trust_level",
            ErrorKind::ChecksumFormat => "checksum_format",
            ErrorKind::ChecksumMismatch => "checksum_mismatch",
        }
    }

    /// The segment the rule is about, if it is about one.
    pub const fn segment(self) -> Option<Segment> {
        Some(match self {
            ErrorKind::Version => Segment::Version,
            ErrorKind::Region => Segment::Region,
            ErrorKind::Jurisdiction => Segment::Jurisdiction,
            ErrorKind::Sequence => Segment::Sequence,
            ErrorKind::EntityType => Segment::EntityType,
            ErrorKind::YearMonth => Segment::YearMonth,
            ErrorKind::TrustLevel => Segment::TrustLevel,
            ErrorKind::ChecksumFormat | ErrorKind::ChecksumMismatch => Segment::Checksum,
            _ => return None,
        })
    }

    /// A short description for people.
    pub const fn describe(self) -> &'static str {
        match self {
            ErrorKind::Empty => "empty input",
            ErrorKind::NonAsciiOrSpace => "white space, control or non-ASCII character",
            ErrorKind::LegacyFormat(format) => format.describe(),
            ErrorKind::SegmentCount => "wrong number of segments",
            ErrorKind::Version => "invalid version",
            ErrorKind::Region => "invalid region",
            ErrorKind::Jurisdiction => "invalid jurisdiction",
            ErrorKind::Sequence => "invalid sequence",
            ErrorKind::EntityType => "invalid entity type",
            ErrorKind::YearMonth => "invalid year-month",
            ErrorKind::TrustLevel => "invalid trust level",
            ErrorKind::ChecksumFormat => "malformed check value",
            ErrorKind::ChecksumMismatch => "checksum mismatch",
        }
    }
}

/// The non-canonical formats of spec section 4 that are recognised and named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum LegacyFormat {
    /// The v2.2.0 client's letter pattern, e.g. `CT-A-CHI-1234-I-24-A-0`.
    V220LetterPattern,
    /// `CHITTY-{ENTITY}-…`.
    ChittyPrefix,
    /// `chitty_{timestamp}_{hash}`.
    ChittyUnderscore,
}

impl LegacyFormat {
    /// A description for people.
    pub const fn describe(self) -> &'static str {
        match self {
            LegacyFormat::V220LetterPattern => "obsolete v2.2.0 client letter pattern",
            LegacyFormat::ChittyPrefix => "prohibited legacy format CHITTY-…",
            LegacyFormat::ChittyUnderscore => "prohibited legacy format chitty_…",
        }
    }
}

/// What a broken rule expects, for people: [`fmt::Display`] or [`Expected::describe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Expected {
    /// An ID at all (the input is empty).
    AnId,
    /// Printable ASCII without white space.
    PrintableAscii,
    /// A canonical ID instead of a legacy format.
    CanonicalFormat,
    /// Eight segments joined by `-`.
    EightSegments,
    /// `VV`: two digits.
    VersionDigits,
    /// `G`: a digit `1`-`9` (`0` only in fallback IDs, with `ERR`).
    RegionDigit,
    /// `G`: a digit, where a letter stands (the Oct-2025 form).
    RegionDigitNotLetter,
    /// `LLL`: three upper-case letters.
    JurisdictionLetters,
    /// `SSSS`: four digits.
    SequenceDigits,
    /// `SSSS` in a fallback ID: a code `0000`-`0099`.
    FallbackCode,
    /// `T`: one of `P L T E A`.
    EntityCode,
    /// `YYMM` with a month `01`-`12`.
    YearMonth,
    /// `YYMM` with a month `01`-`12`, or `YYM` (lenient mode).
    YearMonthOrThreeDigit,
    /// `C`: a digit `0`-`5`.
    TrustDigit,
    /// `C` in a fallback ID: `0`.
    FallbackTrust,
    /// `XX`: two digits.
    CheckDigits,
    /// `XX`: the check value of the body.
    CheckValue,
}

impl Expected {
    /// A description for people.
    pub const fn describe(self) -> &'static str {
        match self {
            Expected::AnId => "an ID VV-G-LLL-SSSS-T-YYMM-C-XX",
            Expected::PrintableAscii => "printable ASCII without spaces",
            Expected::CanonicalFormat => "a canonical ID VV-G-LLL-SSSS-T-YYMM-C-XX",
            Expected::EightSegments => "eight segments joined by '-'",
            Expected::VersionDigits | Expected::CheckDigits => "two digits",
            Expected::RegionDigit => "a region digit 1-9 (0 only in fallback IDs, with ERR)",
            Expected::RegionDigitNotLetter => {
                "a region digit 1-9 (letter regions are the Oct-2025 form, \
                 which cannot be verified offline)"
            }
            Expected::JurisdictionLetters => "three upper-case letters A-Z",
            Expected::SequenceDigits => "four digits",
            Expected::FallbackCode => "a fallback code 0000-0099",
            Expected::EntityCode => "one of P, L, T, E, A",
            Expected::YearMonth => "four digits YYMM with a month 01-12",
            Expected::YearMonthOrThreeDigit => {
                "four digits YYMM with a month 01-12, or three digits YYM"
            }
            Expected::TrustDigit => "a trust digit 0-5",
            Expected::FallbackTrust => "trust 0 in a fallback ID",
            Expected::CheckValue => "the check value of the body",
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// Up to [`ShortText::CAPACITY`] bytes of the offending input, kept inline.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
// Word alignment lets a size-optimised build move it with word loads and stores; with
// byte alignment, moves become calls to the general `memcpy` (about 900 B of flash).
#[repr(align(4))]
pub struct ShortText {
    bytes: [u8; ShortText::CAPACITY],
    len: u8,
    truncated: bool,
}

impl ShortText {
    /// How many bytes are kept.
    pub const CAPACITY: usize = 12;

    pub(crate) fn new(text: &[u8]) -> ShortText {
        let mut short = ShortText {
            bytes: [0; Self::CAPACITY],
            len: text.len().min(Self::CAPACITY) as u8,
            truncated: text.len() > Self::CAPACITY,
        };
        // A fixed number of steps, written in place, rather than `copy_from_slice` or a
        // built array: either would pull the general `memcpy` (about 900 bytes) into
        // firmware.
        for (i, slot) in short.bytes.iter_mut().enumerate() {
            *slot = text.get(i).map_or(0, |b| *b);
        }
        short
    }

    /// The bytes kept.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// `true` when the original was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Debug for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for &byte in self.as_bytes() {
            write!(f, "{}", core::ascii::escape_default(byte))?;
        }
        if self.truncated {
            f.write_str("…")?;
        }
        f.write_str("\"")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ShortText {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "{=[u8]:a}", self.as_bytes())
    }
}

/// What the parser found where the rule broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Found {
    /// The input ended.
    End,
    /// A character that is not printable ASCII.
    Char(char),
    /// A byte that is not valid UTF-8.
    Byte(u8),
    /// The text of the offending segment (or of the input's start).
    Text(ShortText),
    /// This many segments.
    SegmentCount(usize),
    /// A check value that differs from the computed one.
    CheckValue {
        /// The value in the input.
        found: u8,
        /// The value the body gives.
        computed: u8,
    },
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Found::End => f.write_str("the end of the input"),
            Found::Char(c) => write!(f, "{:?} (U+{:04X})", c, u32::from(*c)),
            Found::Byte(b) => write!(f, "byte 0x{b:02X} (not UTF-8)"),
            Found::Text(text) => write!(f, "{text}"),
            Found::SegmentCount(1) => f.write_str("1 segment"),
            Found::SegmentCount(n) => write!(f, "{n} segments"),
            Found::CheckValue { found, computed } => {
                write!(f, "{found:02} (the body gives {computed:02})")
            }
        }
    }
}

/// Why an input is not a ChittyID.
///
/// ```
/// use chittyid::{ChittyId, ErrorKind, Segment};
/// let err = ChittyId::parse("03-1-usa-5537-P-2602-0-38").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Jurisdiction);
/// assert_eq!(err.segment(), Some(Segment::Jurisdiction));
/// assert_eq!(err.offset(), 5);
/// assert_eq!(
///     err.to_string(),
///     "invalid jurisdiction at byte 5 (segment 2, jurisdiction (LLL)): \
///      expected three upper-case letters A-Z, found \"usa\""
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ParseError {
    kind: ErrorKind,
    offset: usize,
    expected: Expected,
    found: Found,
}

impl ParseError {
    pub(crate) const fn new(
        kind: ErrorKind,
        offset: usize,
        expected: Expected,
        found: Found,
    ) -> ParseError {
        ParseError {
            kind,
            offset,
            expected,
            found,
        }
    }

    /// The first rule the input breaks.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The segment the rule is about, if any.
    pub const fn segment(&self) -> Option<Segment> {
        self.kind.segment()
    }

    /// Byte offset in the input where the problem starts.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// What the rule expects there, for people.
    pub const fn expected(&self) -> Expected {
        self.expected
    }

    /// What was found there.
    pub const fn found(&self) -> Found {
        self.found
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind.describe(), self.offset)?;
        if let Some(segment) = self.segment() {
            write!(f, " (segment {}, {})", segment.index(), segment)?;
        }
        write!(f, ": expected {}, found {}", self.expected, self.found)
    }
}

impl core::error::Error for ParseError {}

/// Why [`crate::ChittyId::new`] or [`crate::ChittyId::fallback`] refused its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PartsError {
    /// The version is above 99.
    VersionOutOfRange(u8),
    /// The sequence is above 9999.
    SequenceOutOfRange(u16),
    /// Region `Pending` (`0`) is only for fallback IDs: use `ChittyId::fallback`.
    RegionReservedForFallback,
    /// Fallback IDs carry a four-digit year-month.
    FallbackNeedsFullYearMonth,
}

impl fmt::Display for PartsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartsError::VersionOutOfRange(v) => write!(f, "version {v} is above 99"),
            PartsError::SequenceOutOfRange(s) => write!(f, "sequence {s} is above 9999"),
            PartsError::RegionReservedForFallback => {
                f.write_str("region 0 is reserved for fallback IDs")
            }
            PartsError::FallbackNeedsFullYearMonth => {
                f.write_str("fallback IDs carry a four-digit year-month")
            }
        }
    }
}

impl core::error::Error for PartsError {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind's place in [`ErrorKind::ALL`]. The match is exhaustive (inside the crate
    /// `#[non_exhaustive]` does not apply), so a new kind does not compile until it has
    /// an arm here: give it the next place, and add it to `ALL` at that place.
    const fn place(kind: ErrorKind) -> usize {
        match kind {
            ErrorKind::Empty => 0,
            ErrorKind::NonAsciiOrSpace => 1,
            ErrorKind::LegacyFormat(format) => match format {
                LegacyFormat::V220LetterPattern => 2,
                LegacyFormat::ChittyPrefix => 3,
                LegacyFormat::ChittyUnderscore => 4,
            },
            ErrorKind::SegmentCount => 5,
            ErrorKind::Version => 6,
            ErrorKind::Region => 7,
            ErrorKind::Jurisdiction => 8,
            ErrorKind::Sequence => 9,
            ErrorKind::EntityType => 10,
            ErrorKind::YearMonth => 11,
            ErrorKind::TrustLevel => 12,
            ErrorKind::ChecksumFormat => 13,
            ErrorKind::ChecksumMismatch => 14,
        }
    }

    /// The number of arms of [`place`]: its largest place plus one.
    const KINDS: usize = 15;

    #[test]
    fn all_holds_every_kind_once_in_its_place() {
        assert_eq!(ErrorKind::ALL.len(), KINDS);
        for (i, kind) in ErrorKind::ALL.into_iter().enumerate() {
            assert_eq!(place(kind), i, "{kind:?}");
        }
        let largest = ErrorKind::ALL.map(place).into_iter().max();
        assert_eq!(largest, Some(KINDS - 1));
    }
}
