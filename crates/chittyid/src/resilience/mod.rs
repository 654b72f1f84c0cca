//! The resilience building blocks, each sans-IO and in fixed memory: the circuit
//! breaker, the retry policy and budget, the rate limit's pacer, the LRU cache, the health
//! monitor, and the time and randomness they are given. The call engine in
//! [`crate::engine`] combines them.

mod arith;
mod breaker;
mod cache;
mod health;
mod pacer;
mod retry;
mod rng;
mod time;
mod transition;
mod window;

pub use breaker::{
    Breaker, BreakerConfig, BreakerState, FailureRate, MAX_FAILURE_THRESHOLD, Permit, Rejection,
};
pub use cache::{Cache, CacheEntry, CacheStats, Evicted};
pub use health::{HealthConfig, HealthMonitor, HealthPoll, HealthState};
pub use pacer::{MAX_SLOWDOWN, Pacer, RateLimit};
pub use retry::{BudgetConfig, RetryBudget, RetryConfig};
pub use rng::Rng;
pub use time::{Instant, millis};
pub use transition::Transition;
pub use window::WindowCounts;
