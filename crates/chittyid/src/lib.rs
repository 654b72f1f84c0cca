//! # chittyid
//!
//! The core of ChittyID: the identifier type, its mod-97 checksum and its parser.
//! `#![no_std]`, no allocation, no `unsafe`: the same code runs in firmware and services.
//!
//! A ChittyID is `VV-G-LLL-SSSS-T-YYMM-C-XX`: version, region, jurisdiction, sequence,
//! entity type, year and month, trust level and a two-digit check value.
//!
//! ```
//! use chittyid::{ChittyId, EntityType, IdKind, Region};
//!
//! let id: ChittyId = "03-1-USA-5537-P-2602-0-38".parse()?;
//! assert_eq!(id.region(), Region::NorthAmerica);
//! assert_eq!(id.entity_type(), EntityType::Person);
//! assert_eq!(id.check_value(), 38);
//! assert_eq!(id.kind(), IdKind::Canonical);
//! assert_eq!(id.to_string(), "03-1-USA-5537-P-2602-0-38");
//!
//! // Errors say what is wrong and where.
//! let err = "03-1-USA-5537-P-2602-0-39".parse::<ChittyId>().unwrap_err();
//! assert_eq!(err.kind().code(), "checksum_mismatch");
//! assert_eq!(err.offset(), 23);
//! # Ok::<(), chittyid::ParseError>(())
//! ```
//!
//! ## Features
//!
//! None is on by default.
//!
#![doc = document_features::document_features!()]
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(test)]
extern crate std;

pub mod checksum;
pub mod component;
pub mod engine;
mod error;
mod id;
mod parse;
pub mod resilience;
pub mod selftest;
#[cfg(feature = "serde")]
mod serde_impl;
pub mod wire;

pub use component::{
    EntityType, FallbackCode, Jurisdiction, Region, Segment, TrustLevel, YearMonth,
};
pub use error::{ErrorKind, Expected, Found, LegacyFormat, ParseError, PartsError, ShortText};
pub use id::{ChittyId, IdBuf, IdKind, Parts};
pub use parse::ParseOptions;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
