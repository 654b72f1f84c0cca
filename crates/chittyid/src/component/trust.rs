//! The trust level digit `C` and its names (the service's own table).

use core::fmt;

/// How far the identified entity has been verified, `0`-`5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
#[allow(clippy::exhaustive_enums, reason = "the ID format's trust levels 0-5")]
pub enum TrustLevel {
    /// `0`
    Unverified = 0,
    /// `1`
    Basic = 1,
    /// `2`
    Standard = 2,
    /// `3`
    Verified = 3,
    /// `4`
    Premium = 4,
    /// `5`
    Official = 5,
}

impl TrustLevel {
    /// The trust level of a digit `0`-`5`.
    pub const fn from_digit(digit: u8) -> Option<TrustLevel> {
        Some(match digit {
            0 => TrustLevel::Unverified,
            1 => TrustLevel::Basic,
            2 => TrustLevel::Standard,
            3 => TrustLevel::Verified,
            4 => TrustLevel::Premium,
            5 => TrustLevel::Official,
            _ => return None,
        })
    }

    /// The digit written in the ID.
    pub const fn digit(self) -> u8 {
        self as u8
    }

    /// The service's name for the level.
    pub const fn name(self) -> &'static str {
        match self {
            TrustLevel::Unverified => "Unverified",
            TrustLevel::Basic => "Basic",
            TrustLevel::Standard => "Standard",
            TrustLevel::Verified => "Verified",
            TrustLevel::Premium => "Premium",
            TrustLevel::Official => "Official",
        }
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
