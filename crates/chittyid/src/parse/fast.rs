//! The fast path: one pass over a 25-byte input of the canonical shape, with no error
//! detail. Anything it does not accept goes to the grammar, which explains why.
//!
//! The shape is checked eight bytes at a time (SWAR): the input is read as three
//! little-endian `u64` words plus the last byte, and each word is compared at once
//! against masks built from the template `DD-D-UUU-DDDD-T-DDDD-D-DD`.

use crate::component::{EntityType, Jurisdiction, Region, TrustLevel, YearMonth};
use crate::id::{ChittyId, Parts, check_value_of};

/// What each of the first 24 bytes must be: `D` digit, `-` hyphen, `U` upper-case letter,
/// `T` entity code (checked on its own).
const TEMPLATE: &[u8; 24] = b"DD-D-UUU-DDDD-T-DDDD-D-D";

/// A word with `0xFF` in the lanes of the template (within word `word`) that are `class`.
const fn lanes(word: usize, class: u8) -> u64 {
    let mut mask = 0u64;
    let mut lane = 0;
    while lane < 8 {
        if TEMPLATE[word * 8 + lane] == class {
            mask |= 0xFF << (lane * 8);
        }
        lane += 1;
    }
    mask
}

/// Every byte of a word set to `byte`.
const fn splat(byte: u8) -> u64 {
    u64::from_ne_bytes([byte; 8])
}

/// `true` when every lane of `mask` in `x` is an ASCII digit.
#[inline(always)]
const fn digits(x: u64, mask: u64) -> bool {
    let high = mask & splat(0xF0);
    let want = mask & splat(0x30);
    // 0x30-0x3F in the high nibble test; + 6 pushes 0x3A-0x3F out of it. A lane that
    // carries into its neighbour has already failed the first test.
    (x & high == want) & ((x.wrapping_add(mask & splat(0x06))) & high == want)
}

/// `true` when every lane of `mask` in `x` is `-`.
#[inline(always)]
const fn hyphens(x: u64, mask: u64) -> bool {
    x & mask == mask & splat(b'-')
}

/// `true` when every lane of `mask` in `x` is `A`-`Z`.
#[inline(always)]
const fn upper(x: u64, mask: u64) -> bool {
    let top = mask & splat(0x80);
    // Below 0x80; + 0x3F reaches 0x80 from 'A' up; + 0x25 reaches it from '[' up.
    (x & top == 0)
        & (x.wrapping_add(mask & splat(0x3F)) & top == top)
        & (x.wrapping_add(mask & splat(0x25)) & top == 0)
}

/// `true` when the input has the canonical shape (not yet the values' ranges).
#[inline(always)]
fn shape_ok(b: &[u8; ChittyId::MAX_LEN]) -> bool {
    let word = |i: usize| {
        u64::from_le_bytes([
            b[i],
            b[i + 1],
            b[i + 2],
            b[i + 3],
            b[i + 4],
            b[i + 5],
            b[i + 6],
            b[i + 7],
        ])
    };
    let mut ok = b[24].is_ascii_digit();
    for (w, x) in [word(0), word(8), word(16)].into_iter().enumerate() {
        ok &= digits(x, lanes_of(w, b'D')) & hyphens(x, lanes_of(w, b'-'));
        ok &= upper(x, lanes_of(w, b'U'));
    }
    ok
}

/// The masks of the three words, computed at compile time.
#[inline(always)]
const fn lanes_of(word: usize, class: u8) -> u64 {
    const MASKS: [[u64; 3]; 3] = [
        [lanes(0, b'D'), lanes(1, b'D'), lanes(2, b'D')],
        [lanes(0, b'-'), lanes(1, b'-'), lanes(2, b'-')],
        [lanes(0, b'U'), lanes(1, b'U'), lanes(2, b'U')],
    ];
    let row = match class {
        b'D' => 0,
        b'-' => 1,
        _ => 2,
    };
    MASKS[row][word]
}

/// [`EntityType::from_code`] without data-dependent branches (random types in a batch
/// would otherwise mispredict): a table by `letter - 'A'`, with slot 26 for the rest.
#[inline(always)]
fn entity_from_code(code: u8) -> Option<EntityType> {
    const NONE: u8 = u8::MAX;
    const BY_LETTER: [u8; 27] = {
        let mut table = [NONE; 27];
        let mut i = 0;
        while i < EntityType::ALL.len() {
            let entity = EntityType::ALL[i];
            table[(entity.code_byte() - b'A') as usize] = entity as u8;
            i += 1;
        }
        table
    };
    let index = BY_LETTER[usize::from(code.wrapping_sub(b'A').min(26))];
    (index != NONE).then(|| EntityType::from_index(index))
}

/// The ID, if `input` is a valid canonical or fallback ID of 25 bytes.
#[inline]
pub(super) fn parse_canonical(input: &[u8]) -> Option<ChittyId> {
    let b: &[u8; ChittyId::MAX_LEN] = input.try_into().ok()?;
    if !shape_ok(b) {
        return None;
    }
    let d = |i: usize| b[i] - b'0';
    let n2 = |i: usize| d(i) * 10 + d(i + 1);

    let version = n2(0);
    let region = d(3);
    let jurisdiction = Jurisdiction::from_checked([b[5], b[6], b[7]]); // `U` lanes
    let sequence = u16::from(n2(9)) * 100 + u16::from(n2(11));
    let entity_type = entity_from_code(b[14])?;
    let month = n2(18);
    if !(1..=12).contains(&month) {
        return None;
    }
    let year_month = YearMonth::from_packed(n2(16), month, false); // two digits: year ≤ 99
    let trust = d(21);
    let check = n2(23);

    // Region 0 makes a fallback ID, which needs ERR, a code up to 0099 and trust 0.
    // (ERR under another region is only a jurisdiction, as the shared vectors have it.)
    let fallback_ok =
        region != 0 || (jurisdiction.is_fallback_marker() && sequence <= 99 && trust == 0);
    if !fallback_ok || trust > 5 {
        return None;
    }
    let computed = check_value_of(
        version,
        region,
        jurisdiction,
        sequence,
        b[14],
        year_month.as_number(),
        false,
        trust,
    );
    if computed != check {
        return None;
    }
    Some(ChittyId::pack(Parts {
        version,
        region: Region::from_digit(region)?,
        jurisdiction,
        sequence,
        entity_type,
        year_month,
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
    fn masks_follow_the_template() {
        assert_eq!(TEMPLATE.len(), 24);
        assert_eq!(lanes(0, b'D'), 0x0000_0000_FF00_FFFF);
        assert_eq!(lanes(0, b'-'), 0x0000_00FF_00FF_0000);
        assert_eq!(lanes(0, b'U'), 0xFFFF_FF00_0000_0000);
    }

    #[test]
    fn lane_tests_accept_and_reject_each_byte_exactly() {
        for byte in 0u8..=255 {
            for lane in 0..8 {
                let mask = 0xFFu64 << (lane * 8);
                // The other lanes hold a value that passes every test's own lanes-off.
                let x = u64::from(byte) << (lane * 8);
                assert_eq!(
                    digits(x, mask),
                    byte.is_ascii_digit(),
                    "{byte:#x} lane {lane}"
                );
                assert_eq!(hyphens(x, mask), byte == b'-', "{byte:#x}");
                assert_eq!(upper(x, mask), byte.is_ascii_uppercase(), "{byte:#x}");
            }
        }
    }
}
