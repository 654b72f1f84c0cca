//! The client's own rate limit: a token bucket ([`RateLimit`]) kept as a pacer
//! ([`Pacer`]) that books each request a moment at least one interval after the one
//! before, with a burst allowed when the bucket is full. When the service says it is
//! rate-limiting, the pacer slows down (the interval doubles, up to
//! [`MAX_SLOWDOWN`] times, and no burst is allowed), and recovers gradually (an eighth
//! of the extra interval per answer that was not a rate limit).
//!
//! It is the generic cell rate algorithm: the state is one instant, the theoretical
//! arrival time of the next request, kept to the microsecond so that fast rates stay
//! exact, in arithmetic without 64-bit division (firmware would carry a library
//! routine for it).

use core::time::Duration;

use super::time::{Instant, millis};

/// The most the pacer slows down after rate-limit answers: this many times the
/// configured interval.
pub const MAX_SLOWDOWN: u32 = 16;

/// A rate limit: `requests` per `per`, with up to `burst` at once when unused for a
/// while.
///
/// ```
/// use core::time::Duration;
/// use chittyid::resilience::RateLimit;
///
/// let limit = RateLimit::per_second(10).with_burst(20);
/// assert_eq!(limit.interval(), Duration::from_millis(100));
/// assert_eq!(RateLimit::new(30, Duration::from_secs(60)).interval(), Duration::from_secs(2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed per `per` (at least 1).
    pub requests: u32,
    /// The period.
    pub per: Duration,
    /// Requests allowed at once after a quiet spell (at least 1).
    pub burst: u16,
}

impl RateLimit {
    /// `requests` per `per`, with a burst of `requests` (at most 65 535).
    pub const fn new(requests: u32, per: Duration) -> RateLimit {
        let burst = if requests > u16::MAX as u32 {
            u16::MAX
        } else {
            requests as u16
        };
        RateLimit {
            requests,
            per,
            burst,
        }
    }

    /// `requests` per second.
    pub const fn per_second(requests: u32) -> RateLimit {
        RateLimit::new(requests, Duration::from_secs(1))
    }

    /// The same rate with this burst.
    pub const fn with_burst(mut self, burst: u16) -> RateLimit {
        self.burst = burst;
        self
    }

    /// The time between two requests at the full rate.
    pub fn interval(&self) -> Duration {
        Duration::from_micros(u64::from(self.interval_micros()))
    }

    /// The interval in µs, in 32-bit arithmetic (a Cortex-M divides those in hardware):
    /// at most about 71 minutes, at least 1 µs; rates above a million per period count
    /// as a million.
    fn interval_micros(&self) -> u32 {
        let per_ms = u32::try_from(millis(self.per)).unwrap_or(u32::MAX);
        let requests = self.requests.clamp(1, 1_000_000);
        let whole = per_ms / requests;
        let rest = per_ms % requests;
        whole
            .saturating_mul(1000)
            .saturating_add(rest * 1000 / requests)
            .max(1)
    }
}

/// One endpoint's pacer: books requests so that they keep to the limit.
#[derive(Debug, Clone, Copy)]
pub struct Pacer {
    /// The configured interval, in µs; 0 when there is no limit.
    base: u32,
    /// The interval in force (slowed down after rate-limit answers), in µs.
    interval: u32,
    /// The burst allowed at the configured rate, as a tolerance in ms.
    tolerance_ms: u64,
    /// When the next request is due at the interval in force: ms, and µs past them.
    due_ms: u64,
    due_us: u32,
}

impl Pacer {
    /// A pacer for `limit`; `None` lets every request go at once.
    pub fn new(limit: Option<RateLimit>) -> Pacer {
        let (base, burst) = match limit {
            Some(limit) => (limit.interval_micros(), u32::from(limit.burst.max(1))),
            None => (0, 1),
        };
        let extra = burst - 1;
        let tolerance_ms =
            u64::from(base / 1000) * u64::from(extra) + u64::from((base % 1000) * extra / 1000);
        Pacer {
            base,
            interval: base,
            tolerance_ms,
            due_ms: 0,
            due_us: 0,
        }
    }

    /// Whether a limit is set.
    pub fn is_limited(&self) -> bool {
        self.base > 0
    }

    /// When a request asked for at `now` may go (`now` if at once), without booking it.
    pub fn ready_at(&self, now: Instant) -> Instant {
        // Rounded up to the millisecond, so that polling then finds the request due.
        let due = self.due_ms + u64::from(self.due_us > 0);
        let tolerance = if self.interval == self.base {
            self.tolerance_ms
        } else {
            // The burst applies only at the configured rate.
            0
        };
        Instant::from_millis(due.saturating_sub(tolerance).max(now.as_millis()))
    }

    /// Books a request at [`Pacer::ready_at`]`(now)` and returns that instant.
    pub fn book(&mut self, now: Instant) -> Instant {
        let ready = self.ready_at(now);
        if self.is_limited() {
            if self.due_ms < now.as_millis() {
                (self.due_ms, self.due_us) = (now.as_millis(), 0);
            }
            (self.due_ms, self.due_us) = after(self.due_ms, self.due_us, self.interval);
        }
        ready
    }

    /// The service answered with a rate limit at `now`: the interval doubles (up to
    /// [`MAX_SLOWDOWN`] times the configured one), the burst is withdrawn, and the
    /// next request waits at least one new interval. `true` when the pace changed.
    pub fn slow_down(&mut self, now: Instant) -> bool {
        if !self.is_limited() {
            return false;
        }
        let before = self.interval;
        let slowest = self.base.saturating_mul(MAX_SLOWDOWN);
        self.interval = self.interval.saturating_mul(2).min(slowest);
        let earliest = after(now.as_millis(), 0, self.interval);
        if (self.due_ms, self.due_us) < earliest {
            (self.due_ms, self.due_us) = earliest;
        }
        self.interval != before
    }

    /// An answer that was not a rate limit: an eighth of the extra interval goes (at
    /// least a sixteenth of the configured one), so that the full rate comes back over
    /// 14 answers after one rate limit, 34 after many; a quicker return only meets the
    /// service's limit again sooner (the sweep in `tests/rate_limit.rs` shows it).
    /// `true` when the pace changed.
    pub fn recover(&mut self) -> bool {
        let extra = self.interval - self.base;
        if extra == 0 {
            return false;
        }
        self.interval -= (extra / 8).max(self.base / 16).max(1).min(extra);
        true
    }

    /// Requests per minute at the pace in force (`None` without a limit).
    pub fn per_minute(&self) -> Option<u64> {
        (self.base > 0).then(|| u64::from(60_000_000 / self.interval))
    }
}

/// `ms` and `us` past them, plus `interval` µs.
fn after(ms: u64, us: u32, interval: u32) -> (u64, u32) {
    let us = us + interval % 1000;
    let carry = u64::from(us >= 1000);
    (ms + u64::from(interval / 1000) + carry, us % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn a_burst_goes_at_once_then_one_per_interval() {
        let mut pacer = Pacer::new(Some(RateLimit::per_second(10).with_burst(3)));
        let booked: [u64; 6] = core::array::from_fn(|_| pacer.book(at(1_000)).as_millis());
        assert_eq!(booked, [1_000, 1_000, 1_000, 1_100, 1_200, 1_300]);
        // After a quiet second the bucket is full again.
        assert_eq!(pacer.book(at(3_000)), at(3_000));
    }

    #[test]
    fn no_limit_lets_everything_go() {
        let mut pacer = Pacer::new(None);
        for _ in 0..1_000 {
            assert_eq!(pacer.book(at(5)), at(5));
        }
        assert!(!pacer.slow_down(at(5)));
        assert_eq!(pacer.per_minute(), None);
    }

    #[test]
    fn rate_limits_slow_it_down_and_answers_bring_it_back_gradually() {
        let mut pacer = Pacer::new(Some(RateLimit::per_second(10)));
        assert_eq!(pacer.per_minute(), Some(600));
        assert!(pacer.slow_down(at(0)));
        assert_eq!(pacer.per_minute(), Some(300));
        for _ in 0..10 {
            pacer.slow_down(at(0));
        }
        assert_eq!(pacer.per_minute(), Some(600 / u64::from(MAX_SLOWDOWN)));
        // No burst while slowed down: one request per slowed interval.
        let first = pacer.book(at(10_000));
        let second = pacer.book(at(10_000));
        assert_eq!(second.as_millis() - first.as_millis(), 1_600);
        let mut answers = 0;
        while pacer.recover() {
            answers += 1;
        }
        assert_eq!(pacer.per_minute(), Some(600));
        assert_eq!(answers, 34);
    }

    #[test]
    fn fast_rates_keep_their_pace_below_a_millisecond() {
        let mut pacer = Pacer::new(Some(RateLimit::per_second(4_000).with_burst(1)));
        let last = (0..4_000).map(|_| pacer.book(at(0))).last().unwrap();
        assert_eq!(last, at(1_000));
    }
}
