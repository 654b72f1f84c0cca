//! `ChittyId`: a parsed, always well-formed ID packed into one `u64`, its kind, its
//! accessors, its text form and its constructors from parts.

use core::{fmt, ops::Deref, str::FromStr};

use crate::checksum::check_value_of;
use crate::component::{EntityType, FallbackCode, Jurisdiction, Region, TrustLevel, YearMonth};
use crate::error::{ParseError, PartsError};
use crate::parse::{self, ParseOptions};

/// Bit layout of the packed value, lowest field first. Fields further left in the text
/// sit in higher bits, so the numeric order of canonical IDs is their text order.
mod layout {
    pub const THREE_DIGIT_YM: u32 = 0; // 1 bit
    pub const TRUST: u32 = 1; // 3 bits
    pub const MONTH: u32 = 4; // 4 bits
    pub const YEAR: u32 = 8; // 7 bits
    pub const ENTITY: u32 = 15; // 3 bits
    pub const SEQUENCE: u32 = 18; // 14 bits
    pub const JURISDICTION: u32 = 32; // 15 bits
    pub const REGION: u32 = 47; // 4 bits
    pub const VERSION: u32 = 51; // 7 bits
}

/// A ChittyID, `VV-G-LLL-SSSS-T-YYMM-C-XX`, always well formed.
///
/// Its sixteen meaningful characters are packed into a `u64`; the check value is derived,
/// never stored, so a `ChittyId` cannot carry a wrong one. It is `Copy`, and compares and
/// hashes as one integer. [`fmt::Display`] gives back the parsed text byte for byte.
///
/// ```
/// use chittyid::{ChittyId, FallbackCode, IdKind};
/// let id = ChittyId::parse("03-0-ERR-0001-T-2611-0-32")?;
/// assert_eq!(id.kind(), IdKind::Fallback(FallbackCode::MINT_UNAVAILABLE));
/// assert!(!id.is_final());
/// # Ok::<(), chittyid::ParseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChittyId(u64);

/// What sort of ID a [`ChittyId`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_enums,
    reason = "the ID format's kinds: a new one must be seen by every caller"
)]
pub enum IdKind {
    /// A final ID in today's format.
    Canonical,
    /// A final ID with the old three-digit year-month (accepted in lenient mode only).
    ThreeDigitYearMonth,
    /// A placeholder the service issued when minting failed: pending, not final.
    Fallback(FallbackCode),
}

impl IdKind {
    /// The stable machine name: `canonical`, `three_digit_year_month` or `fallback`.
    pub const fn code(self) -> &'static str {
        match self {
            IdKind::Canonical => "canonical",
            IdKind::ThreeDigitYearMonth => "three_digit_year_month",
            IdKind::Fallback(_) => "fallback",
        }
    }
}

/// The parts of an ID, for building one ([`ChittyId::new`]) or taking one apart
/// ([`ChittyId::parts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_structs,
    reason = "an ID's fields, fixed by the format"
)]
pub struct Parts {
    /// `VV`, `0`-`99`; the service mints `3`.
    pub version: u8,
    /// `G`.
    pub region: Region,
    /// `LLL`.
    pub jurisdiction: Jurisdiction,
    /// `SSSS`, `0`-`9999`.
    pub sequence: u16,
    /// `T`.
    pub entity_type: EntityType,
    /// `YYMM`.
    pub year_month: YearMonth,
    /// `C`.
    pub trust_level: TrustLevel,
}

impl ChittyId {
    /// The longest text form, in bytes.
    pub const MAX_LEN: usize = 25;

    /// Parses a canonical or fallback ID. Same as `s.parse()`.
    pub fn parse(s: &str) -> Result<ChittyId, ParseError> {
        parse::parse(s.as_bytes(), ParseOptions::STRICT)
    }

    /// Parses bytes, which need not be UTF-8 (a line read from a file, say).
    pub fn parse_bytes(input: &[u8]) -> Result<ChittyId, ParseError> {
        parse::parse(input, ParseOptions::STRICT)
    }

    /// Accepts exactly what [`ChittyId::parse_bytes`] accepts, without saying why an input
    /// is refused. This is the parser's fast path on its own: the cheapest check in time
    /// and in flash, for firmware that needs no diagnostics.
    ///
    /// ```
    /// use chittyid::ChittyId;
    /// assert!(ChittyId::recognize(b"03-1-USA-5537-P-2602-0-38").is_some());
    /// assert!(ChittyId::recognize(b"03-1-USA-5537-P-2602-0-39").is_none());
    /// ```
    pub fn recognize(input: &[u8]) -> Option<ChittyId> {
        parse::recognize(input)
    }

    /// Parses with options, e.g. [`ParseOptions::LENIENT`] to accept the old three-digit
    /// year-month.
    pub fn parse_with(input: &[u8], options: ParseOptions) -> Result<ChittyId, ParseError> {
        parse::parse(input, options)
    }

    /// Builds a non-fallback ID from its parts; the check value is computed. For the
    /// service side, which mints.
    ///
    /// ```
    /// use chittyid::*;
    /// let id = ChittyId::new(Parts {
    ///     version: 3,
    ///     region: Region::NorthAmerica,
    ///     jurisdiction: Jurisdiction::new(*b"USA").unwrap(),
    ///     sequence: 5537,
    ///     entity_type: EntityType::Person,
    ///     year_month: YearMonth::new(26, 2).unwrap(),
    ///     trust_level: TrustLevel::Unverified,
    /// })?;
    /// assert_eq!(id.to_string(), "03-1-USA-5537-P-2602-0-38");
    /// # Ok::<(), PartsError>(())
    /// ```
    pub fn new(parts: Parts) -> Result<ChittyId, PartsError> {
        if parts.region == Region::Pending {
            return Err(PartsError::RegionReservedForFallback);
        }
        ChittyId::pack_checked(parts)
    }

    /// Builds a fallback ID (`VV-0-ERR-code-T-YYMM-0-XX`), as the service issues when
    /// minting fails.
    pub fn fallback(
        version: u8,
        code: FallbackCode,
        entity_type: EntityType,
        year_month: YearMonth,
    ) -> Result<ChittyId, PartsError> {
        if year_month.is_three_digit() {
            return Err(PartsError::FallbackNeedsFullYearMonth);
        }
        ChittyId::pack_checked(Parts {
            version,
            region: Region::Pending,
            jurisdiction: Jurisdiction::ERR,
            sequence: u16::from(code.get()),
            entity_type,
            year_month,
            trust_level: TrustLevel::Unverified,
        })
    }

    fn pack_checked(parts: Parts) -> Result<ChittyId, PartsError> {
        if parts.version > 99 {
            return Err(PartsError::VersionOutOfRange(parts.version));
        }
        if parts.sequence > 9999 {
            return Err(PartsError::SequenceOutOfRange(parts.sequence));
        }
        Ok(ChittyId::pack(parts))
    }

    /// Packs parts the caller has already checked against every rule.
    #[inline(always)]
    pub(crate) const fn pack(parts: Parts) -> ChittyId {
        use layout::*;
        let ym = parts.year_month;
        ChittyId(
            (parts.version as u64) << VERSION
                | (parts.region.digit() as u64) << REGION
                | parts.jurisdiction.pack() << JURISDICTION
                | (parts.sequence as u64) << SEQUENCE
                | (parts.entity_type as u64) << ENTITY
                | (ym.year() as u64) << YEAR
                | (ym.month_field() as u64) << MONTH
                | (parts.trust_level.digit() as u64) << TRUST
                | (ym.is_three_digit() as u64) << THREE_DIGIT_YM,
        )
    }

    /// The packed value (the cache keys on it).
    #[cfg(feature = "engine")]
    pub(crate) const fn bits(self) -> u64 {
        self.0
    }

    /// The inverse of [`ChittyId::bits`], for values that came from it.
    #[cfg(feature = "engine")]
    pub(crate) const fn from_bits(bits: u64) -> ChittyId {
        ChittyId(bits)
    }

    const fn field(self, shift: u32, bits: u32) -> u64 {
        (self.0 >> shift) & ((1 << bits) - 1)
    }

    /// `VV`: the format version (the service mints `3`).
    pub const fn version(self) -> u8 {
        self.field(layout::VERSION, 7) as u8
    }

    /// `G`: the region; [`Region::Pending`] only for fallback IDs.
    pub const fn region(self) -> Region {
        match Region::from_digit(self.field(layout::REGION, 4) as u8) {
            Some(region) => region,
            None => Region::Pending,
        }
    }

    /// `LLL`: the jurisdiction.
    pub const fn jurisdiction(self) -> Jurisdiction {
        Jurisdiction::unpack(self.field(layout::JURISDICTION, 15))
    }

    /// `SSSS`: the sequence (the error code for fallback IDs).
    pub const fn sequence(self) -> u16 {
        self.field(layout::SEQUENCE, 14) as u16
    }

    /// `T`: the entity type.
    pub const fn entity_type(self) -> EntityType {
        EntityType::from_index(self.field(layout::ENTITY, 3) as u8)
    }

    /// `YYMM`: year and month of minting.
    pub const fn year_month(self) -> YearMonth {
        let year = self.field(layout::YEAR, 7) as u8;
        let month = self.field(layout::MONTH, 4) as u8;
        YearMonth::from_packed(year, month, self.field(layout::THREE_DIGIT_YM, 1) == 1)
    }

    /// `C`: the trust level.
    pub const fn trust_level(self) -> TrustLevel {
        match TrustLevel::from_digit(self.field(layout::TRUST, 3) as u8) {
            Some(level) => level,
            None => TrustLevel::Unverified,
        }
    }

    /// `XX`: the check value, `0`-`96`, derived from the other fields.
    pub const fn check_value(self) -> u8 {
        let ym = self.year_month();
        check_value_of(
            self.version(),
            self.region().digit(),
            *self.jurisdiction().as_bytes(),
            self.sequence(),
            self.entity_type().code_byte(),
            ym.as_number(),
            ym.is_three_digit(),
            self.trust_level().digit(),
        )
    }

    /// Canonical, three-digit year-month, or fallback.
    pub const fn kind(self) -> IdKind {
        if self.field(layout::REGION, 4) == 0 {
            // Only `fallback()` and the parser make region 0, always with a code ≤ 99.
            IdKind::Fallback(match FallbackCode::new(self.sequence()) {
                Some(code) => code,
                None => FallbackCode::INTERNAL_ERROR,
            })
        } else if self.field(layout::THREE_DIGIT_YM, 1) == 1 {
            IdKind::ThreeDigitYearMonth
        } else {
            IdKind::Canonical
        }
    }

    /// The error code of a fallback ID.
    pub const fn fallback_code(self) -> Option<FallbackCode> {
        match self.kind() {
            IdKind::Fallback(code) => Some(code),
            _ => None,
        }
    }

    /// `true` for a canonical ID in today's format.
    pub const fn is_canonical(self) -> bool {
        matches!(self.kind(), IdKind::Canonical)
    }

    /// `true` unless the ID is a fallback placeholder pending replacement.
    pub const fn is_final(self) -> bool {
        !matches!(self.kind(), IdKind::Fallback(_))
    }

    /// All parts at once.
    pub const fn parts(self) -> Parts {
        Parts {
            version: self.version(),
            region: self.region(),
            jurisdiction: self.jurisdiction(),
            sequence: self.sequence(),
            entity_type: self.entity_type(),
            year_month: self.year_month(),
            trust_level: self.trust_level(),
        }
    }

    /// The text form in a stack buffer, without allocating.
    pub fn to_buf(self) -> IdBuf {
        let mut out = IdBuf {
            bytes: [0; ChittyId::MAX_LEN],
            len: 0,
        };
        let ym = self.year_month();
        out.digits(u32::from(self.version()), 2);
        out.hyphen();
        out.digits(u32::from(self.region().digit()), 1);
        out.hyphen();
        out.push_slice(self.jurisdiction().as_bytes());
        out.hyphen();
        out.digits(u32::from(self.sequence()), 4);
        out.hyphen();
        out.push(self.entity_type().code_byte());
        out.hyphen();
        out.digits(
            u32::from(ym.as_number()),
            if ym.is_three_digit() { 3 } else { 4 },
        );
        out.hyphen();
        out.digits(u32::from(self.trust_level().digit()), 1);
        out.hyphen();
        out.digits(u32::from(self.check_value()), 2);
        out
    }
}

impl FromStr for ChittyId {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<ChittyId, ParseError> {
        ChittyId::parse(s)
    }
}

impl TryFrom<&str> for ChittyId {
    type Error = ParseError;

    fn try_from(s: &str) -> Result<ChittyId, ParseError> {
        ChittyId::parse(s)
    }
}

impl fmt::Display for ChittyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.to_buf())
    }
}

impl fmt::Debug for ChittyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChittyId({})", self.to_buf().as_str())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ChittyId {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "{=str}", self.to_buf().as_str())
    }
}

/// The text form of a [`ChittyId`] on the stack; derefs to `str`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdBuf {
    bytes: [u8; ChittyId::MAX_LEN],
    len: u8,
}

impl IdBuf {
    /// The text.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits, letters and hyphens are ever written.
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The text as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    fn push(&mut self, byte: u8) {
        self.bytes[usize::from(self.len)] = byte;
        self.len += 1;
    }

    fn push_slice(&mut self, bytes: &[u8]) {
        bytes.iter().for_each(|&b| self.push(b));
    }

    fn hyphen(&mut self) {
        self.push(b'-');
    }

    fn digits(&mut self, mut value: u32, width: usize) {
        let start = usize::from(self.len);
        for position in (start..start + width).rev() {
            self.bytes[position] = b'0' + (value % 10) as u8;
            value /= 10;
        }
        self.len += width as u8;
    }
}

impl Deref for IdBuf {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for IdBuf {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for IdBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Debug for IdBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}
