//! Building a [`Client`]: the service URL and token (from the environment by default),
//! the API profile, time-outs, and the engine's retry, breaker, cache and health
//! settings.

use std::fmt;
use std::time::Duration;

use chittyid::engine::{EngineConfig, KeyPolicy};
use chittyid::resilience::{BreakerConfig, HealthConfig, RateLimit, RetryConfig};
use chittyid::wire::{HeadValueError, Token};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::client::Client;
use crate::secret::Secret;

/// The service used when neither the builder nor `CHITTYID_SERVICE_URL` names one.
pub const DEFAULT_SERVICE_URL: &str = "https://id.chitty.cc";

/// Validation answers the client's cache keeps unless told otherwise (v2.2.0's size).
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// The service URL is not `http://host[:port]` or `https://host[:port]`.
    InvalidUrl(String),
    /// The token (the setting or `CHITTY_ID_TOKEN`) cannot go in an `Authorization`
    /// header: it is empty, or holds a space, a control character (a line break pasted
    /// with it, say) or a byte outside ASCII. The token itself is never shown.
    InvalidToken(HeadValueError),
    /// A custom CA could not be read or used.
    Tls(String),
    /// The health monitor needs a tokio runtime, and none is running.
    NoRuntime,
    /// The mint journal could not be opened: unreadable, damaged, or open in another
    /// process.
    Journal(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidUrl(url) => write!(
                f,
                "invalid service URL {url:?}: expected http(s)://host[:port]"
            ),
            BuildError::InvalidToken(e) => write!(f, "invalid token: {e}"),
            BuildError::Tls(e) => write!(f, "TLS setup: {e}"),
            BuildError::NoRuntime => {
                f.write_str("the health monitor needs a running tokio runtime")
            }
            BuildError::Journal(e) => write!(f, "mint journal: {e}"),
        }
    }
}

impl std::error::Error for BuildError {}

/// A seed that differs between builders, processes and runs.
fn fresh_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static BUILT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mixed =
        nanos ^ (u64::from(std::process::id()) << 32) ^ BUILT.fetch_add(1, Ordering::Relaxed);
    chittyid::resilience::Rng::new(mixed).next_u64()
}

/// Settings for a [`Client`]; see [`Client::builder`]. A URL and a token are all most
/// services set: the defaults are the ones the simulation chose (see the README).
///
/// ```
/// use std::time::Duration;
/// use chittyid_std::{BuildError, Client};
///
/// # fn demo() -> Result<(), BuildError> {
/// // The usual: where the service is and the token (both also read from the
/// // environment, CHITTYID_SERVICE_URL and CHITTY_ID_TOKEN, when not set here).
/// let client = Client::builder()
///     .service_url("https://id.chitty.cc")
///     .token("t0k")
///     .health_monitor(false) // no tokio runtime in this example
///     .build()?;
/// assert_eq!(client.service_url(), "https://id.chitty.cc");
///
/// // A URL that is not http(s)://host[:port] is refused with its reason.
/// let wrong = Client::builder().service_url("id.chitty.cc").health_monitor(false).build();
/// assert!(matches!(wrong, Err(BuildError::InvalidUrl(_))));
///
/// // Tuning is possible, never required: a smaller cache and a shorter deadline.
/// let tuned = Client::builder()
///     .service_url("http://127.0.0.1:8787")
///     .cache_capacity(1_000)
///     .call_deadline(Duration::from_secs(5))
///     .health_monitor(false)
///     .build()?;
/// assert_eq!(tuned.stats().engine.cache.inserts, 0);
/// # Ok(()) }
/// # demo().unwrap();
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    pub(crate) url: Option<String>,
    pub(crate) token: Option<Secret>,
    pub(crate) config: EngineConfig,
    /// The engine's seed (jitter, idempotency keys).
    pub(crate) seed: u64,
    pub(crate) roots: Vec<CertificateDer<'static>>,
    pub(crate) root_errors: Vec<String>,
    pub(crate) health_monitor: bool,
    /// Validation answers the cache keeps.
    pub(crate) cache_capacity: usize,
    /// The mint journal's file, if any.
    pub(crate) journal: Option<std::path::PathBuf>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("config", &self.config)
            .field("custom_roots", &self.roots.len())
            .field("health_monitor", &self.health_monitor)
            .field("cache_capacity", &self.cache_capacity)
            .field("journal", &self.journal)
            .finish()
    }
}

impl Default for ClientBuilder {
    fn default() -> ClientBuilder {
        ClientBuilder {
            url: None,
            token: None,
            config: EngineConfig::default(),
            seed: fresh_seed(),
            roots: Vec::new(),
            root_errors: Vec::new(),
            health_monitor: true,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            journal: None,
        }
    }
}

impl ClientBuilder {
    /// The service's base URL (default: `CHITTYID_SERVICE_URL`, else
    /// [`DEFAULT_SERVICE_URL`]).
    pub fn service_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The bearer token (default: `CHITTY_ID_TOKEN`), sent with mints and validations
    /// (the service forwards it when it replaces a fallback ID), never with health
    /// checks.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Secret::new(token));
        self
    }

    /// One attempt's time-out.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.config.attempt_timeout = timeout;
        self
    }

    /// A whole call's deadline, retries included.
    pub fn call_deadline(mut self, deadline: Duration) -> Self {
        self.config.call_deadline = deadline;
        self
    }

    /// The client's own limit on mint requests, retries included (default
    /// [`DEFAULT_MINT_RATE`](chittyid::engine::DEFAULT_MINT_RATE), 10 a second; `None`
    /// for none). It slows down when the service answers with a rate limit and
    /// recovers gradually; a mint that would wait past its deadline ends at once with
    /// [`Unanswered::Throttled`](chittyid::engine::Unanswered::Throttled).
    ///
    /// ```
    /// use chittyid::resilience::RateLimit;
    /// use chittyid_std::Client;
    ///
    /// let builder = Client::builder().mint_rate(Some(RateLimit::per_second(2).with_burst(5)));
    /// # let _ = builder;
    /// ```
    pub fn mint_rate(mut self, limit: Option<RateLimit>) -> Self {
        self.config.mint_rate = limit;
        self
    }

    /// The client's own limit on validation requests (default `None`: validations are
    /// answered from the cache and coalesced, and cost the service little).
    pub fn validate_rate(mut self, limit: Option<RateLimit>) -> Self {
        self.config.validate_rate = limit;
        self
    }

    /// Retry settings.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.config.retry = retry;
        self
    }

    /// Breaker settings (each endpoint gets its own breaker).
    pub fn breaker(mut self, breaker: BreakerConfig) -> Self {
        self.config.breaker = breaker;
        self
    }

    /// Health monitor settings.
    pub fn health(mut self, health: HealthConfig) -> Self {
        self.config.health = health;
        self
    }

    /// How long the service's `valid` and `invalid` answers are cached.
    pub fn cache_ttls(mut self, valid: Duration, invalid: Duration) -> Self {
        self.config.valid_ttl = valid;
        self.config.invalid_ttl = invalid;
        self
    }

    /// Whether the service honours `Idempotency-Key` (default [`KeyPolicy::Learn`]:
    /// every mint carries a key, and a mint whose answer is lost is resent with it only
    /// once the service has shown that it honours keys by echoing one; id.chitty.cc
    /// does not, and mints again for every request). While keys are honoured, a mint
    /// that still ends unanswered gives its key in
    /// [`MintError::OutcomeUnknown`](chittyid::engine::MintError::OutcomeUnknown), for
    /// [`Client::mint_with_key`](crate::Client::mint_with_key); otherwise a mint that
    /// may have reached the service is never sent again and ends as `OutcomeUnknown`.
    pub fn idempotency_keys(mut self, policy: KeyPolicy) -> Self {
        self.config.idempotency_keys = policy;
        self
    }

    /// Seed for jitter and idempotency keys (default: fresh for every builder, from the
    /// clock, the process and a counter; a fixed seed would repeat keys across runs,
    /// and the service would answer a new mint with an old ID).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The whole engine configuration at once (the seed stays as it is).
    pub fn engine_config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Also trust these CA certificates (PEM), besides the web PKI roots.
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Self {
        for cert in CertificateDer::pem_slice_iter(pem) {
            match cert {
                Ok(cert) => self.roots.push(cert),
                Err(e) => self.root_errors.push(e.to_string()),
            }
        }
        self
    }

    /// How many validation answers the cache keeps (default
    /// [`DEFAULT_CACHE_CAPACITY`]; 0 keeps none, so every validation asks the
    /// service). The cache is allocated once, when the client is built.
    pub fn cache_capacity(mut self, entries: usize) -> Self {
        self.cache_capacity = entries;
        self
    }

    /// Run the background health monitor (default on; needs a tokio runtime).
    pub fn health_monitor(mut self, on: bool) -> Self {
        self.health_monitor = on;
        self
    }

    /// Keep a mint journal in this file (default: none). Before a mint is sent, its
    /// request and idempotency key are appended and synced to disk; its outcome (the
    /// ID, a pending fallback ID with its code, a refusal, or an unknown outcome) is
    /// appended when the call ends. Each record carries a CRC-32 of itself and of the
    /// record before it, so `chittyid journal verify` finds a changed, removed or
    /// moved record; a last record cut by a crash is recognised as such, removed when
    /// the journal is next opened, and noted in the `open` record that follows.
    ///
    /// After a crash (even `kill -9`) the journal lists every mint that may have
    /// reached the service and was never answered. The client's first mint (or
    /// [`Client::resolve_journal`](crate::Client::resolve_journal)) resends each with
    /// its key when the service honours keys (see [`ClientBuilder::idempotency_keys`]),
    /// and journals the answer: the ID the service minted the first time. A service
    /// that does not honour keys leaves them unresolved (a resend could mint twice).
    ///
    /// The file is opened (and locked against other processes) by
    /// [`ClientBuilder::build`], which fails with [`BuildError::Journal`] when it is
    /// damaged or in use. A mint whose request cannot be journaled is not sent: it
    /// ends as `MintError::Unavailable(Unanswered::Cancelled)`.
    pub fn journal(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        Client::from_builder(self)
    }

    /// The base URL: the setting, the environment, or the default; validated, without a
    /// trailing slash.
    pub(crate) fn resolved_url(&self) -> Result<String, BuildError> {
        let url = self
            .url
            .clone()
            .or_else(|| {
                std::env::var("CHITTYID_SERVICE_URL")
                    .ok()
                    .filter(|u| !u.is_empty())
            })
            .unwrap_or_else(|| DEFAULT_SERVICE_URL.to_string());
        let trimmed = url.trim_end_matches('/').to_string();
        let uri: hyper::Uri = trimmed
            .parse()
            .map_err(|_| BuildError::InvalidUrl(url.clone()))?;
        let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
        let path_ok = uri.path() == "/" || uri.path().is_empty();
        if !scheme_ok || uri.host().is_none() || !path_ok || uri.query().is_some() {
            return Err(BuildError::InvalidUrl(url));
        }
        Ok(trimmed)
    }

    /// The token: the setting or `CHITTY_ID_TOKEN`, if a header can carry it.
    pub(crate) fn resolved_token(&self) -> Result<Option<Secret>, BuildError> {
        let token = self.token.clone().or_else(|| {
            std::env::var("CHITTY_ID_TOKEN")
                .ok()
                .filter(|t| !t.is_empty())
                .map(Secret::new)
        });
        if let Some(token) = &token {
            Token::new(token.expose()).map_err(BuildError::InvalidToken)?;
        }
        Ok(token)
    }
}
