//! Time as an input: the core never reads a clock. Adapters pass an [`Instant`] (any
//! monotonic milliseconds), so tests can drive the engine with a simulated clock.

use core::ops::{Add, Sub};
use core::time::Duration;

use super::arith::div_rem;

/// A point in time in milliseconds since an epoch the adapter chooses (boot, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Instant(u64);

impl Instant {
    /// The epoch.
    pub const ZERO: Instant = Instant(0);
    /// The far future: never reached.
    pub const NEVER: Instant = Instant(u64::MAX);

    /// An instant `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Instant {
        Instant(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// The time from `earlier` to `self`, or zero when `earlier` is later.
    pub const fn saturating_since(self, earlier: Instant) -> Duration {
        duration_from_millis(self.millis_since(earlier))
    }

    /// The milliseconds from `earlier` to `self`, or 0 when `earlier` is later.
    pub const fn millis_since(self, earlier: Instant) -> u64 {
        self.0.saturating_sub(earlier.0)
    }

    /// `self + d`, saturating at [`Instant::NEVER`].
    pub const fn saturating_add(self, d: Duration) -> Instant {
        self.saturating_add_millis(millis(d))
    }

    /// `ms` milliseconds after `self`, saturating at [`Instant::NEVER`].
    pub const fn saturating_add_millis(self, ms: u64) -> Instant {
        Instant(self.0.saturating_add(ms))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, d: Duration) -> Instant {
        self.saturating_add(d)
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    fn sub(self, earlier: Instant) -> Duration {
        self.saturating_since(earlier)
    }
}

/// `ms` milliseconds as a duration, without a 64-bit division (see [`div_rem`]).
pub(crate) const fn duration_from_millis(ms: u64) -> Duration {
    let (secs, rest) = div_rem(ms, 1000);
    // `rest < 1000`: the nanoseconds are under a second, and nothing carries.
    Duration::new(secs, rest as u32 * 1_000_000)
}

/// Whole milliseconds of a duration, saturating, without 128-bit arithmetic.
pub const fn millis(d: Duration) -> u64 {
    d.as_secs()
        .saturating_mul(1000)
        .saturating_add(d.subsec_millis() as u64)
}
