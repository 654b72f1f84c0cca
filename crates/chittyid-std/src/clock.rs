//! The client's clock: milliseconds since the client was built, as the engine's
//! `Instant`, and the way back to tokio's instants for sleeping.

use chittyid::resilience::Instant;

/// A monotonic clock anchored when the client was built.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    epoch: tokio::time::Instant,
}

impl Clock {
    /// A clock whose zero is now.
    pub fn new() -> Clock {
        Clock {
            epoch: tokio::time::Instant::now(),
        }
    }

    /// The engine's `now`.
    pub fn now(self) -> Instant {
        Instant::from_millis(self.epoch.elapsed().as_millis() as u64)
    }

    /// The tokio instant of an engine instant.
    pub fn tokio_instant(self, at: Instant) -> tokio::time::Instant {
        self.epoch + std::time::Duration::from_millis(at.as_millis().min(u64::MAX / 4))
    }
}
