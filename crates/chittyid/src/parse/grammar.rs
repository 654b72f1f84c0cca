//! The nom grammar of `VV-G-LLL-SSSS-T-YYMM-C-XX`. It checks the rules in the order the
//! spec's vectors name them (the *first* rule an input breaks), and says where and why.

use nom::{
    IResult, Parser,
    bytes::complete::take_till,
    combinator::{eof, opt, verify},
    error::Error,
    multi::fill,
    number::complete::u8 as any_byte,
    sequence::terminated,
};

use super::{ParseOptions, legacy};
use crate::component::{EntityType, Jurisdiction, Region, TrustLevel, YearMonth};
use crate::error::{ErrorKind, Found, ParseError, ShortText};
use crate::id::{ChittyId, Parts, check_value_of};

/// The number of segments of an ID.
pub(super) const SEGMENTS: usize = 8;

/// One `-`-separated piece of the input and where it starts.
#[derive(Clone, Copy)]
pub(super) struct Piece<'a> {
    pub(super) text: &'a [u8],
    pub(super) start: usize,
}

/// The first [`SEGMENTS`] pieces of an input, and how many pieces it has in all.
pub(super) struct Pieces<'a> {
    pub(super) first: [Piece<'a>; SEGMENTS],
    pub(super) count: usize,
}

/// Splits on `-` with nom, keeping the first eight pieces and counting the rest.
pub(super) fn split(input: &[u8]) -> Pieces<'_> {
    let empty = Piece {
        text: &[],
        start: 0,
    };
    let mut pieces = Pieces {
        first: [empty; SEGMENTS],
        count: 0,
    };
    let mut rest = input;
    loop {
        let step: IResult<&[u8], (&[u8], Option<&[u8]>), Error<&[u8]>> = (
            take_till(|b| b == b'-'),
            opt(nom::bytes::complete::tag(&b"-"[..])),
        )
            .parse(rest);
        let Ok((after, (text, hyphen))) = step else {
            break;
        };
        if let Some(slot) = pieces.first.get_mut(pieces.count) {
            *slot = Piece {
                text,
                start: input.len() - rest.len(),
            };
        }
        pieces.count += 1;
        rest = after;
        if hyphen.is_none() {
            break;
        }
    }
    pieces
}

/// Exactly `N` bytes that satisfy `class`, and nothing after them. On failure, the
/// offset inside the piece of the first byte that breaks the rule (the piece's end when
/// it is too short).
pub(super) fn exactly<const N: usize>(
    text: &[u8],
    class: fn(u8) -> bool,
) -> Result<[u8; N], usize> {
    let mut out = [0u8; N];
    let outcome = terminated(
        fill(
            verify(any_byte::<&[u8], Error<&[u8]>>, |b: &u8| class(*b)),
            &mut out,
        ),
        eof,
    )
    .parse(text)
    .map(|_| ());
    match outcome {
        Ok(()) => Ok(out),
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

/// The error for a piece that breaks `kind`'s rule at `at` bytes into it.
fn piece_error(kind: ErrorKind, piece: Piece<'_>, at: usize, expected: &'static str) -> ParseError {
    ParseError::new(
        kind,
        piece.start + at,
        expected,
        Found::Text(ShortText::new(piece.text)),
    )
}

/// The whole-input error for a piece that breaks `kind`'s rule.
fn whole_piece_error(kind: ErrorKind, piece: Piece<'_>, expected: &'static str) -> ParseError {
    piece_error(kind, piece, 0, expected)
}

fn checked<const N: usize>(
    piece: Piece<'_>,
    class: fn(u8) -> bool,
    kind: ErrorKind,
    expected: &'static str,
) -> Result<[u8; N], ParseError> {
    exactly::<N>(piece.text, class).map_err(|at| piece_error(kind, piece, at, expected))
}

const EXPECT_VERSION: &str = "two digits";
const EXPECT_REGION: &str = "a region digit 1-9 (0 only in fallback IDs, with ERR)";
const EXPECT_REGION_LETTER: &str =
    "a region digit 1-9 (letter regions are the Oct-2025 form, which cannot be verified offline)";
const EXPECT_JURISDICTION: &str = "three upper-case letters A-Z";
const EXPECT_SEQUENCE: &str = "four digits";
const EXPECT_FALLBACK_CODE: &str = "a fallback code 0000-0099";
const EXPECT_ENTITY: &str = "one of P, L, T, E, A";
const EXPECT_YEAR_MONTH: &str = "four digits YYMM with a month 01-12";
const EXPECT_YEAR_MONTH_LENIENT: &str = "four digits YYMM with a month 01-12, or three digits YYM";
const EXPECT_TRUST: &str = "a trust digit 0-5";
const EXPECT_FALLBACK_TRUST: &str = "trust 0 in a fallback ID";
const EXPECT_CHECK_FORMAT: &str = "two digits";
const EXPECT_CHECK_VALUE: &str = "the check value of the body";

/// Parses any input, naming the first rule it breaks.
pub(super) fn parse(input: &[u8], options: ParseOptions) -> Result<ChittyId, ParseError> {
    if input.is_empty() {
        return Err(ParseError::new(
            ErrorKind::Empty,
            0,
            "an ID VV-G-LLL-SSSS-T-YYMM-C-XX",
            Found::End,
        ));
    }
    if let Some(offset) = input.iter().position(|&b| !b.is_ascii_graphic()) {
        return Err(ParseError::new(
            ErrorKind::NonAsciiOrSpace,
            offset,
            "printable ASCII without spaces",
            found_char(&input[offset..]),
        ));
    }
    let pieces = split(input);
    if let Some(format) = legacy::detect(input, &pieces) {
        return Err(ParseError::new(
            ErrorKind::LegacyFormat(format),
            0,
            "a canonical ID VV-G-LLL-SSSS-T-YYMM-C-XX",
            Found::Text(ShortText::new(input)),
        ));
    }
    if pieces.count != SEGMENTS {
        let offset = if pieces.count > SEGMENTS {
            // The hyphen that starts the ninth segment.
            pieces.first[SEGMENTS - 1].start + pieces.first[SEGMENTS - 1].text.len()
        } else {
            input.len()
        };
        return Err(ParseError::new(
            ErrorKind::SegmentCount,
            offset,
            "eight segments joined by '-'",
            Found::SegmentCount(pieces.count),
        ));
    }
    segments(&pieces.first, options)
}

/// Checks the eight segments in order and builds the ID.
fn segments(p: &[Piece<'_>; SEGMENTS], options: ParseOptions) -> Result<ChittyId, ParseError> {
    let version = number(&checked::<2>(
        p[0],
        digit,
        ErrorKind::Version,
        EXPECT_VERSION,
    )?) as u8;

    let region_expected = if p[1].text.first().is_some_and(|b| upper(*b)) {
        EXPECT_REGION_LETTER
    } else {
        EXPECT_REGION
    };
    let [region_digit] = checked::<1>(p[1], digit, ErrorKind::Region, region_expected)?;
    let fallback = region_digit == b'0';
    if fallback && p[2].text != b"ERR" {
        return Err(whole_piece_error(ErrorKind::Region, p[1], EXPECT_REGION));
    }

    let letters = checked::<3>(p[2], upper, ErrorKind::Jurisdiction, EXPECT_JURISDICTION)?;
    let jurisdiction = Jurisdiction::new(letters)
        .ok_or_else(|| whole_piece_error(ErrorKind::Jurisdiction, p[2], EXPECT_JURISDICTION))?;

    let sequence = number(&checked::<4>(
        p[3],
        digit,
        ErrorKind::Sequence,
        EXPECT_SEQUENCE,
    )?);
    if fallback && sequence > 99 {
        return Err(whole_piece_error(
            ErrorKind::Sequence,
            p[3],
            EXPECT_FALLBACK_CODE,
        ));
    }

    let [code] = checked::<1>(
        p[4],
        |b| EntityType::from_code(b).is_some(),
        ErrorKind::EntityType,
        EXPECT_ENTITY,
    )?;
    let entity_type = EntityType::from_code(code)
        .ok_or_else(|| whole_piece_error(ErrorKind::EntityType, p[4], EXPECT_ENTITY))?;

    let year_month = year_month(p[5], fallback, options)?;

    let [trust_digit] = checked::<1>(
        p[6],
        |b| (b'0'..=b'5').contains(&b),
        ErrorKind::TrustLevel,
        EXPECT_TRUST,
    )?;
    if fallback && trust_digit != b'0' {
        return Err(whole_piece_error(
            ErrorKind::TrustLevel,
            p[6],
            EXPECT_FALLBACK_TRUST,
        ));
    }
    let trust_level = TrustLevel::from_digit(trust_digit - b'0')
        .ok_or_else(|| whole_piece_error(ErrorKind::TrustLevel, p[6], EXPECT_TRUST))?;

    let found_check = number(&checked::<2>(
        p[7],
        digit,
        ErrorKind::ChecksumFormat,
        EXPECT_CHECK_FORMAT,
    )?) as u8;
    let region = Region::from_digit(region_digit - b'0')
        .ok_or_else(|| whole_piece_error(ErrorKind::Region, p[1], EXPECT_REGION))?;
    let computed = check_value_of(
        version,
        region.digit(),
        jurisdiction,
        sequence,
        entity_type,
        year_month.as_number(),
        year_month.is_three_digit(),
        trust_level.digit(),
    );
    if computed != found_check {
        return Err(ParseError::new(
            ErrorKind::ChecksumMismatch,
            p[7].start,
            EXPECT_CHECK_VALUE,
            Found::CheckValue {
                found: found_check,
                computed,
            },
        ));
    }
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
fn year_month(
    piece: Piece<'_>,
    fallback: bool,
    options: ParseOptions,
) -> Result<YearMonth, ParseError> {
    let lenient = options.accepts_three_digit_year_month() && !fallback;
    let expected = if lenient {
        EXPECT_YEAR_MONTH_LENIENT
    } else {
        EXPECT_YEAR_MONTH
    };
    if lenient && piece.text.len() == 3 {
        let digits = checked::<3>(piece, digit, ErrorKind::YearMonth, expected)?;
        let year = number(&digits[..2]) as u8;
        return YearMonth::three_digit(year, digits[2] - b'0')
            .ok_or_else(|| whole_piece_error(ErrorKind::YearMonth, piece, expected));
    }
    let digits = checked::<4>(piece, digit, ErrorKind::YearMonth, expected)?;
    YearMonth::new(number(&digits[..2]) as u8, number(&digits[2..]) as u8)
        .ok_or_else(|| piece_error(ErrorKind::YearMonth, piece, 2, expected))
}

/// What stands at the start of `rest`: a character, or a byte that is not UTF-8.
fn found_char(rest: &[u8]) -> Found {
    let chunk = rest.utf8_chunks().next();
    match chunk.and_then(|c| c.valid().chars().next()) {
        Some(c) => Found::Char(c),
        None => Found::Byte(rest[0]),
    }
}
