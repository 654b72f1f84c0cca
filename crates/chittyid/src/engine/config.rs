//! The engine's settings: one struct, defaults as v2.2.0's where it was right.

use core::time::Duration;

use crate::resilience::{BreakerConfig, HealthConfig, RetryConfig};
use crate::wire::ApiProfile;

/// How the call engine behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct EngineConfig {
    /// The API generation to speak (default current).
    pub profile: ApiProfile,
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
    /// Send an `Idempotency-Key` with every mint, which makes mints safe to retry
    /// (default on; turn off for services that do not honour the header).
    pub idempotency_keys: bool,
    /// Seed for jitter and idempotency keys. With keys on, it must differ between runs
    /// (a service remembers keys for a day): take it from a hardware RNG or the clock.
    /// The std client does so unless told otherwise.
    pub seed: u64,
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            profile: ApiProfile::Current,
            breaker: BreakerConfig::default(),
            retry: RetryConfig::default(),
            health: HealthConfig::default(),
            attempt_timeout: Duration::from_secs(10),
            call_deadline: Duration::from_secs(30),
            valid_ttl: Duration::from_secs(300),
            invalid_ttl: Duration::from_secs(30),
            idempotency_keys: true,
            seed: 0x5EED_C417_7A1D,
        }
    }
}
