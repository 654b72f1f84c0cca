//! # chittyid
//!
//! The core of ChittyID: the identifier type, its mod-97 checksum and its parser, and
//! the sans-IO engine that every client runs. `#![no_std]`, no allocation, no `unsafe`:
//! the same code runs in firmware and services.
//!
//! ## Where things are
//!
//! | module | what it owns |
//! |---|---|
//! | crate root | [`ChittyId`] (an ID packed into a `u64`), [`ParseError`] and its [`ErrorKind`]s, [`ParseOptions`] |
//! | [`component`] | the segments: [`Region`], [`Jurisdiction`], [`EntityType`], [`YearMonth`], [`TrustLevel`], [`FallbackCode`] |
//! | [`checksum`] | the mod-97 check value |
//! | `engine` | the call engine: [`engine::Engine`], typed calls, the one input of wire facts, outcomes, statistics, events |
//! | `resilience` | its parts, usable alone: breaker, retry policy and budget, LRU cache, health monitor, clock and RNG |
//! | `wire` | the service's protocol: requests, answer decoding, the HTTP/1.1 response reader |
//! | `selftest` | the report firmware and the host both print, compared in CI |
//!
//! `engine`, `resilience`, `wire` and `selftest` come with the `engine` feature (on by
//! default).
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
//! `engine` is on by default; without it the crate is the parser and the checksum alone.
//!
#![doc = document_features::document_features!()]
#![no_std]
#![forbid(unsafe_code)]
// Every public type that may grow is `#[non_exhaustive]`; each that may not says why.
#![warn(clippy::exhaustive_enums, clippy::exhaustive_structs)]
#![forbid(unused_must_use)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(test)]
extern crate std;

pub mod checksum;
pub mod component;
#[cfg(feature = "engine")]
#[cfg_attr(docsrs, doc(cfg(feature = "engine")))]
pub mod engine;
mod error;
mod id;
mod parse;
#[cfg(feature = "engine")]
#[cfg_attr(docsrs, doc(cfg(feature = "engine")))]
pub mod resilience;
#[cfg(feature = "engine")]
#[cfg_attr(docsrs, doc(cfg(feature = "engine")))]
pub mod selftest;
#[cfg(feature = "serde")]
mod serde_impl;
#[cfg(feature = "engine")]
#[cfg_attr(docsrs, doc(cfg(feature = "engine")))]
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
