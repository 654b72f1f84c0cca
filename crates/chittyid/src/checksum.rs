//! The ChittyID mod-97 check value (spec section 2), computed and verified on its own.
//!
//! The body is read left to right with a running remainder: a digit `d` makes
//! `r = (r * 10 + d) mod 97`, an upper-case letter `L` makes `r = (r * 100 + v) mod 97`
//! with `v = L - 'A' + 10`. The check value is `(98 - r) mod 97`, written with two digits.
//! This is *not* ISO 7064 MOD 97-10, and not Luhn.
//!
//! All of the crate's mod-97 arithmetic lives here: the byte-by-byte remainder above,
//! the check value of an ID's fields (what `ChittyId::check_value` derives), and the
//! digit weights and final comparison of the parser's fast path, whose SWAR dot product
//! itself stays in `parse/fast.rs`.
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
#[allow(
    clippy::exhaustive_structs,
    reason = "a character and where it is: nothing more to say"
)]
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

/// `10^exp mod 97`: the weight of a digit followed by `exp` expanded digits. Used at
/// compile time, here and by the parser's fast path for its lane weights.
pub(crate) const fn pow10_mod(exp: u32) -> u32 {
    let mut r = 1;
    let mut i = 0;
    while i < exp {
        r = r * 10 % MODULUS;
        i += 1;
    }
    r
}

/// `true` when `check` is the check value of a body whose remainder is congruent to
/// `congruent_remainder` (not necessarily reduced, as long as the sum does not overflow):
/// `XX = (98 - r) mod 97` with `XX < 97` is `r + XX ≡ 1 (mod 97)`.
#[inline(always)]
pub(crate) const fn matches_unreduced(congruent_remainder: u32, check: u32) -> bool {
    (congruent_remainder + check + (MODULUS - 1)).is_multiple_of(MODULUS) & (check < MODULUS)
}

/// The check value of the fields of an ID.
///
/// The expanded body is cut into three pieces that each fit a `u32` (`VV G LLL`: 9
/// digits; `SSSS T`: 6; `YYMM C`: 5, or 4 with a three-digit year-month). Their
/// remainders are independent, so they are taken side by side and weighted by the powers
/// of ten that place them: no 64-bit division on 32-bit targets, and a short dependency
/// chain on all of them.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) const fn check_value_of(
    version: u8,
    region: u8,
    jurisdiction: [u8; 3],
    sequence: u16,
    entity_code: u8,
    year_month: u16,
    three_digit_ym: bool,
    trust: u8,
) -> u8 {
    const M: u32 = MODULUS;
    let [l1, l2, l3] = jurisdiction;
    let head = version as u32 * 10_000_000
        + region as u32 * 1_000_000
        + letter_value(l1) * 10_000
        + letter_value(l2) * 100
        + letter_value(l3);
    let middle = sequence as u32 * 100 + letter_value(entity_code);
    let tail = year_month as u32 * 10 + trust as u32;
    // Computed at compile time (a size-optimised build would not fold the loops).
    const HEAD_WEIGHT: u32 = pow10_mod(11);
    const MIDDLE_WEIGHT: u32 = pow10_mod(5);
    const HEAD_WEIGHT_3: u32 = pow10_mod(10);
    const MIDDLE_WEIGHT_3: u32 = pow10_mod(4);
    let (head_weight, middle_weight) = if three_digit_ym {
        (HEAD_WEIGHT_3, MIDDLE_WEIGHT_3)
    } else {
        (HEAD_WEIGHT, MIDDLE_WEIGHT)
    };
    let r = ((head % M) * head_weight + (middle % M) * middle_weight + tail % M) % M;
    check_value_from_remainder(r as u8)
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
    fn the_field_form_agrees_with_the_byte_form() {
        assert_eq!(
            check_value_of(3, 1, *b"USA", 5537, b'P', 2602, false, 0),
            38
        );
        assert_eq!(check_value_of(3, 1, *b"USA", 2, b'T', 259, true, 3), 33);
        assert_eq!(compute("03-1-USA-0002-T-259-3"), Ok(33));
    }

    #[test]
    fn the_unreduced_comparison_agrees_with_the_check_value() {
        for r in 0..MODULUS {
            for check in 0..100 {
                let expected = u32::from(check_value_from_remainder(r as u8)) == check;
                assert_eq!(
                    matches_unreduced(r + 3 * MODULUS, check),
                    expected,
                    "{r} {check}"
                );
            }
        }
    }

    #[test]
    fn long_bodies_do_not_overflow() {
        let body = [b'Z'; 200];
        assert!(compute(body).is_ok());
    }
}
