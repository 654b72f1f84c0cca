//! [`Transition`]: a change of state of one of the resilience state machines, told to
//! observers: a breaker's (`Transition<BreakerState>`) and the health monitor's
//! (`Transition<HealthState>`).

/// A state change, for observers. `S` is the state machine's state:
/// [`BreakerState`](super::BreakerState) for a breaker,
/// [`HealthState`](super::HealthState) for the health monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_structs,
    reason = "a change is where it came from and where it went"
)]
pub struct Transition<S> {
    /// The state before.
    pub from: S,
    /// The state after.
    pub to: S,
}
