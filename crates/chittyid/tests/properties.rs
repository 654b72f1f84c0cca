//! Property tests: round trips over generated IDs, the checksum's detection guarantees,
//! the checksum against a big-number reference, and no panics on arbitrary input.

use chittyid::{
    ChittyId, EntityType, FallbackCode, Jurisdiction, Parts, Region, TrustLevel, YearMonth,
    checksum,
};
use proptest::prelude::*;

fn parts() -> impl Strategy<Value = Parts> {
    (
        0u8..=99,
        1u8..=9,
        prop::array::uniform3(b'A'..=b'Z'),
        0u16..=9999,
        prop::sample::select(EntityType::ALL.to_vec()),
        (0u8..=99, 1u8..=12),
        0u8..=5,
    )
        .prop_map(
            |(version, region, letters, sequence, entity_type, (y, m), trust)| Parts {
                version,
                region: Region::from_digit(region).unwrap(),
                jurisdiction: Jurisdiction::new(letters).unwrap(),
                sequence,
                entity_type,
                year_month: YearMonth::new(y, m).unwrap(),
                trust_level: TrustLevel::from_digit(trust).unwrap(),
            },
        )
}

fn valid_id() -> impl Strategy<Value = ChittyId> {
    prop_oneof![
        4 => parts().prop_map(|p| ChittyId::new(p).unwrap()),
        1 => (0u8..=99, 0u16..=99, prop::sample::select(EntityType::ALL.to_vec()), 0u8..=99, 1u8..=12)
            .prop_map(|(v, code, t, y, m)| ChittyId::fallback(
                v,
                FallbackCode::new(code).unwrap(),
                t,
                YearMonth::new(y, m).unwrap(),
            ).unwrap()),
    ]
}

/// `N mod 97` computed on the whole expanded number as a `u128` (bodies of at most 19
/// characters expand to at most 38 digits, which fit).
fn reference_remainder(body: &[u8]) -> u8 {
    let mut digits = String::new();
    for &b in body {
        match b {
            b'0'..=b'9' => digits.push(b as char),
            b'A'..=b'Z' => digits.push_str(&format!("{:02}", b - b'A' + 10)),
            _ => unreachable!(),
        }
    }
    let n: u128 = if digits.is_empty() {
        0
    } else {
        digits.parse().unwrap()
    };
    (n % 97) as u8
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_display_round_trip(id in valid_id()) {
        let text = id.to_string();
        prop_assert!(text.len() == 25);
        prop_assert_eq!(ChittyId::parse(&text), Ok(id));
        prop_assert_eq!(ChittyId::new(id.parts()).or_else(|_| ChittyId::fallback(
            id.version(), id.fallback_code().unwrap(), id.entity_type(), id.year_month())), Ok(id));
    }

    #[test]
    fn parts_survive_packing(p in parts()) {
        prop_assert_eq!(ChittyId::new(p).unwrap().parts(), p);
    }

    #[test]
    fn every_adjacent_transposition_is_rejected(id in valid_id()) {
        let text = id.to_string().into_bytes();
        for at in 0..text.len() - 1 {
            if text[at] == text[at + 1] { continue; }
            let mut swapped = text.clone();
            swapped.swap(at, at + 1);
            prop_assert!(ChittyId::parse_bytes(&swapped).is_err(),
                "{} accepted", String::from_utf8_lossy(&swapped));
        }
    }

    #[test]
    fn checksum_equals_big_number_reference(
        body in prop::collection::vec(prop::sample::select(
            b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".to_vec()), 0..=19)
    ) {
        let r = reference_remainder(&body);
        prop_assert_eq!(checksum::remainder(&body), Ok(r));
        prop_assert_eq!(checksum::compute(&body), Ok(((98 - u16::from(r)) % 97) as u8));
    }

    #[test]
    fn id_check_value_equals_reference(id in valid_id()) {
        let text = id.to_string();
        let body: Vec<u8> = text[..22].bytes().filter(|&b| b != b'-').collect();
        let r = reference_remainder(&body);
        prop_assert_eq!(u16::from(id.check_value()), (98 - u16::from(r)) % 97);
    }

    #[test]
    fn order_follows_text_order(a in valid_id(), b in valid_id()) {
        let (ta, tb) = (a.to_string(), b.to_string());
        // Check values do not take part in the order; compare the bodies.
        prop_assert_eq!(a.cmp(&b), ta[..22].cmp(&tb[..22]));
    }

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(input in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = ChittyId::parse_bytes(&input);
        let _ = ChittyId::parse_with(&input, chittyid::ParseOptions::LENIENT);
    }

    #[test]
    fn errors_point_inside_the_input(input in prop::collection::vec(any::<u8>(), 0..40)) {
        if let Err(e) = ChittyId::parse_bytes(&input) {
            prop_assert!(e.offset() <= input.len());
            prop_assert!(!e.to_string().is_empty());
        }
    }
}

proptest! {
    // Each case parses 25 × 255 substituted inputs, mostly through the slow error path.
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn every_single_substitution_is_rejected(id in valid_id()) {
        let text = id.to_string().into_bytes();
        for at in 0..text.len() {
            for byte in 0u8..=255 {
                if byte == text[at] { continue; }
                let mut changed = text.clone();
                changed[at] = byte;
                prop_assert!(ChittyId::parse_bytes(&changed).is_err(),
                    "{} accepted", String::from_utf8_lossy(&changed));
            }
        }
    }
}
