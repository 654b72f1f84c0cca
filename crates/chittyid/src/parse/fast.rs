//! The fast path: one pass over a 25-byte input of the canonical shape, with no error
//! detail. Anything it does not accept goes to the grammar, which explains why.
//!
//! The input is read as three little-endian `u64` words (bytes 0-7, 8-15, 16-23) plus
//! the last byte, and worked on eight bytes at a time (SWAR), with masks built at
//! compile time from the template `DD-G-UUU-DDDD-T-DDMD-C-DD`:
//!
//! - every byte is checked against its lane's range at once (two additions per word);
//! - one subtraction per word turns each lane into its value (a digit's, a letter's
//!   `L - 'A' + 10`, a hyphen's 0);
//! - the mod-97 remainder is a dot product of those values with the weights
//!   `10^e mod 97`, summed by multiplications in 16-bit lanes and reduced once. The
//!   weights and the final comparison come from `checksum`, which owns the mod-97
//!   arithmetic; the SWAR dot product stays here, where it reads the words.

use crate::checksum::{matches_unreduced, pow10_mod};
use crate::component::{EntityType, Jurisdiction, Region, TrustLevel, YearMonth};
use crate::id::{ChittyId, Parts};

/// What each of the 25 bytes must be: `D` digit, `G` region digit, `-` hyphen, `U`
/// upper-case letter, `T` entity code (`A`-`T` here, the five codes checked on their
/// own), `M` first digit of the month (`0`-`1`), `C` trust digit (`0`-`5`).
const TEMPLATE: &[u8; 25] = b"DD-G-UUU-DDDD-T-DDMD-C-DD";

/// The lowest byte, the highest byte and the byte of value 0 of a template class.
const fn class_range(class: u8) -> (u8, u8, u8) {
    match class {
        b'D' | b'G' => (b'0', b'9', b'0'),
        b'-' => (b'-', b'-', b'-'),
        b'U' => (b'A', b'Z', b'A' - 10),
        b'T' => (b'A', b'T', b'A' - 10),
        b'M' => (b'0', b'1', b'0'),
        _ => (b'0', b'5', b'0'),
    }
}

/// How many expanded checksum digits follow each byte of the body (`None` for the
/// hyphens and the check value, which the remainder does not read). A letter expands
/// to two digits.
const fn exponents() -> [Option<u32>; 25] {
    let mut out = [None; 25];
    let mut digits_after = 0;
    let mut i = 22; // the body is bytes 0-21
    while i > 0 {
        i -= 1;
        match TEMPLATE[i] {
            b'-' => {}
            b'U' | b'T' => {
                out[i] = Some(digits_after);
                digits_after += 2;
            }
            _ => {
                out[i] = Some(digits_after);
                digits_after += 1;
            }
        }
    }
    out
}

/// The constants of one word: the range test's two addends, the value subtrahend, and
/// the checksum weights of the even and of the odd lanes in 16-bit lanes, reversed (so
/// that a multiplication sums the products in the top lane).
struct Word {
    /// `0x80 - lo` per lane: bit 7 of `x + at_least` is set when the byte is `>= lo`.
    at_least: u64,
    /// `0x7F - hi` per lane: bit 7 of `x + above` is set when the byte is `> hi`.
    above: u64,
    /// The byte of value 0 per lane.
    zero: u64,
    even_weights: u64,
    odd_weights: u64,
}

const fn word_constants(word: usize) -> Word {
    let exponents = exponents();
    let mut w = Word {
        at_least: 0,
        above: 0,
        zero: 0,
        even_weights: 0,
        odd_weights: 0,
    };
    let mut lane = 0;
    while lane < 8 {
        let (lo, hi, zero) = class_range(TEMPLATE[word * 8 + lane]);
        w.at_least |= ((0x80 - lo) as u64) << (lane * 8);
        w.above |= ((0x7F - hi) as u64) << (lane * 8);
        w.zero |= (zero as u64) << (lane * 8);
        if let Some(e) = exponents[word * 8 + lane] {
            let slot = (3 - lane / 2) * 16;
            if lane % 2 == 0 {
                w.even_weights |= (pow10_mod(e) as u64) << slot;
            } else {
                w.odd_weights |= (pow10_mod(e) as u64) << slot;
            }
        }
        lane += 1;
    }
    w
}

const WORDS: [Word; 3] = [word_constants(0), word_constants(1), word_constants(2)];

impl Word {
    /// Bit 7 set in each lane of `x` that holds a byte outside the lane's range. With
    /// no byte from 0x80 up, no addition carries into the next lane.
    #[inline(always)]
    const fn out_of_range(&self, x: u64) -> u64 {
        (x | x.wrapping_add(self.above) | !x.wrapping_add(self.at_least)) & HIGH
    }

    /// Each lane's value (for a word with no lane out of range).
    #[inline(always)]
    const fn values(&self, x: u64) -> u64 {
        x.wrapping_sub(self.zero)
    }

    /// The dot product of the values with the checksum weights, in the top 16-bit lane
    /// (the lanes below hold other sums, which never carry into it).
    #[inline(always)]
    const fn weighted(&self, v: u64) -> u64 {
        (v & EVEN_LANES)
            .wrapping_mul(self.even_weights)
            .wrapping_add(((v >> 8) & EVEN_LANES).wrapping_mul(self.odd_weights))
    }
}

/// Every byte of a word set to `byte`.
const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

const HIGH: u64 = splat(0x80);
const EVEN_LANES: u64 = 0x00FF_00FF_00FF_00FF;

/// The largest value of each lane of a valid input's word (hyphens 0).
const fn max_values(word: usize) -> [u64; 8] {
    let mut out = [0; 8];
    let mut lane = 0;
    while lane < 8 {
        let (_, hi, zero) = class_range(TEMPLATE[word * 8 + lane]);
        out[lane] = (hi - zero) as u64;
        lane += 1;
    }
    out
}

/// The checksum multiplications of all three words are added before the top lane is
/// read: no 16-bit lane of that sum may overflow, or it would carry into the next.
const fn lanes_never_overflow() -> bool {
    let mut sums = [0u64; 4];
    let mut word = 0;
    while word < 3 {
        let values = max_values(word);
        let weights = [WORDS[word].even_weights, WORDS[word].odd_weights];
        let mut parity = 0;
        while parity < 2 {
            let mut i = 0; // the value's 16-bit lane
            while i < 4 {
                let mut j = 0; // the weight's 16-bit lane
                while i + j < 4 {
                    let weight = (weights[parity] >> (16 * j)) & 0xFFFF;
                    sums[i + j] += values[2 * i + parity] * weight;
                    j += 1;
                }
                i += 1;
            }
            parity += 1;
        }
        word += 1;
    }
    sums[0] < 0x1_0000 && sums[1] < 0x1_0000 && sums[2] < 0x1_0000 && sums[3] < 0x1_0000
}
const _: () = assert!(lanes_never_overflow());

/// Byte `lane` of a word.
#[inline(always)]
const fn lane(x: u64, lane: u32) -> u8 {
    (x >> (lane * 8)) as u8
}

/// Eight bytes from `at`, little-endian.
#[inline(always)]
fn word(b: &[u8; ChittyId::MAX_LEN], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// The entity type of a code byte, without data-dependent branches (random types in a
/// batch would otherwise mispredict): the 3-bit index of each letter `A`-`T` packed in
/// a word by `code - 'A'`, 7 for a letter that is no code; slot 20 (also 7) takes every
/// byte below `A` or above `T`.
#[inline(always)]
fn entity_from_code(code: u8) -> Option<EntityType> {
    const NONE: u64 = 7;
    const BY_LETTER: u64 = {
        let mut table = 0u64;
        let mut slot = 0;
        while slot <= 20 {
            table |= NONE << (3 * slot);
            slot += 1;
        }
        let mut i = 0;
        while i < EntityType::ALL.len() {
            let entity = EntityType::ALL[i];
            let slot = (entity.code_byte() - b'A') as u32;
            table &= !(NONE << (3 * slot));
            table |= (entity as u64) << (3 * slot);
            i += 1;
        }
        table
    };
    let slot = u32::from(code.wrapping_sub(b'A').min(20));
    let index = (BY_LETTER >> (3 * slot)) & NONE;
    (index != NONE).then(|| EntityType::from_index(index as u8))
}

/// The ID, if `input` is a valid canonical or fallback ID of 25 bytes.
#[inline(always)]
pub(super) fn parse_canonical(input: &[u8]) -> Option<ChittyId> {
    let b: &[u8; ChittyId::MAX_LEN] = input.try_into().ok()?;
    let x = [word(b, 0), word(b, 8), word(b, 16)];
    let last = b[24].wrapping_sub(b'0');
    // Written out word by word, not as a loop: the constants stay immediates (a loop
    // over `WORDS` keeps the table in memory in a size-optimised WebAssembly build).
    let [w0, w1, w2] = &WORDS;
    let shape_ok =
        (w0.out_of_range(x[0]) | w1.out_of_range(x[1]) | w2.out_of_range(x[2]) == 0) & (last <= 9);

    // Values, and the remainder as one dot product.
    let v = [w0.values(x[0]), w1.values(x[1]), w2.values(x[2])];
    let products = w0
        .weighted(v[0])
        .wrapping_add(w1.weighted(v[1]))
        .wrapping_add(w2.weighted(v[2]));
    let remainder = (products >> 48) as u32; // ≡ r (mod 97)
    let check = u32::from(lane(v[2], 7)) * 10 + u32::from(last);
    let check_ok = matches_unreduced(remainder, check);

    // Pairs of digits: lane i of `x * 10 + (x >> 8)` is `10 * d[i] + d[i + 1]` (no lane
    // read here can receive a carry: a letter lane's carry only goes up, into lanes
    // that are not read).
    let pairs = |v: u64| v.wrapping_mul(10).wrapping_add(v >> 8);
    let (p0, p1, p2) = (pairs(v[0]), pairs(v[1]), pairs(v[2]));
    let version = lane(p0, 0);
    let region = lane(v[0], 3);
    let sequence = u16::from(lane(p1, 1)) * 100 + u16::from(lane(p1, 3));
    let year = lane(p2, 0);
    let month = lane(p2, 2);
    let trust = lane(v[2], 5);
    let month_ok = month.wrapping_sub(1) < 12;

    // Region 0 makes a fallback ID, which needs ERR, a code up to 0099 and trust 0.
    // (ERR under another region is only a jurisdiction, as the shared vectors have it.)
    let err = u64::from_le_bytes([0, 0, 0, 0, 0, b'E', b'R', b'R']);
    let fallback_ok = (x[0] & 0xFFFF_FF00_0000_0000 == err)
        & (v[1] & 0x00FF_FF00 == 0) // the code's first two digits
        & (trust == 0);
    let region_ok = (region != 0) | fallback_ok;

    if !(shape_ok & check_ok & month_ok & region_ok) {
        return None;
    }
    Some(ChittyId::pack(Parts {
        version,
        region: Region::from_digit(region)?,
        jurisdiction: Jurisdiction::from_checked([b[5], b[6], b[7]]), // `U` lanes
        sequence,
        entity_type: entity_from_code(b[14])?,
        year_month: YearMonth::from_packed(year, month, false), // two digits: year ≤ 99
        trust_level: TrustLevel::from_digit(trust)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_table_agrees_with_from_code() {
        for byte in 0u8..=255 {
            assert_eq!(
                entity_from_code(byte),
                EntityType::from_code(byte),
                "{byte:#x}"
            );
        }
    }

    #[test]
    fn exponents_follow_the_expansion() {
        let e = exponents();
        // VV G L L L SSSS T YYMM C: 20 digits, a letter two of them.
        assert_eq!(e[0], Some(19));
        assert_eq!(e[3], Some(17));
        assert_eq!(e[5], Some(15));
        assert_eq!(e[7], Some(11));
        assert_eq!(e[12], Some(7));
        assert_eq!(e[14], Some(5));
        assert_eq!(e[21], Some(0));
        assert_eq!((e[2], e[22], e[23], e[24]), (None, None, None, None));
    }

    #[test]
    fn lane_ranges_accept_and_reject_each_byte_exactly() {
        // One byte in one lane, every other lane holding a byte its range accepts.
        let valid = b"03-1-USA-5537-P-2602-0-38";
        for at in 0..24 {
            for byte in 0u8..=255 {
                let mut input = *valid;
                input[at] = byte;
                let ok = WORDS[at / 8].out_of_range(word(&input, at / 8 * 8)) == 0;
                let (lo, hi, _) = class_range(TEMPLATE[at]);
                assert_eq!(ok, (lo..=hi).contains(&byte), "{byte:#x} at {at}");
            }
        }
    }

    #[test]
    fn the_dot_product_is_the_remainder() {
        for body in [
            "03-1-USA-5537-P-2602-0",
            "99-9-ZZZ-9999-T-9912-5",
            "00-0-AAA-0000-A-0001-0",
        ] {
            let mut input = [b'0'; 25];
            input[..22].copy_from_slice(body.as_bytes());
            input[22] = b'-';
            let mut sum = 0u64;
            for (i, w) in WORDS.iter().enumerate() {
                sum += w.weighted(w.values(word(&input, i * 8))) >> 48;
            }
            let r = crate::checksum::remainder(body).unwrap();
            assert_eq!(sum % 97, u64::from(r), "{body}");
        }
    }
}
