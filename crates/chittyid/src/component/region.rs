//! The region digit `G` and its names (the service's own table).

use core::fmt;

/// The region of a ChittyID. `Pending` (`0`) appears only in fallback IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[repr(u8)]
#[allow(
    clippy::exhaustive_enums,
    reason = "the ID format's regions, one digit each"
)]
pub enum Region {
    /// `0`: Error/Pending, only in fallback IDs.
    Pending = 0,
    /// `1`: North America.
    NorthAmerica = 1,
    /// `2`: South America.
    SouthAmerica = 2,
    /// `3`: Europe.
    Europe = 3,
    /// `4`: Asia.
    Asia = 4,
    /// `5`: Africa.
    Africa = 5,
    /// `6`: Oceania.
    Oceania = 6,
    /// `7`: Antarctica.
    Antarctica = 7,
    /// `8`: International Waters.
    InternationalWaters = 8,
    /// `9`: Digital/Virtual.
    DigitalVirtual = 9,
}

impl Region {
    /// The region of a digit `0`-`9`.
    pub const fn from_digit(digit: u8) -> Option<Region> {
        Some(match digit {
            0 => Region::Pending,
            1 => Region::NorthAmerica,
            2 => Region::SouthAmerica,
            3 => Region::Europe,
            4 => Region::Asia,
            5 => Region::Africa,
            6 => Region::Oceania,
            7 => Region::Antarctica,
            8 => Region::InternationalWaters,
            9 => Region::DigitalVirtual,
            _ => return None,
        })
    }

    /// The digit written in the ID.
    pub const fn digit(self) -> u8 {
        self as u8
    }

    /// The service's name for the region.
    pub const fn name(self) -> &'static str {
        match self {
            Region::Pending => "Error/Pending",
            Region::NorthAmerica => "North America",
            Region::SouthAmerica => "South America",
            Region::Europe => "Europe",
            Region::Asia => "Asia",
            Region::Africa => "Africa",
            Region::Oceania => "Oceania",
            Region::Antarctica => "Antarctica",
            Region::InternationalWaters => "International Waters",
            Region::DigitalVirtual => "Digital/Virtual",
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
