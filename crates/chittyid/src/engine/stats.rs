//! Counters and fixed-bucket latency histograms, per endpoint and for the engine.

use super::endpoints::Endpoint;
use crate::resilience::CacheStats;

/// Upper bounds of the latency buckets in milliseconds; a last bucket takes the rest.
pub const LATENCY_BOUNDS_MS: [u64; 12] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000];

/// A latency histogram with fixed buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Histogram {
    /// Counts per bucket: `counts[i]` for latencies up to `LATENCY_BOUNDS_MS[i]`, the
    /// last for everything slower.
    pub counts: [u32; LATENCY_BOUNDS_MS.len() + 1],
    /// Sum of all latencies, in milliseconds.
    pub sum_ms: u64,
}

impl Histogram {
    /// Records one latency.
    pub fn record(&mut self, ms: u64) {
        let bucket = LATENCY_BOUNDS_MS
            .iter()
            .position(|&bound| ms <= bound)
            .unwrap_or(LATENCY_BOUNDS_MS.len());
        self.counts[bucket] = self.counts[bucket].saturating_add(1);
        self.sum_ms = self.sum_ms.saturating_add(ms);
    }

    /// How many latencies were recorded.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|&c| u64::from(c)).sum()
    }

    /// The upper bound of the bucket holding the quantile `per_mille`/1000, in ms
    /// (`None` when empty; `u64::MAX` for the open last bucket).
    pub fn quantile_bound_ms(&self, per_mille: u32) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let rank = (total * u64::from(per_mille.min(1000)))
            .div_ceil(1000)
            .max(1);
        let mut seen = 0;
        for (i, &count) in self.counts.iter().enumerate() {
            seen += u64::from(count);
            if seen >= rank {
                return Some(LATENCY_BOUNDS_MS.get(i).copied().unwrap_or(u64::MAX));
            }
        }
        None
    }
}

/// One endpoint's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct EndpointStats {
    /// Calls begun.
    pub calls: u64,
    /// Calls that ended with the service's answer.
    pub succeeded: u64,
    /// Calls that ended without one.
    pub failed: u64,
    /// Requests sent.
    pub attempts: u64,
    /// Retries scheduled.
    pub retries: u64,
    /// Retries the budget refused.
    pub retries_denied: u64,
    /// Calls answered at once because the breaker was open.
    pub rejected_by_breaker: u64,
    /// Times the breaker opened.
    pub breaker_openings: u64,
    /// Attempts that waited for the client's own rate limit.
    pub paced: u64,
    /// Milliseconds those attempts waited, in all.
    pub paced_ms: u64,
    /// Calls ended at once because the rate limit would have held them past their
    /// deadline.
    pub throttled: u64,
    /// Times the rate limit slowed down because the service said it was rate-limiting.
    pub pace_slowdowns: u64,
    /// Latency of finished calls that used the network.
    pub latency: Histogram,
}

/// Everything the engine counts (a superset of v2.2.0's statistics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Stats {
    /// Per endpoint, in [`super::Endpoint::ALL`] order.
    pub endpoints: [EndpointStats; 3],
    /// Validations refused locally as malformed, without the network.
    pub malformed: u64,
    /// Validations answered from the cache.
    pub cached_answers: u64,
    /// Validations answered local-only because the service could not be reached.
    pub local_only: u64,
    /// Mints that returned a fallback ID (pending).
    pub pending_mints: u64,
    /// Validations answered with the final ID that replaces a fallback ID.
    pub replacements: u64,
    /// Validations that shared the answer of another call in flight for the same ID
    /// (no request of their own).
    pub coalesced: u64,
    /// Health checks run, passed, failed.
    pub health_checks: u64,
    /// Health checks that passed.
    pub health_checks_passed: u64,
    /// Health checks that failed.
    pub health_checks_failed: u64,
    /// Moves into Connected.
    pub connections: u64,
    /// Moves from Reconnecting or Failed back to Connected.
    pub reconnections: u64,
    /// The cache's own counters.
    pub cache: CacheStats,
}

impl Stats {
    /// One endpoint's counters (`endpoints[endpoint]`, without an index cast).
    pub fn endpoint(&self, endpoint: Endpoint) -> &EndpointStats {
        &self.endpoints[endpoint.index()]
    }

    /// One endpoint's counters, to change.
    pub(super) fn endpoint_mut(&mut self, endpoint: Endpoint) -> &mut EndpointStats {
        &mut self.endpoints[endpoint.index()]
    }
}
