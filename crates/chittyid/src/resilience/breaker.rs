//! The circuit breaker: Closed, Open, HalfOpen. It trips on N failures in a row (the
//! shape of an outage: every attempt fails, across all calls), on N failures inside a
//! sliding window, or on a failure rate; it stays open for a reset time that may grow while the
//! service keeps failing, admits at most K probes at once when half-open, closes after M
//! consecutive successes and reopens on any half-open failure.

use core::time::Duration;

use super::arith::grown;
use super::time::{Instant, millis};
use super::transition::Transition;
use super::window::WindowCounts;

/// The most failures a breaker can be asked to wait for.
pub const MAX_FAILURE_THRESHOLD: u8 = 16;

/// Trip on a failure rate as well as on a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct FailureRate {
    /// No rate decision below this many calls in the window.
    pub min_calls: u16,
    /// Trip when at least this share of the calls in the window failed (1-100).
    pub percent: u8,
}

/// How a breaker behaves.
///
/// The defaults tell an outage from random loss by its shape rather than its rate: an
/// outage fails every attempt of every call in a row, random loss does not. Ten failures
/// in a row open the breaker: at 30 % random loss that happens once in about 170 000
/// attempts (0.3^10), in an outage within the first ten attempts. v2.2.0's "5 failures
/// in 10 s" count is off by default: at 30 % loss it opened within the first seconds
/// and refused 99 % of calls. The breaker stays open 2 s (v2.2.0: 60 s), so the first
/// call after an outage succeeds at most about 2 s after the service is back, and a
/// 10 s outage costs about five probes per endpoint. The simulation's sweep
/// (`crates/chittyid/tests/defaults_sweep.rs`) keeps the evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct BreakerConfig {
    /// Failures in a row, with no success between them, that open the breaker
    /// (default 10; 0 turns it off).
    pub consecutive_failures: u8,
    /// Failures inside `window` that open the breaker (1-16; default 0, off; v2.2.0
    /// used 5 in 10 s, which random loss trips).
    pub failure_threshold: u8,
    /// The sliding window (default 10 s).
    pub window: Duration,
    /// Optionally also trip on a failure rate.
    pub failure_rate: Option<FailureRate>,
    /// How long the breaker stays open (default 2 s).
    pub reset_timeout: Duration,
    /// Each reopening without a full recovery multiplies the reset time by this (1 = no
    /// growth, the default).
    pub reset_growth: u8,
    /// The reset time never grows beyond this (default 10 min).
    pub max_reset_timeout: Duration,
    /// Probes admitted at once when half-open (default 1).
    pub half_open_probes: u8,
    /// Consecutive probe successes that close the breaker (default 3).
    pub close_after: u8,
}

impl FailureRate {
    /// Trip when at least `percent` of the calls in the window failed, once there are
    /// `min_calls` of them.
    pub const fn new(percent: u8, min_calls: u16) -> FailureRate {
        FailureRate { min_calls, percent }
    }
}

impl BreakerConfig {
    /// The defaults (the struct is `#[non_exhaustive]`: change fields one by one).
    pub fn new() -> BreakerConfig {
        BreakerConfig::default()
    }
}

impl Default for BreakerConfig {
    fn default() -> BreakerConfig {
        BreakerConfig {
            consecutive_failures: 10,
            failure_threshold: 0,
            window: Duration::from_secs(10),
            failure_rate: None,
            reset_timeout: Duration::from_secs(2),
            reset_growth: 1,
            max_reset_timeout: Duration::from_secs(600),
            half_open_probes: 1,
            close_after: 3,
        }
    }
}

/// The breaker's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(clippy::exhaustive_enums, reason = "a circuit breaker's three states")]
pub enum BreakerState {
    /// Calls pass.
    Closed,
    /// Calls are refused until the reset time has passed.
    Open,
    /// A few probes pass to test the service.
    HalfOpen,
}

/// Admission to make one attempt; give it back with [`Breaker::record`] or
/// [`Breaker::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Permit {
    generation: u32,
    probe: bool,
}

impl Permit {
    /// `true` when this permit holds one of the half-open probe slots.
    pub const fn is_probe(self) -> bool {
        self.probe
    }
}

/// Why an attempt was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Rejection {
    /// Open until this instant.
    Open {
        /// When the breaker will admit a probe.
        until: Instant,
    },
    /// Half-open with every probe slot taken.
    ProbesBusy,
}

/// One circuit breaker. All of its state is here; time is passed in. Each attempt asks
/// [`Breaker::admit`] for a permit and hands it back with [`Breaker::record`] (or
/// [`Breaker::release`] when it was never sent).
///
/// ```
/// use chittyid::resilience::{Breaker, BreakerConfig, BreakerState, Instant, Rejection};
///
/// let mut breaker = Breaker::new(BreakerConfig::new());
/// let mut now = Instant::from_millis(0);
/// // Ten failures in a row (the default) open it.
/// for _ in 0..10 {
///     let (permit, _moved) = breaker.admit(now);
///     let _moved = breaker.record(permit.expect("closed: admitted"), true, now);
/// }
/// assert_eq!(breaker.state(), BreakerState::Open);
/// assert!(matches!(breaker.admit(now).0, Err(Rejection::Open { .. })));
/// // After the reset time (2 s) it lets probes through; enough successes close it.
/// now = Instant::from_millis(2_000);
/// for _ in 0..BreakerConfig::new().close_after {
///     let (probe, _moved) = breaker.admit(now);
///     assert_eq!(breaker.state(), BreakerState::HalfOpen);
///     let _moved = breaker.record(probe.expect("a probe"), false, now);
/// }
/// assert_eq!(breaker.state(), BreakerState::Closed);
/// ```
#[derive(Debug, Clone)]
pub struct Breaker {
    config: BreakerConfig,
    state: BreakerState,
    open_until: Instant,
    /// Openings since the breaker last closed from half-open (grows the reset time).
    reopenings: u8,
    /// Times of the most recent failures while closed (a ring, newest at `newest`).
    failures: [Instant; MAX_FAILURE_THRESHOLD as usize],
    newest: u8,
    recorded: u8,
    /// Failures since the last success while closed.
    in_a_row: u8,
    /// Calls and failures in the window, for the failure rate.
    rate: WindowCounts,
    probes_in_flight: u8,
    probe_successes: u8,
    /// Changes with every transition; results of permits from older generations do not
    /// move the state.
    generation: u32,
}

impl Breaker {
    /// A closed breaker. The threshold is clamped to 0-16, the probe count and the
    /// success count to at least 1.
    pub fn new(mut config: BreakerConfig) -> Breaker {
        config.failure_threshold = config.failure_threshold.min(MAX_FAILURE_THRESHOLD);
        config.half_open_probes = config.half_open_probes.max(1);
        config.close_after = config.close_after.max(1);
        config.reset_growth = config.reset_growth.max(1);
        Breaker {
            rate: WindowCounts::new(config.window),
            config,
            state: BreakerState::Closed,
            open_until: Instant::ZERO,
            reopenings: 0,
            failures: [Instant::ZERO; MAX_FAILURE_THRESHOLD as usize],
            newest: 0,
            recorded: 0,
            in_a_row: 0,
            probes_in_flight: 0,
            probe_successes: 0,
            generation: 0,
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The state as last moved (Open turns HalfOpen only when an attempt asks).
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// When an open breaker admits its first probe.
    pub fn open_until(&self) -> Option<Instant> {
        (self.state == BreakerState::Open).then_some(self.open_until)
    }

    /// Probes currently out.
    pub fn probes_in_flight(&self) -> u8 {
        self.probes_in_flight
    }

    /// Asks to make one attempt at `now`. May move Open to HalfOpen (reported in the
    /// second value).
    pub fn admit(
        &mut self,
        now: Instant,
    ) -> (Result<Permit, Rejection>, Option<Transition<BreakerState>>) {
        let mut transition = None;
        if self.state == BreakerState::Open {
            if now < self.open_until {
                let until = self.open_until;
                return (Err(Rejection::Open { until }), None);
            }
            transition = self.move_to(BreakerState::HalfOpen);
        }
        let admitted = match self.state {
            BreakerState::Closed => Ok(Permit {
                generation: self.generation,
                probe: false,
            }),
            BreakerState::HalfOpen if self.probes_in_flight < self.config.half_open_probes => {
                self.probes_in_flight += 1;
                Ok(Permit {
                    generation: self.generation,
                    probe: true,
                })
            }
            _ => Err(Rejection::ProbesBusy),
        };
        (admitted, transition)
    }

    /// Reports how an admitted attempt ended: `failed` for transport errors, time-outs,
    /// 5xx and 429 (see [`crate::engine::Failure::counts_against_breaker`]).
    pub fn record(
        &mut self,
        permit: Permit,
        failed: bool,
        now: Instant,
    ) -> Option<Transition<BreakerState>> {
        let current = permit.generation == self.generation;
        if permit.probe && current {
            self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
        }
        if !current {
            // Admitted under an earlier state: its news is stale. A late failure from
            // before an opening must not extend it; a late success proves nothing new.
            return None;
        }
        match (self.state, failed) {
            (BreakerState::Closed, false) => {
                self.rate.add(now, 1, 0);
                self.in_a_row = 0;
                None
            }
            (BreakerState::Closed, true) => {
                self.rate.add(now, 1, 1);
                self.in_a_row = self.in_a_row.saturating_add(1);
                self.remember_failure(now);
                if self.tripped(now) {
                    self.open(now)
                } else {
                    None
                }
            }
            (BreakerState::HalfOpen, true) => self.open(now),
            (BreakerState::HalfOpen, false) => {
                self.probe_successes += 1;
                if self.probe_successes >= self.config.close_after {
                    self.reopenings = 0;
                    self.move_to(BreakerState::Closed)
                } else {
                    None
                }
            }
            (BreakerState::Open, _) => None,
        }
    }

    /// Gives a permit back without a verdict (the call was cancelled).
    pub fn release(&mut self, permit: Permit) {
        if permit.probe && permit.generation == self.generation {
            self.probes_in_flight = self.probes_in_flight.saturating_sub(1);
        }
    }

    fn remember_failure(&mut self, now: Instant) {
        let len = self.failures.len() as u8;
        self.newest = (self.newest + 1) % len;
        self.failures[usize::from(self.newest)] = now;
        self.recorded = (self.recorded + 1).min(len);
    }

    /// `true` after `consecutive_failures` failures in a row, when the last `threshold`
    /// failures all fall inside the window, or when the failure rate is over its limit.
    fn tripped(&self, now: Instant) -> bool {
        let in_a_row = self.config.consecutive_failures;
        if in_a_row > 0 && self.in_a_row >= in_a_row {
            return true;
        }
        let threshold = self.config.failure_threshold;
        let window_start = now.as_millis().saturating_sub(millis(self.config.window));
        if threshold > 0 && self.recorded >= threshold {
            let len = self.failures.len() as u8;
            let oldest_of_last = (self.newest + len - (threshold - 1)) % len;
            if self.failures[usize::from(oldest_of_last)].as_millis() >= window_start {
                return true;
            }
        }
        if let Some(rate) = self.config.failure_rate {
            let (calls, failures) = self.rate.sums(now);
            if calls >= u32::from(rate.min_calls)
                && u64::from(failures) * 100 >= u64::from(calls) * u64::from(rate.percent)
            {
                return true;
            }
        }
        false
    }

    fn open(&mut self, now: Instant) -> Option<Transition<BreakerState>> {
        let growth = u64::from(self.config.reset_growth);
        let reset = grown(
            millis(self.config.reset_timeout),
            growth,
            u32::from(self.reopenings),
        )
        .min(millis(self.config.max_reset_timeout).max(millis(self.config.reset_timeout)));
        self.open_until = now.saturating_add_millis(reset);
        self.reopenings = self.reopenings.saturating_add(1);
        self.move_to(BreakerState::Open)
    }

    fn move_to(&mut self, to: BreakerState) -> Option<Transition<BreakerState>> {
        let from = self.state;
        self.state = to;
        self.generation = self.generation.wrapping_add(1);
        self.probes_in_flight = 0;
        self.probe_successes = 0;
        if to == BreakerState::Closed {
            self.recorded = 0;
            self.in_a_row = 0;
            self.rate.clear();
        }
        (from != to).then_some(Transition { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    /// v2.2.0's settings: 5 failures in 10 s, open for 60 s.
    fn v2_2_0() -> BreakerConfig {
        BreakerConfig {
            consecutive_failures: 0,
            failure_threshold: 5,
            reset_timeout: Duration::from_secs(60),
            ..BreakerConfig::default()
        }
    }

    fn succeed(b: &mut Breaker, ms: u64) -> Option<Transition<BreakerState>> {
        let permit = b.admit(at(ms)).0.expect("admitted");
        b.record(permit, false, at(ms))
    }

    #[test]
    fn by_default_opens_on_ten_failures_in_a_row_and_never_on_scattered_ones() {
        let mut b = Breaker::new(BreakerConfig::default());
        // Nine failures then a success, a hundred times over: 90 % failures, never ten
        // in a row, never open.
        for round in 0..100 {
            for i in 0..9 {
                assert_eq!(fail(&mut b, round * 10 + i), None);
            }
            assert_eq!(succeed(&mut b, round * 10 + 9), None);
        }
        for i in 0..9 {
            assert_eq!(fail(&mut b, 2_000 + i), None);
        }
        assert_eq!(fail(&mut b, 2_009).map(|t| t.to), Some(BreakerState::Open));
        assert_eq!(b.open_until(), Some(at(4_009)));
        // One probe success closes it? No: three in a row do.
        for (i, ms) in [4_009, 4_010, 4_011].into_iter().enumerate() {
            let moved = succeed(&mut b, ms);
            assert_eq!(
                moved.map(|t| t.to),
                (i == 2).then_some(BreakerState::Closed)
            );
        }
    }

    fn fail(b: &mut Breaker, ms: u64) -> Option<Transition<BreakerState>> {
        let permit = b.admit(at(ms)).0.expect("admitted");
        b.record(permit, true, at(ms))
    }

    #[test]
    fn opens_on_the_fifth_failure_inside_ten_seconds_only() {
        let mut b = Breaker::new(v2_2_0());
        for ms in [0, 3_000, 6_000, 9_000] {
            assert_eq!(fail(&mut b, ms), None);
        }
        // The first failure has slid out of the window: 4 in the last 10 s.
        assert_eq!(fail(&mut b, 10_001), None);
        assert_eq!(b.state(), BreakerState::Closed);
        let opened = fail(&mut b, 10_002);
        assert_eq!(
            opened,
            Some(Transition {
                from: BreakerState::Closed,
                to: BreakerState::Open
            })
        );
        assert_eq!(b.open_until(), Some(at(70_002)));
    }

    #[test]
    fn half_open_admits_k_probes_and_reopens_on_failure() {
        let mut b = Breaker::new(BreakerConfig {
            half_open_probes: 2,
            reset_growth: 2,
            ..v2_2_0()
        });
        for ms in 0..5 {
            fail(&mut b, ms);
        }
        assert_eq!(
            b.admit(at(1_000)).0,
            Err(Rejection::Open { until: at(60_004) })
        );
        let (p1, moved) = b.admit(at(60_004));
        assert_eq!(moved.map(|t| t.to), Some(BreakerState::HalfOpen));
        let p2 = b.admit(at(60_005)).0.unwrap();
        assert_eq!(b.admit(at(60_006)).0, Err(Rejection::ProbesBusy));
        // One probe fails: open again at once, for twice as long.
        assert_eq!(
            b.record(p1.unwrap(), true, at(60_010)).map(|t| t.to),
            Some(BreakerState::Open)
        );
        assert_eq!(b.open_until(), Some(at(60_010 + 120_000)));
        // The other probe's late success is stale and changes nothing.
        assert_eq!(b.record(p2, false, at(60_020)), None);
        assert_eq!(b.state(), BreakerState::Open);
    }

    #[test]
    fn closes_after_m_consecutive_probe_successes() {
        let mut b = Breaker::new(v2_2_0());
        for ms in 0..5 {
            fail(&mut b, ms);
        }
        let mut now = 60_004;
        for round in 0..3 {
            let permit = b.admit(at(now)).0.unwrap();
            assert!(permit.is_probe());
            let moved = b.record(permit, false, at(now));
            assert_eq!(moved.is_some(), round == 2, "round {round}");
            now += 10;
        }
        assert_eq!(b.state(), BreakerState::Closed);
        assert!(!b.admit(at(now)).0.unwrap().is_probe());
    }

    #[test]
    fn trips_on_a_failure_rate_when_asked() {
        let mut b = Breaker::new(BreakerConfig {
            failure_threshold: 16,
            failure_rate: Some(FailureRate {
                min_calls: 10,
                percent: 50,
            }),
            ..v2_2_0()
        });
        // Failures at odd milliseconds: the tenth call makes 5 of 10, which is 50%.
        for ms in 0..10 {
            let p = b.admit(at(ms)).0.unwrap();
            let moved = b.record(p, ms % 2 == 1, at(ms)).map(|t| t.to);
            assert_eq!(moved, (ms == 9).then_some(BreakerState::Open), "{ms}");
        }
    }
}
