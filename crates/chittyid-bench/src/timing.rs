//! Timing helpers: repeat a measurement and keep the median, so one noisy round on a
//! shared machine does not decide the figure.

use std::time::{Duration, Instant};

/// The median of `rounds` timings of `work`.
pub fn median(rounds: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Nanoseconds per item.
pub fn ns_per(duration: Duration, items: usize) -> f64 {
    duration.as_nanos() as f64 / items as f64
}
