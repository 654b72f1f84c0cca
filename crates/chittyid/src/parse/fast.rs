//! The fast path: one pass over a 25-byte input of the canonical shape, with no error
//! detail. Anything it does not accept goes to the grammar, which explains why.

use crate::component::{EntityType, Jurisdiction, Region, TrustLevel, YearMonth};
use crate::id::{ChittyId, Parts, check_value_of};

/// Positions of the hyphens in `VV-G-LLL-SSSS-T-YYMM-C-XX`.
const HYPHENS: [usize; 7] = [2, 4, 8, 13, 15, 20, 22];
/// Positions of the digits.
const DIGITS: [usize; 14] = [0, 1, 3, 9, 10, 11, 12, 16, 17, 18, 19, 21, 23, 24];

/// The ID, if `input` is a valid canonical or fallback ID of 25 bytes.
#[inline]
pub(super) fn parse_canonical(input: &[u8]) -> Option<ChittyId> {
    let b: &[u8; ChittyId::MAX_LEN] = input.try_into().ok()?;
    let hyphens_ok = HYPHENS.iter().fold(true, |ok, &i| ok & (b[i] == b'-'));
    let digits_ok = DIGITS
        .iter()
        .fold(true, |ok, &i| ok & (b[i].wrapping_sub(b'0') < 10));
    if !(hyphens_ok && digits_ok) {
        return None;
    }
    let d = |i: usize| b[i] - b'0';
    let n2 = |i: usize| d(i) * 10 + d(i + 1);

    let version = n2(0);
    let region = d(3);
    let jurisdiction = Jurisdiction::new([b[5], b[6], b[7]])?;
    let sequence = u16::from(n2(9)) * 100 + u16::from(n2(11));
    let entity_type = EntityType::from_code(b[14])?;
    let year_month = YearMonth::new(n2(16), n2(18))?;
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
        entity_type,
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
