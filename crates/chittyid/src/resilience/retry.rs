//! The retry policy: how long to wait between attempts (exponential back-off with
//! bounded jitter, or the service's `Retry-After`, capped), and a budget that keeps
//! retries to a share of the calls, so that retries cannot multiply the load on a
//! struggling service. Which failures are worth another attempt is the engine's
//! [`Failure`](crate::engine::Failure) to say.

use core::time::Duration;

use super::arith::{div_rem, grown};
use super::rng::Rng;
use super::time::{Instant, duration_from_millis, millis};
use super::window::WindowCounts;

/// Retries as a share of calls, over a sliding window (as tower's budget).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
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
#[non_exhaustive]
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

impl BudgetConfig {
    /// A budget of `percent` retries per 100 calls in `window`, and `min_retries`
    /// allowed however few the calls.
    pub const fn new(percent: u8, min_retries: u16, window: Duration) -> BudgetConfig {
        BudgetConfig {
            percent,
            min_retries,
            window,
        }
    }
}

impl Default for BudgetConfig {
    fn default() -> BudgetConfig {
        RetryConfig::default().budget
    }
}

impl RetryConfig {
    /// The defaults (the struct is `#[non_exhaustive]`: change fields one by one).
    ///
    /// ```
    /// use core::time::Duration;
    /// use chittyid::resilience::RetryConfig;
    ///
    /// let mut retry = RetryConfig::new();
    /// retry.base_delay = Duration::from_millis(20);
    /// assert_eq!(retry.max_attempts, 8);
    /// ```
    pub fn new() -> RetryConfig {
        RetryConfig::default()
    }

    /// The nominal back-off before retry number `retry` (1 for the first retry).
    pub fn nominal_delay(&self, retry: u32) -> Duration {
        let factor = u64::from(self.multiplier.max(1));
        let ms = grown(millis(self.base_delay), factor, retry.saturating_sub(1));
        duration_from_millis(ms.min(millis(self.max_delay)))
    }

    /// The back-off with jitter: uniform between half the nominal delay and all of it,
    /// so that clients that failed together do not retry together.
    pub fn jittered_delay(&self, retry: u32, rng: &mut Rng) -> Duration {
        let nominal = millis(self.nominal_delay(retry));
        duration_from_millis(rng.between(nominal / 2, nominal))
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
        let share = div_rem(u64::from(calls) * u64::from(self.config.percent), 100).0;
        let allowed = u64::from(self.config.min_retries) + share;
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
}
