//! Parse and checksum of 100 000 distinct canonical IDs, the mixed workload of issue 16
//! (regions 1-9, every month, every entity type, trust 0-5): ns per ID for
//! `str::parse::<ChittyId>()`, for `ChittyId::recognize`, for a naive byte-by-byte
//! validator and for the regex baseline, side by side.

use std::collections::HashSet;
use std::hint::black_box;

use chittyid::{ChittyId, EntityType};

use crate::baseline::RegexValidator;
use crate::ids::distinct_canonical_texts;
use crate::timing::{median, ns_per};

const IDS: usize = 100_000;

/// The median time to run `accepts` over every ID (monomorphised: no indirect call).
fn count_ok(accepts: impl Fn(&str) -> bool, ids: &[&str]) -> std::time::Duration {
    median(ROUNDS, || {
        let ok = ids.iter().filter(|id| accepts(black_box(id))).count();
        black_box(ok);
    })
}
const ROUNDS: usize = 21;

/// The straightforward validator: one byte at a time against a template, the mod-97
/// remainder taken at every character as the spec states it, then the value rules.
fn naive_is_valid(id: &str) -> bool {
    const TEMPLATE: &[u8; 25] = b"DD-D-LLL-DDDD-E-DDDD-C-DD";
    let b = id.as_bytes();
    if b.len() != TEMPLATE.len() {
        return false;
    }
    let mut r: u32 = 0;
    for (i, (&c, &class)) in b.iter().zip(TEMPLATE).enumerate() {
        let ok = match class {
            b'D' => c.is_ascii_digit(),
            b'-' => c == b'-',
            b'L' => c.is_ascii_uppercase(),
            b'E' => matches!(c, b'P' | b'L' | b'T' | b'E' | b'A'),
            _ => (b'0'..=b'5').contains(&c),
        };
        if !ok {
            return false;
        }
        if i < 22 {
            if c.is_ascii_digit() {
                r = (r * 10 + u32::from(c - b'0')) % 97;
            } else if c.is_ascii_uppercase() {
                r = (r * 100 + u32::from(c - b'A' + 10)) % 97;
            }
        }
    }
    let month = (b[18] - b'0') * 10 + (b[19] - b'0');
    if !(1..=12).contains(&month) {
        return false;
    }
    // Region 0: a fallback ID, with ERR, a code up to 0099 and trust 0.
    if b[3] == b'0' && (&b[5..8] != b"ERR" || &b[9..11] != b"00" || b[21] != b'0') {
        return false;
    }
    let check = u32::from(b[23] - b'0') * 10 + u32::from(b[24] - b'0');
    (98 - r) % 97 == check
}

/// Asserts that the workload is the one issue 16 names.
fn check_workload(ids: &[&str]) {
    let distinct: HashSet<&&str> = ids.iter().collect();
    assert_eq!(distinct.len(), IDS, "the IDs are distinct");
    let parsed: Vec<ChittyId> = ids.iter().map(|id| id.parse().expect("valid")).collect();
    let set = |f: fn(&ChittyId) -> u8| parsed.iter().map(f).collect::<HashSet<u8>>();
    let range = |r: std::ops::RangeInclusive<u8>| r.collect::<HashSet<u8>>();
    assert_eq!(set(|id| id.region().digit()), range(1..=9), "regions 1-9");
    assert_eq!(
        set(|id| id.year_month().month().unwrap_or(0)),
        range(1..=12),
        "every month"
    );
    assert_eq!(
        set(|id| id.trust_level().digit()),
        range(0..=5),
        "trust 0-5"
    );
    assert_eq!(
        set(|id| id.entity_type() as u8),
        EntityType::ALL.iter().map(|&e| e as u8).collect(),
        "every entity type"
    );
}

pub fn run() {
    // One contiguous buffer, as IDs arrive from a file or a socket; the baselines read
    // the very same bytes.
    let buffer: String = distinct_canonical_texts(IDS, 0x5eed).concat();
    let ids: Vec<&str> = (0..IDS).map(|i| &buffer[i * 25..i * 25 + 25]).collect();
    check_workload(&ids);
    let regex = RegexValidator::new();
    // Every measured function must accept every ID, or the figures mean nothing.
    assert!(
        ids.iter()
            .all(|id| ChittyId::recognize(id.as_bytes()).is_some())
    );
    assert!(ids.iter().all(|id| naive_is_valid(id)));
    assert!(ids.iter().all(|id| regex.is_valid(id)));
    let invalid_buffer: String = ids
        .iter()
        .map(|id| {
            let last = if id.ends_with('0') { "1" } else { "0" };
            [&id[..24], last].concat()
        })
        .collect();
    let invalid: Vec<&str> = (0..IDS)
        .map(|i| &invalid_buffer[i * 25..i * 25 + 25])
        .collect();
    assert!(invalid.iter().all(|id| id.parse::<ChittyId>().is_err()));
    assert!(!invalid.iter().any(|id| naive_is_valid(id)));

    let overhead = count_ok(|id: &str| id.len() == 25, &ids);
    let parse = count_ok(|id: &str| id.parse::<ChittyId>().is_ok(), &ids);
    let recognize = count_ok(
        |id: &str| ChittyId::recognize(id.as_bytes()).is_some(),
        &ids,
    );
    let naive = count_ok(naive_is_valid, &ids);
    let baseline = count_ok(|id: &str| regex.is_valid(id), &ids);
    let parse_invalid = count_ok(|id: &str| id.parse::<ChittyId>().is_ok(), &invalid);
    let baseline_invalid = count_ok(|id: &str| regex.is_valid(id), &invalid);

    let (p, r, n, b) = (
        ns_per(parse, IDS),
        ns_per(recognize, IDS),
        ns_per(naive, IDS),
        ns_per(baseline, IDS),
    );
    let (pi, bi) = (ns_per(parse_invalid, IDS), ns_per(baseline_invalid, IDS));
    println!(
        "parse + checksum of {IDS} distinct canonical IDs, regions 1-9, every month and \
         entity type, trust 0-5 (median of {ROUNDS} rounds)"
    );
    println!(
        "  (loop overhead alone: {:.1} ns/ID, included in every figure)",
        ns_per(overhead, IDS)
    );
    println!(
        "  str::parse::<ChittyId>()         {p:8.1} ns/ID   {:6.1}x faster than naive   {:6.1}x faster than regex",
        n / p,
        b / p
    );
    println!(
        "  ChittyId::recognize              {r:8.1} ns/ID   {:6.1}x faster than naive   {:6.1}x faster than regex",
        n / r,
        b / r
    );
    println!("  naive byte-by-byte validator     {n:8.1} ns/ID");
    println!("  baseline: 8 regexes + mod-97     {b:8.1} ns/ID");
    println!("  (goal: at most 12 ns/ID)");
    println!("the same IDs with a wrong check value (the error path, with full diagnostics)");
    println!(
        "  str::parse::<ChittyId>()         {pi:8.1} ns/ID   {:6.1}x faster than regex",
        bi / pi
    );
    println!("  baseline                         {bi:8.1} ns/ID");
}
