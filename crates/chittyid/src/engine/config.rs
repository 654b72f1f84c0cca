//! The engine's settings: one struct, defaults as v2.2.0's where it was right.

use core::time::Duration;

use crate::resilience::{BreakerConfig, HealthConfig, RetryConfig};

/// How the call engine behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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
    /// The service honours `Idempotency-Key` (a repeated key is answered with the ID
    /// minted the first time): send a key with every mint and retry a mint that may
    /// have reached the service. Default off, because id.chitty.cc does not honour keys
    /// (it mints again for every request): against it, a mint that may have arrived is
    /// never sent again, and the caller learns that its outcome is unknown.
    pub idempotency_keys: bool,
    /// Seed for jitter and idempotency keys. With keys on, it must differ between runs
    /// (a service remembers keys for a day): take it from a hardware RNG or the clock.
    /// The std client does so unless told otherwise.
    pub seed: u64,
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
            idempotency_keys: false,
            seed: 0x5EED_C417_7A1D,
        }
    }
}
