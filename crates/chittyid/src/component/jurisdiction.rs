//! The jurisdiction `LLL`: three upper-case letters (ISO 3166-1 alpha-3, or `ERR`).

use core::fmt;

/// Three upper-case ASCII letters, such as `USA`; `ERR` marks fallback IDs.
///
/// ```
/// use chittyid::Jurisdiction;
/// let usa = Jurisdiction::new(*b"USA").unwrap();
/// assert_eq!(usa.as_str(), "USA");
/// assert!(Jurisdiction::new(*b"usa").is_none());
/// assert!(Jurisdiction::ERR.is_fallback_marker());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Jurisdiction([u8; 3]);

impl Jurisdiction {
    /// `ERR`, the jurisdiction of fallback IDs.
    pub const ERR: Jurisdiction = Jurisdiction(*b"ERR");

    /// A jurisdiction of three upper-case letters `A`-`Z`.
    pub const fn new(letters: [u8; 3]) -> Option<Jurisdiction> {
        if letters[0].is_ascii_uppercase()
            && letters[1].is_ascii_uppercase()
            && letters[2].is_ascii_uppercase()
        {
            Some(Jurisdiction(letters))
        } else {
            None
        }
    }

    /// Letters the caller has already checked to be `A`-`Z` (the parser's fast path).
    #[inline(always)]
    pub(crate) const fn from_checked(letters: [u8; 3]) -> Jurisdiction {
        Jurisdiction(letters)
    }

    /// The letters as bytes.
    pub const fn as_bytes(&self) -> &[u8; 3] {
        &self.0
    }

    /// The letters as a string.
    pub fn as_str(&self) -> &str {
        // Three ASCII upper-case letters are always UTF-8.
        core::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// `true` for `ERR`.
    pub const fn is_fallback_marker(&self) -> bool {
        matches!(self.0, [b'E', b'R', b'R'])
    }

    /// Packs the letters into 15 bits, first letter highest, order preserved.
    pub(crate) const fn pack(self) -> u64 {
        let [a, b, c] = self.0;
        (((a - b'A') as u64) << 10) | (((b - b'A') as u64) << 5) | ((c - b'A') as u64)
    }

    /// The inverse of [`Jurisdiction::pack`].
    pub(crate) const fn unpack(bits: u64) -> Jurisdiction {
        const fn letter(bits: u64, shift: u32) -> u8 {
            b'A' + ((bits >> shift) & 0x1f) as u8
        }
        Jurisdiction([letter(bits, 10), letter(bits, 5), letter(bits, 0)])
    }
}

impl fmt::Display for Jurisdiction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
