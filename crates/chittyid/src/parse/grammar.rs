//! The nom grammar of `VV-G-LLL-SSSS-T-YYMM-C-XX`. It checks the rules in the order the
//! spec's vectors name them (the *first* rule an input breaks), and says where and why.
//!
//! Inside, a broken rule travels as a small [`Broken`] (it fits in two registers, which
//! keeps firmware images small); it becomes a [`ParseError`] once, at the end.

use nom::{
    IResult, Parser,
    bytes::complete::{tag, take_till},
    combinator::{eof, opt, verify},
    error::Error,
    multi::fill,
    number::complete::u8 as any_byte,
    sequence::terminated,
};

use super::{ParseOptions, legacy};
use crate::component::{EntityType, Jurisdiction, Region, Segment, TrustLevel, YearMonth};
use crate::error::{ErrorKind, Expected, Found, ParseError, ShortText};
use crate::id::{ChittyId, Parts};

/// The number of segments of an ID.
pub(super) const SEGMENTS: usize = 8;

/// One `-`-separated piece of the input and where it starts.
#[derive(Clone, Copy)]
pub(super) struct Piece<'a> {
    pub(super) text: &'a [u8],
    pub(super) start: usize,
}

impl<'a> Piece<'a> {
    /// An empty piece at the start of `input` (the slice points into `input`, so a
    /// table of them is filled with a few stores rather than copied from a template,
    /// which would link `memcpy`).
    fn empty(input: &'a [u8]) -> Self {
        Piece {
            text: &input[..0],
            start: 0,
        }
    }
}

/// The first [`SEGMENTS`] pieces of an input, and how many pieces it has in all. The
/// table is borrowed: it lives in the caller's frame and is never moved (a move of it
/// is a `memcpy` call in a size-optimised firmware image).
pub(super) struct Pieces<'p, 'a> {
    pub(super) first: &'p [Piece<'a>; SEGMENTS],
    pub(super) count: usize,
}

/// A broken rule of a segment: which, where inside the segment, and what it expects.
#[derive(Clone, Copy)]
struct Broken {
    kind: ErrorKind,
    expected: Expected,
    at: u32,
}

impl Broken {
    const fn new(kind: ErrorKind, expected: Expected) -> Broken {
        Broken {
            kind,
            expected,
            at: 0,
        }
    }

    const fn at(mut self, at: usize) -> Broken {
        self.at = at as u32;
        self
    }
}

/// A piece's text and the hyphen after it, if any.
type PieceAndHyphen<'a> = (&'a [u8], Option<&'a [u8]>);

/// Splits on `-` with nom, filling `first` in place with the first eight pieces, and
/// returns how many pieces there are in all.
pub(super) fn split<'a>(input: &'a [u8], first: &mut [Piece<'a>; SEGMENTS]) -> usize {
    let mut count = 0;
    let mut rest = input;
    loop {
        let step: IResult<&[u8], PieceAndHyphen<'_>, Error<&[u8]>> =
            (take_till(|b| b == b'-'), opt(tag(&b"-"[..]))).parse(rest);
        let Ok((after, (text, hyphen))) = step else {
            break;
        };
        if let Some(slot) = first.get_mut(count) {
            *slot = Piece {
                text,
                start: input.len() - rest.len(),
            };
        }
        count += 1;
        rest = after;
        if hyphen.is_none() {
            break;
        }
    }
    count
}

/// Exactly `N` bytes that satisfy `class`, and nothing after them. On failure, the
/// offset inside the piece of the first byte that breaks the rule (the piece's end when
/// it is too short).
pub(super) fn exactly<const N: usize>(
    text: &[u8],
    class: fn(u8) -> bool,
) -> Result<[u8; N], usize> {
    let mut out = [0u8; N];
    exactly_into(text, class, &mut out).map(|()| out)
}

/// The work of [`exactly`], written once for every length (one copy in flash, not four).
fn exactly_into(text: &[u8], class: fn(u8) -> bool, out: &mut [u8]) -> Result<(), usize> {
    let outcome = terminated(
        fill(
            verify(any_byte::<&[u8], Error<&[u8]>>, |b: &u8| class(*b)),
            out,
        ),
        eof,
    )
    .parse(text)
    .map(|_| ());
    match outcome {
        Ok(()) => Ok(()),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(text.len() - e.input.len()),
        Err(nom::Err::Incomplete(_)) => Err(text.len()),
    }
}

pub(super) fn digit(b: u8) -> bool {
    b.is_ascii_digit()
}

pub(super) fn upper(b: u8) -> bool {
    b.is_ascii_uppercase()
}

fn number(digits: &[u8]) -> u16 {
    digits.iter().fold(0, |n, &d| n * 10 + u16::from(d - b'0'))
}

/// `N` bytes of `class`, or the rule `kind` broken where the first wrong byte is.
fn checked<const N: usize>(
    text: &[u8],
    class: fn(u8) -> bool,
    kind: ErrorKind,
    expected: Expected,
) -> Result<[u8; N], Broken> {
    exactly::<N>(text, class).map_err(|at| Broken::new(kind, expected).at(at))
}

/// Parses any input, naming the first rule it breaks. Cold: valid canonical IDs never
/// get here.
#[cold]
pub(super) fn parse(input: &[u8], options: ParseOptions) -> Result<ChittyId, ParseError> {
    if input.is_empty() {
        return Err(ParseError::new(
            ErrorKind::Empty,
            0,
            Expected::AnId,
            Found::End,
        ));
    }
    if let Some(offset) = input.iter().position(|&b| !b.is_ascii_graphic()) {
        return Err(ParseError::new(
            ErrorKind::NonAsciiOrSpace,
            offset,
            Expected::PrintableAscii,
            found_char(&input[offset..]),
        ));
    }
    let mut first = [Piece::empty(input); SEGMENTS];
    let count = split(input, &mut first);
    let pieces = Pieces {
        first: &first,
        count,
    };
    if let Some(format) = legacy::detect(input, &pieces) {
        return Err(ParseError::new(
            ErrorKind::LegacyFormat(format),
            0,
            Expected::CanonicalFormat,
            Found::Text(ShortText::new(input)),
        ));
    }
    if pieces.count != SEGMENTS {
        let last = pieces.first[SEGMENTS - 1];
        let offset = if pieces.count > SEGMENTS {
            last.start + last.text.len() // the hyphen that starts the ninth segment
        } else {
            input.len()
        };
        return Err(ParseError::new(
            ErrorKind::SegmentCount,
            offset,
            Expected::EightSegments,
            Found::SegmentCount(pieces.count),
        ));
    }
    let p = pieces.first;
    // The segments come back packed: a `Parts` moved between results is a `memcpy`
    // call in a size-optimised firmware image, a packed ID is one register pair.
    let id = match segments(p, options) {
        Ok(id) => id,
        Err(broken) => {
            let segment = broken.kind.segment().map_or(Segment::Version, |s| s);
            let piece = p[segment.index()];
            return Err(ParseError::new(
                broken.kind,
                piece.start + broken.at as usize,
                broken.expected,
                Found::Text(ShortText::new(piece.text)),
            ));
        }
    };
    let found = number(p[7].text) as u8;
    let computed = id.check_value();
    if computed != found {
        return Err(ParseError::new(
            ErrorKind::ChecksumMismatch,
            p[7].start,
            Expected::CheckValue,
            Found::CheckValue { found, computed },
        ));
    }
    Ok(id)
}

/// Checks the eight segments in order (the check value's format too, not its value),
/// and packs them.
fn segments(p: &[Piece<'_>; SEGMENTS], options: ParseOptions) -> Result<ChittyId, Broken> {
    use ErrorKind as K;
    let version = number(&checked::<2>(
        p[0].text,
        digit,
        K::Version,
        Expected::VersionDigits,
    )?) as u8;

    let region_expected = if p[1].text.first().is_some_and(|b| upper(*b)) {
        Expected::RegionDigitNotLetter
    } else {
        Expected::RegionDigit
    };
    let [region_digit] = checked::<1>(p[1].text, digit, K::Region, region_expected)?;
    let region = Region::from_digit(region_digit - b'0')
        .ok_or(Broken::new(K::Region, Expected::RegionDigit))?;
    let fallback = region == Region::Pending;
    if fallback && p[2].text != b"ERR" {
        return Err(Broken::new(K::Region, Expected::RegionDigit));
    }

    let letters = checked::<3>(
        p[2].text,
        upper,
        K::Jurisdiction,
        Expected::JurisdictionLetters,
    )?;
    let jurisdiction = Jurisdiction::new(letters)
        .ok_or(Broken::new(K::Jurisdiction, Expected::JurisdictionLetters))?;

    let sequence = number(&checked::<4>(
        p[3].text,
        digit,
        K::Sequence,
        Expected::SequenceDigits,
    )?);
    if fallback && sequence > 99 {
        return Err(Broken::new(K::Sequence, Expected::FallbackCode));
    }

    let is_entity = |b| EntityType::from_code(b).is_some();
    let [code] = checked::<1>(p[4].text, is_entity, K::EntityType, Expected::EntityCode)?;
    let entity_type =
        EntityType::from_code(code).ok_or(Broken::new(K::EntityType, Expected::EntityCode))?;

    let year_month = year_month(p[5].text, fallback, options)?;

    let is_trust = |b| (b'0'..=b'5').contains(&b);
    let [trust] = checked::<1>(p[6].text, is_trust, K::TrustLevel, Expected::TrustDigit)?;
    if fallback && trust != b'0' {
        return Err(Broken::new(K::TrustLevel, Expected::FallbackTrust));
    }
    let trust_level = TrustLevel::from_digit(trust - b'0')
        .ok_or(Broken::new(K::TrustLevel, Expected::TrustDigit))?;

    checked::<2>(p[7].text, digit, K::ChecksumFormat, Expected::CheckDigits)?;
    Ok(ChittyId::pack(Parts {
        version,
        region,
        jurisdiction,
        sequence,
        entity_type,
        year_month,
        trust_level,
    }))
}

/// `YYMM` with a month `01`-`12`, or in lenient mode (outside fallback IDs) `YYM`.
fn year_month(text: &[u8], fallback: bool, options: ParseOptions) -> Result<YearMonth, Broken> {
    let lenient = options.accepts_three_digit_year_month() && !fallback;
    let expected = if lenient {
        Expected::YearMonthOrThreeDigit
    } else {
        Expected::YearMonth
    };
    let broken = Broken::new(ErrorKind::YearMonth, expected);
    if lenient && text.len() == 3 {
        let digits = checked::<3>(text, digit, ErrorKind::YearMonth, expected)?;
        return YearMonth::three_digit(number(&digits[..2]) as u8, digits[2] - b'0').ok_or(broken);
    }
    let digits = checked::<4>(text, digit, ErrorKind::YearMonth, expected)?;
    YearMonth::new(number(&digits[..2]) as u8, number(&digits[2..]) as u8).ok_or(broken.at(2))
}

/// What stands at the start of `rest` (never empty): a character, or a byte that does
/// not start valid UTF-8. Decoded by hand: core's decoder brings a 256-byte table along,
/// which firmware pays for in flash.
fn found_char(rest: &[u8]) -> Found {
    let lead = rest[0];
    let (width, initial) = match lead {
        0x00..=0x7F => return Found::Char(char::from(lead)),
        0xC2..=0xDF => (2, u32::from(lead & 0x1F)),
        0xE0..=0xEF => (3, u32::from(lead & 0x0F)),
        0xF0..=0xF4 => (4, u32::from(lead & 0x07)),
        _ => return Found::Byte(lead),
    };
    let Some(continuation) = rest.get(1..width) else {
        return Found::Byte(lead);
    };
    let mut code = initial;
    for &byte in continuation {
        if byte & 0xC0 != 0x80 {
            return Found::Byte(lead);
        }
        code = (code << 6) | u32::from(byte & 0x3F);
    }
    let shortest = match width {
        2 => 0x80,
        3 => 0x800,
        _ => 0x1_0000,
    };
    match char::from_u32(code) {
        Some(c) if code >= shortest => Found::Char(c),
        _ => Found::Byte(lead),
    }
}
