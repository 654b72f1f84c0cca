//! Counts over a sliding time window, kept in a fixed ring of buckets: the failure rate
//! of a breaker and the retry budget both use it.

use core::time::Duration;

use super::arith::div_rem;
use super::time::{Instant, millis};

/// Number of buckets; the window slides in steps of `window / BUCKETS`.
pub const BUCKETS: usize = 10;

#[derive(Debug, Clone, Copy, Default)]
struct Bucket {
    /// Which step of time this bucket counts (`now / step`).
    epoch: u64,
    first: u32,
    second: u32,
}

/// Two counters (say calls and failures) over the last `window`, to a tenth of it.
#[derive(Debug, Clone)]
pub struct WindowCounts {
    step_ms: u64,
    buckets: [Bucket; BUCKETS],
}

impl WindowCounts {
    /// Counts over `window` (at least 10 ms).
    pub fn new(window: Duration) -> WindowCounts {
        WindowCounts {
            step_ms: div_rem(millis(window), BUCKETS as u64).0.max(1),
            buckets: [Bucket::default(); BUCKETS],
        }
    }

    fn bucket(&mut self, now: Instant) -> &mut Bucket {
        let epoch = div_rem(now.as_millis(), self.step_ms).0;
        let bucket = &mut self.buckets[div_rem(epoch, BUCKETS as u64).1 as usize];
        if bucket.epoch != epoch {
            *bucket = Bucket {
                epoch,
                first: 0,
                second: 0,
            };
        }
        bucket
    }

    /// Adds to the counters at `now`.
    pub fn add(&mut self, now: Instant, first: u32, second: u32) {
        let bucket = self.bucket(now);
        bucket.first = bucket.first.saturating_add(first);
        bucket.second = bucket.second.saturating_add(second);
    }

    /// The sums of both counters over the window ending at `now`.
    pub fn sums(&self, now: Instant) -> (u32, u32) {
        let current = div_rem(now.as_millis(), self.step_ms).0;
        let oldest = current.saturating_sub(BUCKETS as u64 - 1);
        self.buckets
            .iter()
            .filter(|b| b.epoch >= oldest && b.epoch <= current)
            .fold((0u32, 0u32), |(a, b), bucket| {
                (
                    a.saturating_add(bucket.first),
                    b.saturating_add(bucket.second),
                )
            })
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.buckets = [Bucket::default(); BUCKETS];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_slide_out_of_the_window() {
        let mut w = WindowCounts::new(Duration::from_secs(10));
        w.add(Instant::from_millis(0), 1, 0);
        w.add(Instant::from_millis(5_000), 1, 1);
        assert_eq!(w.sums(Instant::from_millis(9_999)), (2, 1));
        assert_eq!(w.sums(Instant::from_millis(10_500)), (1, 1));
        assert_eq!(w.sums(Instant::from_millis(15_500)), (0, 0));
    }
}
