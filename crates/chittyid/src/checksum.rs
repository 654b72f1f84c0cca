//! The ChittyID mod-97 check value (spec section 2), computed and verified on its own.
//!
//! The body is read left to right with a running remainder: a digit `d` makes
//! `r = (r * 10 + d) mod 97`, an upper-case letter `L` makes `r = (r * 100 + v) mod 97`
//! with `v = L - 'A' + 10`. The check value is `(98 - r) mod 97`, written with two digits.
//! This is *not* ISO 7064 MOD 97-10, and not Luhn.
//!
//! ```
//! use chittyid::checksum;
//!
//! assert_eq!(checksum::compute("03-1-USA-5537-P-2602-0"), Ok(38));
//! assert_eq!(checksum::compute("031USA5537P26020"), Ok(38));
//! assert!(checksum::verify("03-1-USA-5537-P-2602-0", 38));
//! assert!(checksum::compute("03-1-usa").is_err());
//! ```

use core::fmt;

/// The modulus.
pub const MODULUS: u32 = 97;

/// A character that the checksum cannot read: only `0`-`9`, `A`-`Z` and `-` (skipped) are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct InvalidChar {
    /// Byte offset of the character in the input.
    pub offset: usize,
    /// The byte found there.
    pub byte: u8,
}

impl fmt::Display for InvalidChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "byte {} ({:?}) at offset {} is not a digit, an upper-case letter or '-'",
            self.byte,
            char::from(self.byte),
            self.offset
        )
    }
}

impl core::error::Error for InvalidChar {}

/// The remainder `N mod 97` of the expanded body (hyphens skipped).
pub fn remainder(body: impl AsRef<[u8]>) -> Result<u8, InvalidChar> {
    // The remainder is taken at every step, as the spec states it: the running value
    // stays below 97 * 100 + 35, and a `u32` remainder by a constant needs no division.
    let mut r: u32 = 0;
    for (offset, &byte) in body.as_ref().iter().enumerate() {
        r = match byte {
            b'0'..=b'9' => (r * 10 + u32::from(byte - b'0')) % MODULUS,
            b'A'..=b'Z' => (r * 100 + letter_value(byte)) % MODULUS,
            b'-' => continue,
            _ => return Err(InvalidChar { offset, byte }),
        };
    }
    Ok(r as u8)
}

/// The check value `00`-`96` of a body: the seven segments before `XX`, with or
/// without their hyphens.
pub fn compute(body: impl AsRef<[u8]>) -> Result<u8, InvalidChar> {
    remainder(body).map(check_value_from_remainder)
}

/// `true` when `check` is the check value of `body`; `false` also for unreadable bodies.
pub fn verify(body: impl AsRef<[u8]>, check: u8) -> bool {
    compute(body) == Ok(check)
}

/// `(98 - r) mod 97` for a remainder `r < 97`.
#[inline]
pub(crate) const fn check_value_from_remainder(r: u8) -> u8 {
    ((98 - r as u16) % 97) as u8
}

/// The value of an upper-case letter in the expansion: `A` = 10 ... `Z` = 35.
#[inline]
pub(crate) const fn letter_value(letter: u8) -> u32 {
    (letter - b'A' + 10) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example_of_the_spec() {
        assert_eq!(remainder("031USA5537P26020"), Ok(60));
        assert_eq!(compute("031USA5537P26020"), Ok(38));
    }

    #[test]
    fn production_ids_verify() {
        assert!(verify("03-1-USA-7165-T-2602-0", 13));
        assert!(verify("03-1-USA-2709-T-2602-0", 42));
        assert!(verify("03-1-USA-1399-T-2603-0", 70));
        assert!(!verify("03-1-USA-1399-T-2603-0", 71));
    }

    #[test]
    fn unreadable_characters_are_reported_with_their_offset() {
        assert_eq!(
            compute("03-1-uSA"),
            Err(InvalidChar {
                offset: 5,
                byte: b'u'
            })
        );
    }

    #[test]
    fn long_bodies_do_not_overflow() {
        let body = [b'Z'; 200];
        assert!(compute(body).is_ok());
    }
}
