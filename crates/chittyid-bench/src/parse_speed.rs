//! Parse and checksum of 100 000 canonical IDs: ns per ID for `ChittyId::parse`, for
//! `ChittyId::recognize`, and for the regex baseline, side by side.

use std::hint::black_box;

use chittyid::ChittyId;

use crate::baseline::RegexValidator;
use crate::ids::canonical_texts;
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

pub fn run() {
    // One contiguous buffer, as IDs arrive from a file or a socket; the baseline reads
    // the very same bytes.
    let buffer: String = canonical_texts(IDS, 0x5eed).concat();
    let ids: Vec<&str> = (0..IDS).map(|i| &buffer[i * 25..i * 25 + 25]).collect();
    let regex = RegexValidator::new();
    // Every measured function must accept every ID, or the figures mean nothing.
    assert!(ids.iter().all(|id| ChittyId::parse(id).is_ok()));
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
    assert!(invalid.iter().all(|id| ChittyId::parse(id).is_err()));

    let overhead = count_ok(|id: &str| id.len() == 25, &ids);
    let parse = count_ok(|id: &str| ChittyId::parse(id).is_ok(), &ids);
    let recognize = count_ok(
        |id: &str| ChittyId::recognize(id.as_bytes()).is_some(),
        &ids,
    );
    let baseline = count_ok(|id: &str| regex.is_valid(id), &ids);
    let parse_invalid = count_ok(|id: &str| ChittyId::parse(id).is_ok(), &invalid);
    let baseline_invalid = count_ok(|id: &str| regex.is_valid(id), &invalid);

    let (p, r, b) = (
        ns_per(parse, IDS),
        ns_per(recognize, IDS),
        ns_per(baseline, IDS),
    );
    let (pi, bi) = (ns_per(parse_invalid, IDS), ns_per(baseline_invalid, IDS));
    println!("parse + checksum of {IDS} canonical IDs (median of {ROUNDS} rounds)");
    println!(
        "  (loop overhead alone: {:.1} ns/ID, included in every figure)",
        ns_per(overhead, IDS)
    );
    println!(
        "  ChittyId::parse                  {p:8.1} ns/ID   {:6.1}x faster than baseline",
        b / p
    );
    println!(
        "  ChittyId::recognize              {r:8.1} ns/ID   {:6.1}x faster than baseline",
        b / r
    );
    println!("  baseline: 8 regexes + mod-97     {b:8.1} ns/ID");
    println!("  (goal: parse at most 15 ns/ID)");
    println!("the same IDs with a wrong check value (the error path, with full diagnostics)");
    println!(
        "  ChittyId::parse                  {pi:8.1} ns/ID   {:6.1}x faster than baseline",
        bi / pi
    );
    println!("  baseline                         {bi:8.1} ns/ID");
}
