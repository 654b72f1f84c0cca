//! The shared test vectors (`tests/data/vectors.jsonl`): the parser must agree with
//! `valid` on every line and name the same first broken rule as `kind`.

use chittyid::{ChittyId, ErrorKind, ParseOptions};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vector {
    id: String,
    valid: bool,
    kind: String,
    note: Option<String>,
}

fn vectors() -> Vec<Vector> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/data/vectors.jsonl"
    );
    let text = std::fs::read_to_string(path).expect("tests/data/vectors.jsonl is readable");
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("each line is a vector"))
        .collect()
}

/// `(valid, kind)` as the vectors spell them.
fn verdict(input: &str) -> (bool, &'static str) {
    match ChittyId::parse(input) {
        Ok(id) => (id.is_canonical(), id.kind().code()),
        Err(e) => (false, e.kind().code()),
    }
}

#[test]
fn parser_agrees_with_every_vector() {
    let vectors = vectors();
    assert!(vectors.len() >= 1000, "only {} vectors", vectors.len());
    let mut disagreements = Vec::new();
    for v in &vectors {
        let (valid, kind) = verdict(&v.id);
        if valid != v.valid || kind != v.kind {
            disagreements.push(format!(
                "{:?}: expected valid={} kind={} ({}), got valid={valid} kind={kind}",
                v.id,
                v.valid,
                v.kind,
                v.note.as_deref().unwrap_or("")
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn every_kind_of_the_vectors_is_exercised() {
    let vectors = vectors();
    let error_codes = ErrorKind::ALL.map(ErrorKind::code);
    for kind in ["canonical", "fallback"].into_iter().chain(error_codes) {
        assert!(
            vectors.iter().any(|v| v.kind == kind),
            "no vector of kind {kind}"
        );
    }
    // And the vectors name no error kind that ErrorKind::ALL lacks.
    let id_kinds = ["canonical", "fallback", "three_digit_year_month"];
    for v in vectors
        .iter()
        .filter(|v| !id_kinds.contains(&v.kind.as_str()))
    {
        assert!(
            error_codes.contains(&v.kind.as_str()),
            "{:?}: kind {} is not in ErrorKind::ALL",
            v.id,
            v.kind
        );
    }
}

#[test]
fn valid_vectors_round_trip_byte_for_byte() {
    for v in vectors()
        .iter()
        .filter(|v| v.kind == "canonical" || v.kind == "fallback")
    {
        let id = ChittyId::parse(&v.id).unwrap();
        assert_eq!(id.to_string(), v.id);
        assert_eq!(ChittyId::parse(&id.to_string()), Ok(id));
    }
}

#[test]
fn lenient_mode_accepts_only_the_three_digit_year_month_in_addition() {
    for v in vectors() {
        let strict = ChittyId::parse(&v.id);
        let lenient = ChittyId::parse_with(v.id.as_bytes(), ParseOptions::LENIENT);
        match (strict, lenient) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(_), Ok(id)) => {
                assert!(id.year_month().is_three_digit(), "{}", v.id);
                assert_eq!(id.to_string(), v.id);
            }
            (Ok(_), Err(e)) => panic!("{} strict-valid but lenient error {e}", v.id),
            (Err(_), Err(_)) => {}
        }
    }
}
