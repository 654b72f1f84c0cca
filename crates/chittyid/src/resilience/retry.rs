//! The retry policy: which failures are worth another attempt, how long to wait
//! (exponential back-off with bounded jitter, or the service's `Retry-After`), and a
//! budget that keeps retries to a share of the calls, so that retries cannot multiply
//! the load on a struggling service.

use core::time::Duration;

use super::rng::Rng;
use super::time::{Instant, millis};
use super::window::WindowCounts;
use crate::FallbackCode;

/// How one attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Failure {
    /// The request cannot have reached the service: connection refused, name or TLS
    /// failure before any byte of the request was written.
    NotSent,
    /// The connection broke after the request was (perhaps partly) written and before
    /// any response: the service may have acted on it.
    NoResponse,
    /// No answer before the attempt's time-out: the service may have acted on it.
    TimedOut,
    /// An HTTP status that is not a success.
    Status(u16),
    /// An answer that could not be understood (broken framing or body).
    InvalidResponse,
    /// A 2xx mint answer that carries a fallback ID: the service's front is up, its
    /// minting back end failed with this code (`RATE_LIMITED`, `MINT_UNAVAILABLE`, …).
    Fallback(FallbackCode),
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Failure::NotSent => f.write_str("the request was not sent (no connection)"),
            Failure::NoResponse => f.write_str("the connection closed without an answer"),
            Failure::TimedOut => f.write_str("no answer in time"),
            Failure::Status(status) => write!(f, "HTTP status {status}"),
            Failure::InvalidResponse => f.write_str("an answer that is not valid HTTP"),
            Failure::Fallback(code) => write!(f, "a fallback ID with code {code}"),
        }
    }
}

impl Failure {
    /// Whether this outcome says the service is in trouble: transport errors, time-outs,
    /// 5xx and 429 count; 4xx answers such as 400, 401, 403, 404 and 422 do not (the
    /// service is up and said no), nor does a garbled answer.
    pub const fn counts_against_breaker(self) -> bool {
        match self {
            Failure::NotSent | Failure::NoResponse | Failure::TimedOut => true,
            Failure::Status(status) => status == 429 || status >= 500,
            Failure::InvalidResponse => false,
            // A refused token or request says nothing about the service's health.
            Failure::Fallback(code) => !matches!(
                code,
                FallbackCode::MINT_REJECTED | FallbackCode::INVALID_REQUEST
            ),
        }
    }

    /// Whether another attempt may help, for a call that is `idempotent` (a validation,
    /// a health check, or a mint that carries an idempotency key).
    ///
    /// A request that was never sent is always retried. 429 and 503 are explicit
    /// refusals, so nothing was done: retried too. A reset, a time-out, a 502/504 from a
    /// gateway or a garbled answer leave the outcome unknown: retried only when the call
    /// is idempotent, so that a mint is never committed twice.
    pub const fn is_retryable(self, idempotent: bool) -> bool {
        match self {
            Failure::NotSent => true,
            Failure::Status(429 | 503) => true,
            Failure::Status(502 | 504) => idempotent,
            Failure::Status(_) => false,
            Failure::NoResponse | Failure::TimedOut | Failure::InvalidResponse => idempotent,
            // The back end said "slow down" and minted nothing; the others are answers.
            Failure::Fallback(code) => code.get() == FallbackCode::RATE_LIMITED.get(),
        }
    }

    /// Whether the service may have acted on the request: a refusal it answered (4xx,
    /// 503, a fallback ID) says that it did not; a gateway's 502/504, a 500, a lost or
    /// unreadable answer leave it open.
    pub const fn may_have_reached_service(self) -> bool {
        !matches!(
            self,
            Failure::NotSent | Failure::Status(400..=499 | 503) | Failure::Fallback(_)
        )
    }
}

/// Retries as a share of calls, over a sliding window (as tower's budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct BudgetConfig {
    /// Retries allowed per 100 calls in the window (default 100).
    pub percent: u8,
    /// Retries always allowed in the window, however few the calls (default 10).
    pub min_retries: u16,
    /// The window (default 10 s).
    pub window: Duration,
}

/// How calls are retried.
///
/// Defaults: 8 attempts, 50 ms ×2 up to 250 ms, jittered, and a budget of one retry per
/// call on average. At 30 % random loss 8 attempts leave 0.3^8 = 0.007 % of calls
/// unanswered (v2.2.0's 3 left 2.7 %) and cost 1.43 requests per call; with lost mint
/// answers and keys honoured they leave no orphan in a thousand (0.2^8). The short
/// delays bound one call against a dead service to about 1.4 s of back-off; an outage
/// is stopped by the breaker (ten failures in a row), not by the budget, so the budget
/// only has to stop a retry storm, and v2.2.0's 20 % starved random loss of 30 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RetryConfig {
    /// Attempts in all, the first included (default 8; at least 1).
    pub max_attempts: u8,
    /// Delay before the first retry (default 50 ms).
    pub base_delay: Duration,
    /// Each retry waits this many times longer (default 2).
    pub multiplier: u8,
    /// The longest back-off (default 250 ms).
    pub max_delay: Duration,
    /// A service's `Retry-After` is honoured up to this (default 30 s).
    pub max_retry_after: Duration,
    /// The retry budget.
    pub budget: BudgetConfig,
}

impl Default for RetryConfig {
    fn default() -> RetryConfig {
        RetryConfig {
            max_attempts: 8,
            base_delay: Duration::from_millis(50),
            multiplier: 2,
            max_delay: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(30),
            budget: BudgetConfig {
                percent: 100,
                min_retries: 10,
                window: Duration::from_secs(10),
            },
        }
    }
}

impl RetryConfig {
    /// The nominal back-off before retry number `retry` (1 for the first retry).
    pub fn nominal_delay(&self, retry: u32) -> Duration {
        let factor = u64::from(self.multiplier.max(1)).saturating_pow(retry.saturating_sub(1));
        let ms = millis(self.base_delay).saturating_mul(factor);
        Duration::from_millis(ms.min(millis(self.max_delay)))
    }

    /// The back-off with jitter: uniform between half the nominal delay and all of it,
    /// so that clients that failed together do not retry together.
    pub fn jittered_delay(&self, retry: u32, rng: &mut Rng) -> Duration {
        let nominal = millis(self.nominal_delay(retry));
        Duration::from_millis(rng.between(nominal / 2, nominal))
    }

    /// The wait the service asked for, capped.
    pub fn retry_after(&self, asked: Duration) -> Duration {
        asked.min(self.max_retry_after)
    }
}

/// The budget's bookkeeping.
#[derive(Debug, Clone)]
pub struct RetryBudget {
    config: BudgetConfig,
    /// First counter: calls; second: retries.
    counts: WindowCounts,
}

impl RetryBudget {
    /// An empty budget.
    pub fn new(config: BudgetConfig) -> RetryBudget {
        RetryBudget {
            counts: WindowCounts::new(config.window),
            config,
        }
    }

    /// Notes a new call.
    pub fn on_call(&mut self, now: Instant) {
        self.counts.add(now, 1, 0);
    }

    /// Takes one retry from the budget if there is one left.
    pub fn try_withdraw(&mut self, now: Instant) -> bool {
        let (calls, retries) = self.counts.sums(now);
        let allowed = u64::from(self.config.min_retries)
            + u64::from(calls) * u64::from(self.config.percent) / 100;
        if u64::from(retries) < allowed {
            self.counts.add(now, 0, 1);
            true
        } else {
            false
        }
    }

    /// Calls and retries in the window.
    pub fn usage(&self, now: Instant) -> (u32, u32) {
        self.counts.sums(now)
    }
}

/// Reads a `Retry-After` header value given in seconds (`120`). The HTTP-date form is
/// not understood and gives `None`, as do values above a day.
pub fn parse_retry_after(value: &[u8]) -> Option<Duration> {
    let trimmed = value.trim_ascii();
    if trimmed.is_empty() || trimmed.len() > 6 || !trimmed.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let seconds = trimmed
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    (seconds <= 86_400).then(|| Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_the_cap_and_jitter_stays_in_the_upper_half() {
        let config = RetryConfig::default();
        let nominal: [u64; 8] =
            core::array::from_fn(|i| millis(config.nominal_delay(i as u32 + 1)));
        assert_eq!(nominal, [50, 100, 200, 250, 250, 250, 250, 250]);
        // A call that fails every attempt waits at most this much in all.
        let total: u64 = (1..u32::from(config.max_attempts))
            .map(|r| millis(config.nominal_delay(r)))
            .sum();
        assert_eq!(total, 1_350);
        let mut rng = Rng::new(7);
        for retry in 1..10 {
            let n = millis(config.nominal_delay(retry));
            for _ in 0..200 {
                let d = millis(config.jittered_delay(retry, &mut rng));
                assert!((n / 2..=n).contains(&d), "{d} outside {}..={n}", n / 2);
            }
        }
    }

    #[test]
    fn a_mint_without_key_is_retried_only_when_it_cannot_have_arrived() {
        for failure in [
            Failure::NoResponse,
            Failure::TimedOut,
            Failure::Status(502),
            Failure::Status(504),
        ] {
            assert!(!failure.is_retryable(false), "{failure:?}");
            assert!(failure.is_retryable(true), "{failure:?}");
        }
        for failure in [Failure::NotSent, Failure::Status(503), Failure::Status(429)] {
            assert!(failure.is_retryable(false), "{failure:?}");
        }
        for status in [400, 401, 403, 404, 422, 500] {
            assert!(!Failure::Status(status).is_retryable(true), "{status}");
        }
    }

    #[test]
    fn what_counts_against_the_breaker() {
        for status in [500, 502, 503, 504, 429] {
            assert!(Failure::Status(status).counts_against_breaker());
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!Failure::Status(status).counts_against_breaker());
        }
        assert!(Failure::TimedOut.counts_against_breaker());
        assert!(Failure::NoResponse.counts_against_breaker());
    }

    #[test]
    fn budget_allows_the_minimum_then_a_share_of_calls() {
        let config = BudgetConfig {
            percent: 20,
            min_retries: 2,
            window: Duration::from_secs(10),
        };
        let mut budget = RetryBudget::new(config);
        let now = Instant::from_millis(0);
        assert!(budget.try_withdraw(now));
        assert!(budget.try_withdraw(now));
        assert!(!budget.try_withdraw(now));
        for _ in 0..10 {
            budget.on_call(now);
        }
        assert!(budget.try_withdraw(now));
        assert!(budget.try_withdraw(now));
        assert!(!budget.try_withdraw(now));
        // The window slides: the budget comes back.
        assert!(budget.try_withdraw(Instant::from_millis(20_000)));
    }

    #[test]
    fn retry_after_in_seconds_only() {
        assert_eq!(parse_retry_after(b" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(b"Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after(b"-1"), None);
        assert_eq!(parse_retry_after(b"9999999"), None);
        assert_eq!(parse_retry_after(b""), None);
    }
}
