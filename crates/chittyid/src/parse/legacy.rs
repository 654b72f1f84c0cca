//! Recognising the non-canonical formats of spec section 4, so that errors can name them.

use super::grammar::{Pieces, SEGMENTS, digit, exactly, upper};
use crate::error::LegacyFormat;

/// The legacy format `input` is written in, if any.
pub(super) fn detect(input: &[u8], pieces: &Pieces<'_, '_>) -> Option<LegacyFormat> {
    if starts_with_ignore_case(input, b"chitty_") {
        Some(LegacyFormat::ChittyUnderscore)
    } else if starts_with_ignore_case(input, b"CHITTY-") {
        Some(LegacyFormat::ChittyPrefix)
    } else if is_v220_letter_pattern(pieces) {
        Some(LegacyFormat::V220LetterPattern)
    } else {
        None
    }
}

fn starts_with_ignore_case(input: &[u8], prefix: &[u8]) -> bool {
    input.len() >= prefix.len() && input[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// `^[A-Z]{2}-[A-Z]-[A-Z]{3}-[0-9]{4}-[A-Z]-[0-9]{2}-[A-Z]-[0-9A-Z]$`.
fn is_v220_letter_pattern(pieces: &Pieces<'_, '_>) -> bool {
    // Read in place (an array `map` would copy the whole table).
    let piece = |i: usize| pieces.first[i].text;
    pieces.count == SEGMENTS
        && exactly::<2>(piece(0), upper).is_ok()
        && exactly::<1>(piece(1), upper).is_ok()
        && exactly::<3>(piece(2), upper).is_ok()
        && exactly::<4>(piece(3), digit).is_ok()
        && exactly::<1>(piece(4), upper).is_ok()
        && exactly::<2>(piece(5), digit).is_ok()
        && exactly::<1>(piece(6), upper).is_ok()
        && exactly::<1>(piece(7), |b| upper(b) || digit(b)).is_ok()
}
