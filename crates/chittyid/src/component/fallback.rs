//! The error codes carried by fallback IDs (`03-0-ERR-SSSS-…`), spec section 3.

use core::fmt;

/// The code in the sequence segment of a fallback ID, `0000`-`0099`.
///
/// ```
/// use chittyid::FallbackCode;
/// assert_eq!(FallbackCode::MINT_UNAVAILABLE.name(), Some("MINT_UNAVAILABLE"));
/// assert_eq!(FallbackCode::new(42).unwrap().name(), None); // reserved, unnamed
/// assert!(FallbackCode::new(100).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct FallbackCode(u8);

impl FallbackCode {
    /// The highest code: `0000`-`0099` are reserved for fallback IDs.
    pub const MAX: u8 = 99;
    /// `0001`
    pub const MINT_UNAVAILABLE: FallbackCode = FallbackCode(1);
    /// `0002`
    pub const MINT_TIMEOUT: FallbackCode = FallbackCode(2);
    /// `0003`
    pub const MINT_REJECTED: FallbackCode = FallbackCode(3);
    /// `0004`
    pub const DRAND_UNAVAILABLE: FallbackCode = FallbackCode(4);
    /// `0005`
    pub const CERT_UNAVAILABLE: FallbackCode = FallbackCode(5);
    /// `0006`
    pub const TRUST_UNAVAILABLE: FallbackCode = FallbackCode(6);
    /// `0007`
    pub const RATE_LIMITED: FallbackCode = FallbackCode(7);
    /// `0008`
    pub const INVALID_REQUEST: FallbackCode = FallbackCode(8);
    /// `0099`
    pub const INTERNAL_ERROR: FallbackCode = FallbackCode(99);

    /// A code `0`-`99`.
    pub const fn new(code: u16) -> Option<FallbackCode> {
        if code <= Self::MAX as u16 {
            Some(FallbackCode(code as u8))
        } else {
            None
        }
    }

    /// The code as a number.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The service's name for the code, or `None` for a reserved, unnamed one.
    pub const fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "MINT_UNAVAILABLE",
            2 => "MINT_TIMEOUT",
            3 => "MINT_REJECTED",
            4 => "DRAND_UNAVAILABLE",
            5 => "CERT_UNAVAILABLE",
            6 => "TRUST_UNAVAILABLE",
            7 => "RATE_LIMITED",
            8 => "INVALID_REQUEST",
            99 => "INTERNAL_ERROR",
            _ => return None,
        })
    }

    /// The code of a service error name such as `MINT_UNAVAILABLE`.
    pub fn from_name(name: &str) -> Option<FallbackCode> {
        (0..=Self::MAX)
            .map(FallbackCode)
            .find(|code| code.name() == Some(name))
    }
}

impl fmt::Display for FallbackCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{:04} {}", self.0, name),
            None => write!(f, "{:04} (reserved)", self.0),
        }
    }
}
