//! # chittyid-std
//!
//! The ChittyID client for services: the core's sans-IO engine (breakers, retries with
//! a budget, the validation cache, the health monitor) driven by tokio, over HTTP/1.1
//! with keep-alive pooling and TLS by rustls. The adapter only moves bytes and time: all
//! policy lives in the core, shared with firmware.
//!
//! - [`Client`]: `Clone + Send + Sync`; `mint`, `validate`, `health`, `stats`,
//!   `metrics` (Prometheus text) and `subscribe` (events).
//! - [`journal`]: an opt-in mint journal ([`ClientBuilder::journal`]) that survives a
//!   crash, lists the mints left unanswered and resolves them by resending with their
//!   keys where the service honours keys.
//! - Configuration through [`Client::builder`]; the service URL and the token default to
//!   `CHITTYID_SERVICE_URL` and `CHITTY_ID_TOKEN`. The token never appears in `Debug`,
//!   logs or errors.
//!
//! Everything the client's signatures use is re-exported here (and the core itself as
//! [`chittyid`]), so a service's `Cargo.toml` needs only this crate:
//!
//! ```no_run
//! use chittyid_std::{Client, EntityType, MintAnswer, MintRequest, Validation};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder().service_url("https://id.chitty.cc").token("t0k").build()?;
//! match client.mint(MintRequest::new(EntityType::Thing)).await {
//!     Ok(MintAnswer::Minted(id)) => println!("minted {id}"),
//!     Ok(MintAnswer::Pending { id, .. }) => println!("pending fallback {id}, not final"),
//!     Err(error) => eprintln!("no ID: {error}"),
//! }
//! if let Validation::LocalOnly { reason, .. } = client.validate("03-1-USA-5537-P-2602-0-38").await {
//!     eprintln!("only the format was checked: {reason}");
//! }
//! # Ok(()) }
//! ```
//!
//! ## Metrics
//!
//! [`Client::metrics`] renders every counter, state and latency histogram for
//! Prometheus; [`metrics`] serves them over HTTP, on a listener of their own
//! ([`metrics::serve`]) or on a route of the service's ([`metrics::response`],
//! [`metrics::handle`]), and lists the names.
//!
//! ## Logs
//!
//! The client logs through [`tracing`] and installs no subscriber: the service chooses.
//! Every engine event is one `tracing` event (target `chittyid_std::observe`) whose
//! fields are stable, with `event` naming it:
//!
//! | `event` | level | other fields |
//! |---|---|---|
//! | `breaker` | WARN | `endpoint` (`mint`, `validate`, `health`), `from`, `to` (`Closed`, `HalfOpen`, `Open`) |
//! | `health` | INFO | `from`, `to` (`Disconnected`, `Connecting`, `Connected`, `Reconnecting`, `Failed`) |
//! | `retry` | DEBUG | `endpoint`, `attempt` (2 for the first retry), `delay_ms`, `failure` |
//! | `rejected` (refused by an open breaker) | DEBUG | `endpoint`, `until_ms` (the engine's clock, when known) |
//! | `rate_limit_wait` (an attempt waits for the client's own rate limit) | DEBUG | `endpoint`, `wait_ms`, `until_ms` (the engine's clock) |
//! | `rate_limit_pace` (the rate limit's pace changed) | WARN when `slowed` (the service said it was rate-limiting), INFO as it recovers | `endpoint`, `per_minute` (the pace now), `slowed` (`true`, `false`) |
//! | `cache_eviction` | TRACE | `id` |
//! | `health_gave_up` | ERROR | |
//!
//! Calls run in the spans `chittyid.mint` (field `entity`), `chittyid.validate` and
//! `chittyid.health`. One JSON object per line, fields at the top level, is what the
//! `chittyid` CLI's `--log-format json` writes; a service gets the same from
//! `tracing-subscriber` with its `json` feature:
//!
//! ```text
//! tracing_subscriber::fmt()
//!     .json()
//!     .flatten_event(true)
//!     .with_env_filter("info,chittyid_std=debug") // the `env-filter` feature
//!     .with_writer(std::io::stderr)
//!     .init();
//! ```
//!
//! A breaker opening is then one line:
//! `{"timestamp":"…","level":"WARN","message":"breaker changed state","event":"breaker","endpoint":"validate","from":"Closed","to":"Open","target":"chittyid_std::observe"}`.

// Every public type that may grow is `#[non_exhaustive]`; each that may not says why.
#![warn(clippy::exhaustive_enums, clippy::exhaustive_structs)]
#![forbid(unused_must_use)]

mod builder;
mod client;
mod clock;
pub mod journal;
pub mod metrics;
mod observe;
mod secret;
mod transport;

pub use builder::{BuildError, ClientBuilder, DEFAULT_CACHE_CAPACITY, DEFAULT_SERVICE_URL};
pub use client::{Client, ClientStats, SHARED_VALIDATIONS};
pub use secret::Secret;

/// The core: IDs, their parts and errors, the engine's types.
pub use chittyid;
pub use chittyid::engine::{
    DEFAULT_MINT_RATE, Endpoint, EndpointStats, EngineConfig, Event, Failure, HealthError,
    HealthResult, Histogram, KeyPolicy, MintError, MintResult, Stats, Unanswered, Validation,
};
pub use chittyid::resilience::{
    BreakerConfig, BreakerState, BudgetConfig, CacheStats, HealthConfig, HealthState, RateLimit,
    RetryConfig,
};
pub use chittyid::wire::{HeadValueError, HealthAnswer, IdempotencyKey, MintAnswer, MintRequest};
pub use chittyid::{
    ChittyId, EntityType, ErrorKind, FallbackCode, IdKind, Jurisdiction, ParseError, Region,
    TrustLevel, YearMonth,
};
