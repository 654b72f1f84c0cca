//! Unit tests of the parser's two paths: the grammar's error positions, and the fast path
//! agreeing with the grammar.

use proptest::prelude::*;
use std::{format, string::ToString, vec, vec::Vec};

use super::{ParseOptions, fast, grammar};
use crate::{ChittyId, ErrorKind, Found, LegacyFormat};

fn err(input: &str) -> crate::ParseError {
    ChittyId::parse(input).unwrap_err()
}

#[test]
fn errors_point_at_the_offending_byte() {
    let e = err("03-1-USA-5537-P-2613-0-38");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::YearMonth, 18));
    let e = err("03-1-USA-5537-P-2602-0-8");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::ChecksumFormat, 24));
    let e = err("03-1-USA-55x7-P-2602-0-38");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::Sequence, 11));
    let e = err("03-1-USA-5537-P-2602-0-38-0");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::SegmentCount, 25));
    assert_eq!(e.found(), Found::SegmentCount(9));
    let e = err("03-1-USA-5537-P-2602-0");
    assert_eq!((e.kind(), e.offset()), (ErrorKind::SegmentCount, 22));
    let e = err("03-1-USA-5537-P-2602-0-39");
    assert_eq!(
        e.found(),
        Found::CheckValue {
            found: 39,
            computed: 38
        }
    );
}

#[test]
fn non_ascii_is_reported_as_the_character() {
    let e = err("03\u{2010}1-USA-5537-P-2602-0-38");
    assert_eq!(e.kind(), ErrorKind::NonAsciiOrSpace);
    assert_eq!((e.offset(), e.found()), (2, Found::Char('\u{2010}')));
    let e = ChittyId::parse_bytes(b"03-1-\xffSA").unwrap_err();
    assert_eq!((e.offset(), e.found()), (5, Found::Byte(0xff)));
    // Overlong, truncated and surrogate encodings are bytes, not characters.
    for bad in [
        &b"\xc0\xaf"[..],
        b"\xe2\x80",
        b"\xed\xa0\x80",
        b"\xf0\x82\x82\xac",
    ] {
        let e = ChittyId::parse_bytes(bad).unwrap_err();
        assert_eq!(e.found(), Found::Byte(bad[0]), "{bad:?}");
    }
    let e = ChittyId::parse_bytes("\u{1F600}".as_bytes()).unwrap_err();
    assert_eq!(e.found(), Found::Char('\u{1F600}'));
}

#[test]
fn legacy_forms_are_named() {
    let kind = |s| err(s).kind();
    assert_eq!(
        kind("CT-A-CHI-1234-I-24-A-0"),
        ErrorKind::LegacyFormat(LegacyFormat::V220LetterPattern)
    );
    assert_eq!(
        kind("CHITTY-PEO-000001-ABCDEF12"),
        ErrorKind::LegacyFormat(LegacyFormat::ChittyPrefix)
    );
    assert_eq!(
        kind("chitty_1234567890_abc123"),
        ErrorKind::LegacyFormat(LegacyFormat::ChittyUnderscore)
    );
}

#[test]
fn fallback_rules() {
    assert!(ChittyId::parse("03-0-ERR-0001-T-2611-0-32").is_ok());
    assert_eq!(err("03-0-ERR-0100-T-2611-0-32").kind(), ErrorKind::Sequence);
    assert_eq!(err("03-0-USA-5537-P-2602-0-38").kind(), ErrorKind::Region);
    // ERR under a region other than 0 is only a jurisdiction (the shared vectors agree).
    let err_outside_fallback = format!(
        "03-1-ERR-0001-T-2611-0-{:02}",
        crate::checksum::compute("03-1-ERR-0001-T-2611-0").unwrap()
    );
    assert!(
        ChittyId::parse(&err_outside_fallback)
            .unwrap()
            .is_canonical()
    );
    let trust_in_fallback = format!(
        "03-0-ERR-0001-T-2611-2-{:02}",
        crate::checksum::compute("03-0-ERR-0001-T-2611-2").unwrap()
    );
    assert_eq!(err(&trust_in_fallback).kind(), ErrorKind::TrustLevel);
}

#[test]
fn three_digit_year_month_only_when_lenient() {
    let old = b"03-1-USA-0002-T-259-3-33";
    assert_eq!(
        ChittyId::parse_bytes(old).unwrap_err().kind(),
        ErrorKind::YearMonth
    );
    let id = ChittyId::parse_with(old, ParseOptions::LENIENT).unwrap();
    assert_eq!(id.to_string().as_bytes(), old);
    assert_eq!(id.year_month().year(), 25);
    // A wrong check value is still caught.
    let bad = b"03-1-USA-0002-T-259-3-34";
    assert_eq!(
        ChittyId::parse_with(bad, ParseOptions::LENIENT)
            .unwrap_err()
            .kind(),
        ErrorKind::ChecksumMismatch
    );
}

/// Inputs near the canonical shape: a valid ID with a few bytes replaced.
fn near_ids() -> impl Strategy<Value = Vec<u8>> {
    let alphabet: Vec<u8> = b"0123456789-ABCELPRTUXZa \xff".to_vec();
    (
        prop::sample::select(vec![
            "03-1-USA-5537-P-2602-0-38",
            "03-0-ERR-0001-T-2611-0-32",
            "05-9-DEU-0000-A-9912-5-00",
        ]),
        prop::collection::vec((0usize..25, prop::sample::select(alphabet)), 0..3),
    )
        .prop_map(|(base, edits)| {
            let mut bytes = base.as_bytes().to_vec();
            for (at, byte) in edits {
                bytes[at] = byte;
            }
            bytes
        })
}

/// IDs of the canonical shape whose check value is right (or off by 97, which still
/// fits two digits), with fields near their limits: region 0 with and without `ERR`,
/// months 00-19, trust 0-9, any letter as the entity code.
fn checked_ids() -> impl Strategy<Value = Vec<u8>> {
    let digit = || prop::sample::select(b"0123456789".to_vec());
    let letter = || {
        prop_oneof![
            prop::sample::select(b"AERTZ".to_vec()),
            (b'A'..=b'Z').prop_map(|b| b),
        ]
    };
    let jurisdiction = prop_oneof![Just(b"ERR".to_vec()), prop::collection::vec(letter(), 3),];
    (
        prop::collection::vec(digit(), 2),
        prop::sample::select(b"0019".to_vec()),
        jurisdiction,
        (
            prop::sample::select(b"0019".to_vec()),
            prop::collection::vec(digit(), 3),
        ),
        letter(),
        (
            prop::collection::vec(digit(), 2),
            prop::sample::select(b"01".to_vec()),
            digit(),
        ),
        prop_oneof![Just(b'0'), digit()],
        any::<bool>(),
    )
        .prop_map(
            |(version, region, letters, (s0, s), entity, (year, m0, m1), trust, off)| {
                let mut body = version;
                body.push(b'-');
                body.push(region);
                body.push(b'-');
                body.extend(letters);
                body.push(b'-');
                body.push(s0);
                body.extend(s);
                body.extend([b'-', entity, b'-']);
                body.extend(year);
                body.extend([m0, m1, b'-', trust]);
                let mut check = u32::from(crate::checksum::compute(&body).unwrap());
                if off && check + 97 <= 99 {
                    check += 97;
                }
                body.extend(format!("-{check:02}").bytes());
                body
            },
        )
}

#[test]
fn check_values_from_97_up_are_refused() {
    // Check values 00, 01, 02, and the same plus 97, which also fit two digits.
    for (body, right) in [
        ("03-1-USA-0009-T-2601-0", 0),
        ("03-1-USA-0046-T-2601-0", 1),
        ("03-1-USA-0083-T-2601-0", 2),
    ] {
        assert_eq!(crate::checksum::compute(body), Ok(right), "{body}");
        assert!(fast::parse_canonical(format!("{body}-{right:02}").as_bytes()).is_some());
        let id = format!("{body}-{}", right + 97);
        assert_eq!(fast::parse_canonical(id.as_bytes()), None, "{id}");
        assert_eq!(err(&id).kind(), ErrorKind::ChecksumMismatch, "{id}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// The same on inputs that reach the rules after the checksum.
    #[test]
    fn fast_path_agrees_with_grammar_on_checked_ids(input in checked_ids()) {
        let fast = fast::parse_canonical(&input);
        let slow = grammar::parse(&input, ParseOptions::STRICT).ok();
        prop_assert_eq!(fast, slow);
    }

    /// The hand-made decoder agrees with core's on any bytes.
    #[test]
    fn non_ascii_found_agrees_with_core(bytes in prop::collection::vec(any::<u8>(), 1..6)) {
        let input: Vec<u8> = [b"03-".as_slice(), &bytes].concat();
        let Err(e) = ChittyId::parse_bytes(&input) else {
            return Ok(());
        };
        if e.kind() == ErrorKind::NonAsciiOrSpace && input[e.offset()] >= 0x80 {
            let rest = &input[e.offset()..];
            let first = rest.utf8_chunks().next().and_then(|c| c.valid().chars().next());
            let expected = match first {
                Some(c) => Found::Char(c),
                None => Found::Byte(rest[0]),
            };
            prop_assert_eq!(e.found(), expected);
        }
    }

    /// The fast path accepts exactly what the strict grammar accepts, with the same value.
    #[test]
    fn fast_path_agrees_with_grammar(input in near_ids()) {
        let fast = fast::parse_canonical(&input);
        let slow = grammar::parse(&input, ParseOptions::STRICT).ok();
        prop_assert_eq!(fast, slow);
    }

    #[test]
    fn fast_path_agrees_with_grammar_on_any_bytes(input in prop::collection::vec(any::<u8>(), 25)) {
        let fast = fast::parse_canonical(&input);
        let slow = grammar::parse(&input, ParseOptions::STRICT).ok();
        prop_assert_eq!(fast, slow);
    }
}
