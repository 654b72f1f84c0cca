//! The eight segments of `VV-G-LLL-SSSS-T-YYMM-C-XX`, by position and name.

use core::fmt;

/// One of the eight segments of a ChittyID, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(clippy::exhaustive_enums, reason = "the ID format's eight segments")]
pub enum Segment {
    /// `VV`: format version, two digits.
    Version,
    /// `G`: region, `1`-`9` (`0` in fallback IDs).
    Region,
    /// `LLL`: jurisdiction, three upper-case letters.
    Jurisdiction,
    /// `SSSS`: sequence, four digits.
    Sequence,
    /// `T`: entity type, one of `P L T E A`.
    EntityType,
    /// `YYMM`: year and month of minting.
    YearMonth,
    /// `C`: trust level, `0`-`5`.
    TrustLevel,
    /// `XX`: the mod-97 check value.
    Checksum,
}

impl Segment {
    /// All segments in order.
    pub const ALL: [Segment; 8] = [
        Segment::Version,
        Segment::Region,
        Segment::Jurisdiction,
        Segment::Sequence,
        Segment::EntityType,
        Segment::YearMonth,
        Segment::TrustLevel,
        Segment::Checksum,
    ];

    /// Position of the segment, 0-based.
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The segment's name as the service spells it in `components`.
    pub const fn name(self) -> &'static str {
        match self {
            Segment::Version => "version",
            Segment::Region => "region",
            Segment::Jurisdiction => "jurisdiction",
            Segment::Sequence => "sequential",
            Segment::EntityType => "entityType",
            Segment::YearMonth => "yearMonth",
            Segment::TrustLevel => "trustLevel",
            Segment::Checksum => "checksum",
        }
    }

    /// The segment's pattern letters, e.g. `LLL`.
    pub const fn pattern(self) -> &'static str {
        match self {
            Segment::Version => "VV",
            Segment::Region => "G",
            Segment::Jurisdiction => "LLL",
            Segment::Sequence => "SSSS",
            Segment::EntityType => "T",
            Segment::YearMonth => "YYMM",
            Segment::TrustLevel => "C",
            Segment::Checksum => "XX",
        }
    }
}

impl fmt::Display for Segment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.pattern())
    }
}
