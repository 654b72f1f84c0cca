//! # chittyid-std
//!
//! The ChittyID client for services: the core's sans-IO engine (breakers, retries with
//! a budget, the validation cache, the health monitor) driven by tokio, over HTTP/1.1
//! with keep-alive pooling and TLS by rustls. The adapter only moves bytes and time: all
//! policy lives in the core, shared with firmware.
//!
//! - [`Client`]: `Clone + Send + Sync`; `mint`, `validate`, `health`, `stats`,
//!   `metrics` (Prometheus text) and `subscribe` (events).
//! - Configuration through [`Client::builder`]; the service URL and the token default to
//!   `CHITTYID_SERVICE_URL` and `CHITTY_ID_TOKEN`. The token never appears in `Debug`,
//!   logs or errors.

mod builder;
mod client;
mod clock;
mod metrics;
mod observe;
mod secret;
mod transport;

pub use builder::{BuildError, ClientBuilder, DEFAULT_CACHE_CAPACITY, DEFAULT_SERVICE_URL};
pub use client::{Client, ClientStats};
pub use secret::Secret;

pub use chittyid::engine::{
    Endpoint, Event, HealthError, KeyPolicy, MintError, Unanswered, Validation,
};
pub use chittyid::wire::{HealthAnswer, IdempotencyKey, MintAnswer, MintRequest};
