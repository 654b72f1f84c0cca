//! The engine's settings: one struct, every default with the reason for its value (the
//! README's table; the simulation's sweep keeps the evidence).

use core::time::Duration;

use crate::resilience::{BreakerConfig, HealthConfig, RateLimit, RetryConfig};

/// Whether the service honours `Idempotency-Key` (answers a repeated key with the ID it
/// minted the first time), and so whether a mint whose answer was lost may be resent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum KeyPolicy {
    /// Mints carry no key; one that may have reached the service is never resent.
    Off,
    /// The default. Every mint carries a fresh key (a service that ignores keys, such
    /// as id.chitty.cc, is not harmed), but one that may have reached the service is
    /// resent only once the service has shown that it honours keys, by echoing a
    /// mint's key in its answer's `Idempotency-Key` header (the reference service's
    /// strict profile does). Until then a lost answer is an unknown outcome, never a
    /// second mint.
    Learn,
    /// The service honours keys (known from elsewhere): resend from the first mint.
    Honoured,
}

/// How the call engine behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct EngineConfig {
    /// Each endpoint's breaker.
    pub breaker: BreakerConfig,
    /// Retries.
    pub retry: RetryConfig,
    /// The health monitor.
    pub health: HealthConfig,
    /// One attempt's time-out (default 10 s).
    pub attempt_timeout: Duration,
    /// A whole call's deadline, retries included (default 30 s).
    pub call_deadline: Duration,
    /// How long a `valid: true` answer is cached (default 5 min).
    pub valid_ttl: Duration,
    /// How long a `valid: false` answer is cached (default 30 s).
    pub invalid_ttl: Duration,
    /// Whether mints carry an `Idempotency-Key`, and when a mint that may have reached
    /// the service is sent again with it (default [`KeyPolicy::Learn`]).
    pub idempotency_keys: KeyPolicy,
    /// The client's own limit on mint requests, retries included (default
    /// [`DEFAULT_MINT_RATE`]; `None` for none). It slows down when the service answers
    /// with a rate limit and recovers gradually.
    pub mint_rate: Option<RateLimit>,
    /// The client's own limit on validation requests (default `None`: validations are
    /// cheap for the service, and mostly answered from the cache).
    pub validate_rate: Option<RateLimit>,
}

/// The default limit on mints: 10 a second, 10 at once. No interactive use needs more,
/// a batch of a thousand takes under two minutes, and a runaway loop cannot flood the
/// minting back end, whose answer to a flood (`RATE_LIMITED` fallback IDs, not IDs) is
/// worse than waiting. The simulation's sweep (`tests/rate_limit.rs`, kept in
/// `tests/data/rate_limit_sweep.txt`) sets it against back ends that limit: at 20 mints a
/// second offered to a back end that takes 5, it mints more than no limit does (whose
/// rate-limit answers open the breaker), with a tenth of its requests answered
/// `RATE_LIMITED`.
pub const DEFAULT_MINT_RATE: RateLimit = RateLimit::per_second(10);

impl EngineConfig {
    /// The defaults, the ones the simulation chose (the struct is `#[non_exhaustive]`:
    /// change fields one by one).
    ///
    /// ```
    /// use core::time::Duration;
    /// use chittyid::engine::EngineConfig;
    ///
    /// let mut config = EngineConfig::new();
    /// config.call_deadline = Duration::from_secs(5);
    /// config.breaker.consecutive_failures = 5;
    /// assert_eq!(config.retry.max_attempts, 8);
    /// ```
    pub fn new() -> EngineConfig {
        EngineConfig::default()
    }
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            breaker: BreakerConfig::default(),
            retry: RetryConfig::default(),
            health: HealthConfig::default(),
            attempt_timeout: Duration::from_secs(10),
            call_deadline: Duration::from_secs(30),
            valid_ttl: Duration::from_secs(300),
            invalid_ttl: Duration::from_secs(30),
            idempotency_keys: KeyPolicy::Learn,
            mint_rate: Some(DEFAULT_MINT_RATE),
            validate_rate: None,
        }
    }
}
