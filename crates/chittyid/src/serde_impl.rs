//! `serde` support: a [`ChittyId`] is serialized as its text form and deserialized by
//! the strict parser.

use core::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ChittyId;

impl Serialize for ChittyId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_buf())
    }
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = ChittyId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a ChittyID string such as 03-1-USA-5537-P-2602-0-38")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ChittyId, E> {
        ChittyId::parse(v).map_err(E::custom)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<ChittyId, E> {
        ChittyId::parse_bytes(v).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for ChittyId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ChittyId, D::Error> {
        deserializer.deserialize_str(IdVisitor)
    }
}
