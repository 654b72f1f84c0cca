//! # chittyid-embassy
//!
//! The ChittyID client for firmware: the core's engine (breakers, retries, the cache, the
//! health monitor) driven over any `embedded_io_async` connection, with embassy-time as
//! the clock and for time-outs. `#![no_std]`, no allocation: the buffers are the
//! caller's. It never picks a time driver or queue; that is the firmware's choice.
//!
//! The API mirrors the std client: [`Client::mint`], [`Client::validate`],
//! [`Client::health`], [`Client::stats`].
//!
//! ## Features
//!
//! None is on by default.
//!
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
#![allow(async_fn_in_trait)]

mod client;
mod exchange;
mod log;

pub use client::{Buffers, Client, Connect, ConnectError};
pub use log::LogObserver;

pub use chittyid::engine::{EngineConfig, HealthError, MintError, Stats, Unanswered, Validation};
pub use chittyid::wire::{HealthAnswer, MintAnswer, MintRequest};
