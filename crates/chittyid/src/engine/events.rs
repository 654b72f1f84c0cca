//! What the engine tells an observer: state changes, retries, rejections, rate-limit
//! waits and pace changes, evictions.

use super::Failure;
use super::endpoints::Endpoint;
use crate::ChittyId;
use crate::resilience::{BreakerState, HealthState, Instant, Transition};

/// Something worth telling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Event {
    /// An endpoint's breaker changed state.
    Breaker {
        /// Which endpoint.
        endpoint: Endpoint,
        /// From and to.
        transition: Transition<BreakerState>,
    },
    /// The health monitor changed state.
    Health(Transition<HealthState>),
    /// A failed attempt will be retried after a delay.
    Retry {
        /// Which endpoint.
        endpoint: Endpoint,
        /// The attempt about to be made (2 for the first retry).
        attempt: u8,
        /// The wait before it, in milliseconds.
        delay_ms: u64,
        /// Why the previous attempt failed.
        failure: Failure,
    },
    /// A call was answered without the network because its breaker is open.
    Rejected {
        /// Which endpoint.
        endpoint: Endpoint,
        /// When the breaker will admit a probe, if known.
        until: Option<Instant>,
    },
    /// An attempt waits for the client's own rate limit.
    Paced {
        /// Which endpoint.
        endpoint: Endpoint,
        /// When it may go.
        until: Instant,
        /// The wait, in milliseconds.
        wait_ms: u64,
    },
    /// The rate limit's pace changed: slowed down because the service said it was
    /// rate-limiting, or recovering towards the configured rate.
    Pace {
        /// Which endpoint.
        endpoint: Endpoint,
        /// Requests per minute now.
        per_minute: u64,
        /// `true` when it slowed down.
        slowed: bool,
    },
    /// A cached answer was pushed out to make room.
    CacheEviction {
        /// Its ID.
        id: ChittyId,
    },
    /// The health monitor hit its attempt limit.
    MaxReconnectAttemptsReached,
}

/// Receives the engine's events. Implement it in the adapter (a log, a channel, metrics).
pub trait Observer {
    /// Called for each event, inside the engine's step: keep it short.
    fn on_event(&mut self, event: &Event);
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
#[allow(clippy::exhaustive_structs, reason = "a unit marker")]
pub struct NoObserver;

impl Observer for NoObserver {
    fn on_event(&mut self, _: &Event) {}
}
