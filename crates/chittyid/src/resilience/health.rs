//! The health monitor: Disconnected, Connecting, Connected, Reconnecting, Failed. It
//! schedules active checks (every 30 s while connected, backing off 1 s ×2 up to 60 s
//! while reconnecting) and, unlike v2.2.0's, it sits in the request path: real calls
//! count as passive signals, and the engine asks it before calling out.

use core::time::Duration;

use super::rng::Rng;
use super::time::{Instant, duration_from_millis, millis};
use super::transition::Transition;

/// The connection's state as the monitor sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_enums,
    reason = "the health monitor's states: a new one must be seen by every observer"
)]
pub enum HealthState {
    /// Not started.
    Disconnected,
    /// The first check is under way.
    Connecting,
    /// The service answers.
    Connected,
    /// The service stopped answering; checks back off.
    Reconnecting,
    /// The attempt limit was reached. Checks go on at the longest back-off, so the
    /// monitor still notices a return, but calls fail fast meanwhile.
    Failed,
}

/// How the monitor behaves (v2.2.0's defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct HealthConfig {
    /// Between checks while connected (default 30 s).
    pub interval: Duration,
    /// A check's time-out (default 5 s).
    pub timeout: Duration,
    /// First reconnect back-off (default 1 s), doubling each time.
    pub reconnect_base: Duration,
    /// The longest reconnect back-off (default 60 s).
    pub reconnect_max: Duration,
    /// Failed checks in a row before `Failed` (default: no limit).
    pub max_attempts: Option<u16>,
}

impl HealthConfig {
    /// The defaults (the struct is `#[non_exhaustive]`: change fields one by one).
    pub fn new() -> HealthConfig {
        HealthConfig::default()
    }
}

impl Default for HealthConfig {
    fn default() -> HealthConfig {
        HealthConfig {
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            reconnect_base: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(60),
            max_attempts: None,
        }
    }
}

/// What the adapter's health task should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_enums,
    reason = "a health task must carry out every step: a new one must break its loop"
)]
pub enum HealthPoll {
    /// Run a check now, giving up at `deadline`.
    CheckNow {
        /// When the check times out.
        deadline: Instant,
    },
    /// Nothing to do before this instant.
    WaitUntil(Instant),
}

/// The monitor's state machine.
#[derive(Debug, Clone)]
pub struct HealthMonitor {
    config: HealthConfig,
    state: HealthState,
    next_check: Instant,
    check_in_flight: bool,
    /// Failed checks in a row.
    failures: u16,
    /// A call brought the next check forward since the last [`HealthMonitor::take_sooner`].
    sooner: bool,
}

impl HealthMonitor {
    /// A monitor that has not started.
    pub fn new(config: HealthConfig) -> HealthMonitor {
        HealthMonitor {
            config,
            state: HealthState::Disconnected,
            next_check: Instant::ZERO,
            check_in_flight: false,
            failures: 0,
            sooner: false,
        }
    }

    /// The current state.
    pub fn state(&self) -> HealthState {
        self.state
    }

    /// When the next check is due (`None` while one is out). A failed call brings it
    /// forward; an adapter whose health task sleeps should wake when it moves earlier.
    pub fn next_check(&self) -> Option<Instant> {
        (!self.check_in_flight).then_some(self.next_check)
    }

    /// Failed checks in a row.
    pub fn consecutive_failures(&self) -> u16 {
        self.failures
    }

    /// `true` when calls should not wait on the network at all.
    pub fn is_failed(&self) -> bool {
        self.state == HealthState::Failed
    }

    /// What to do at `now`. Starts the monitor when it is disconnected.
    pub fn poll(&mut self, now: Instant) -> (HealthPoll, Option<Transition<HealthState>>) {
        let transition = if self.state == HealthState::Disconnected {
            self.next_check = now;
            self.move_to(HealthState::Connecting)
        } else {
            None
        };
        if self.check_in_flight || now < self.next_check {
            let until = if self.check_in_flight {
                now.saturating_add(self.config.timeout)
            } else {
                self.next_check
            };
            return (HealthPoll::WaitUntil(until), transition);
        }
        self.check_in_flight = true;
        let deadline = now.saturating_add(self.config.timeout);
        (HealthPoll::CheckNow { deadline }, transition)
    }

    /// The active check was abandoned (its caller went away) without a verdict: the
    /// next poll may start another.
    pub fn abandon_check(&mut self) {
        self.check_in_flight = false;
    }

    /// Reports the end of an active check.
    pub fn on_check(
        &mut self,
        healthy: bool,
        now: Instant,
        rng: &mut Rng,
    ) -> Option<Transition<HealthState>> {
        self.check_in_flight = false;
        if healthy {
            return self.connected(now);
        }
        self.failures = self.failures.saturating_add(1);
        let backoff = self.reconnect_delay(rng);
        self.next_check = now.saturating_add(backoff);
        let limit_reached = self
            .config
            .max_attempts
            .is_some_and(|max| self.failures >= max);
        match (self.state, limit_reached) {
            (HealthState::Failed, _) => None,
            (_, true) => self.move_to(HealthState::Failed),
            (HealthState::Reconnecting, false) => None,
            (_, false) => self.move_to(HealthState::Reconnecting),
        }
    }

    /// A real call reached the service and got an answer: as good as a passing check.
    pub fn on_passive_success(&mut self, now: Instant) -> Option<Transition<HealthState>> {
        match self.state {
            HealthState::Connected => None,
            _ => self.connected(now),
        }
    }

    /// A real call could not reach the service: check soon rather than in 30 s.
    pub fn on_passive_failure(&mut self, now: Instant) {
        if self.state == HealthState::Connected && !self.check_in_flight && now < self.next_check {
            self.next_check = now;
            self.sooner = true;
        }
    }

    /// Whether a call brought the next check forward since the last time this was
    /// asked: a health task sleeping until the old due time should wake.
    pub fn take_sooner(&mut self) -> bool {
        core::mem::take(&mut self.sooner)
    }

    fn connected(&mut self, now: Instant) -> Option<Transition<HealthState>> {
        self.failures = 0;
        self.next_check = now.saturating_add(self.config.interval);
        self.move_to(HealthState::Connected)
    }

    /// 1 s ×2 per failure up to 60 s, jittered into its upper half.
    fn reconnect_delay(&self, rng: &mut Rng) -> Duration {
        let doublings = u32::from(self.failures.saturating_sub(1)).min(32);
        let nominal = millis(self.config.reconnect_base)
            .saturating_mul(1u64 << doublings.min(62))
            .min(millis(self.config.reconnect_max));
        duration_from_millis(rng.between(nominal / 2, nominal))
    }

    fn move_to(&mut self, to: HealthState) -> Option<Transition<HealthState>> {
        let from = self.state;
        self.state = to;
        (from != to).then_some(Transition { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn connects_checks_periodically_and_backs_off_when_failing() {
        let mut rng = Rng::new(1);
        let mut h = HealthMonitor::new(HealthConfig {
            max_attempts: Some(3),
            ..HealthConfig::default()
        });
        let (poll, moved) = h.poll(at(0));
        assert_eq!(moved.map(|t| t.to), Some(HealthState::Connecting));
        assert_eq!(
            poll,
            HealthPoll::CheckNow {
                deadline: at(5_000)
            }
        );
        assert_eq!(
            h.on_check(true, at(10), &mut rng).map(|t| t.to),
            Some(HealthState::Connected)
        );
        assert_eq!(h.poll(at(20)).0, HealthPoll::WaitUntil(at(30_010)));

        assert!(matches!(h.poll(at(30_010)).0, HealthPoll::CheckNow { .. }));
        assert_eq!(
            h.on_check(false, at(30_020), &mut rng).map(|t| t.to),
            Some(HealthState::Reconnecting)
        );
        let HealthPoll::WaitUntil(next) = h.poll(at(30_020)).0 else {
            panic!()
        };
        assert!((30_520..=31_020).contains(&next.as_millis()), "{next:?}");

        assert!(matches!(h.poll(next).0, HealthPoll::CheckNow { .. }));
        assert_eq!(h.on_check(false, next, &mut rng), None);
        assert!(matches!(h.poll(at(99_000)).0, HealthPoll::CheckNow { .. }));
        assert_eq!(
            h.on_check(false, at(99_000), &mut rng).map(|t| t.to),
            Some(HealthState::Failed)
        );
        assert!(h.is_failed());
        // A real call that gets through brings it back.
        assert_eq!(
            h.on_passive_success(at(100_000)).map(|t| t.to),
            Some(HealthState::Connected)
        );
    }

    #[test]
    fn a_passive_failure_brings_the_next_check_forward() {
        let mut rng = Rng::new(1);
        let mut h = HealthMonitor::new(HealthConfig::default());
        h.poll(at(0));
        h.on_check(true, at(0), &mut rng);
        h.on_passive_failure(at(1_000));
        assert!(matches!(h.poll(at(1_000)).0, HealthPoll::CheckNow { .. }));
    }
}
