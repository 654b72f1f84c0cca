//! # chittyid-embassy
//!
//! The ChittyID client for firmware: the core's engine (breakers, retries, the cache, the
//! health monitor) driven over any `embedded_io_async` connection, with embassy-time as
//! the clock and for time-outs. `#![no_std]`, no allocation: the memory is the
//! application's. It never picks a time driver, an executor or a mutex kind; those are
//! the firmware's choice.
//!
//! Shaped like embassy-net: [`new`]`(settings, &mut resources, seed)` gives a [`Client`]
//! handle that any number of tasks call at once (it is `Copy`; each call brings its
//! connector and [`Buffers`]) and a [`Runner`] the application spawns to run the health
//! monitor. The engine sits behind an embassy-sync blocking mutex of the application's
//! kind, locked only inside the engine's synchronous steps.
//!
//! ## Features
//!
//! None is on by default.
//!
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Every public type that may grow is `#[non_exhaustive]`; each that may not says why.
#![warn(clippy::exhaustive_enums, clippy::exhaustive_structs)]
#![forbid(unused_must_use)]
#![no_std]
#![allow(async_fn_in_trait)]

mod buffers;
mod call;
mod connect;
mod exchange;
mod followers;
mod log;
mod runner;
mod settings;
mod shared;

pub use buffers::Buffers;
pub use connect::{Connect, ConnectError};
pub use log::LogObserver;
pub use runner::Runner;
pub use settings::{Settings, Timeouts};
pub use shared::{Client, Resources, SHARED_VALIDATIONS, new};

/// The core: IDs, their parts and errors, the engine's types.
pub use chittyid;
pub use chittyid::engine::{
    Answer, CacheSlot, Endpoint, EngineConfig, Event, Failure, HealthError, HealthResult,
    KeyPolicy, MintError, MintResult, Stats, Unanswered, Validation,
};
pub use chittyid::resilience::{
    BreakerConfig, BreakerState, HealthConfig, HealthState, RateLimit, RetryConfig,
};
pub use chittyid::wire::{HeadValueError, HealthAnswer, IdempotencyKey, MintAnswer, MintRequest};
pub use chittyid::{
    ChittyId, EntityType, FallbackCode, IdKind, Jurisdiction, ParseError, Region, TrustLevel,
};
/// The mutex kinds an application picks from.
pub use embassy_sync::blocking_mutex::raw;
