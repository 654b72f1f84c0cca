//! The `serde` feature: a `ChittyId` travels as its string form, and a bad string is a
//! deserialization error that carries the parser's explanation.
#![cfg(feature = "serde")]

use chittyid::ChittyId;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Record {
    id: ChittyId,
}

#[test]
fn serializes_as_the_string_form() {
    let record = Record {
        id: "03-1-USA-5537-P-2602-0-38".parse().unwrap(),
    };
    let json = serde_json::to_string(&record).unwrap();
    assert_eq!(json, r#"{"id":"03-1-USA-5537-P-2602-0-38"}"#);
    assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), record);
}

#[test]
fn a_bad_id_is_an_error_that_says_why() {
    let err = serde_json::from_str::<Record>(r#"{"id":"03-1-USA-5537-P-2602-0-39"}"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
    assert!(serde_json::from_str::<Record>(r#"{"id":5}"#).is_err());
}
