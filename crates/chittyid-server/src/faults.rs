//! Fault injection, seeded so that a run can be replayed: which fault (if any) hits a
//! request, the added latency, and whether an outage is in force.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chittyid::resilience::Rng;

use crate::config::{FaultKind, Latency, Outage};

/// Decides faults for requests.
pub struct Faults {
    rates: Mutex<Vec<(FaultKind, f64)>>,
    down: AtomicBool,
    latency: Latency,
    outage: Option<Outage>,
    started: Instant,
    rng: Mutex<Rng>,
}

impl Faults {
    /// Faults at these rates, from this seed.
    pub fn new(
        rates: Vec<(FaultKind, f64)>,
        latency: Latency,
        outage: Option<Outage>,
        seed: u64,
    ) -> Faults {
        Faults {
            rates: Mutex::new(rates),
            down: AtomicBool::new(false),
            latency,
            outage,
            started: Instant::now(),
            rng: Mutex::new(Rng::new(seed)),
        }
    }

    fn roll(&self, rate: f64) -> bool {
        if rate <= 0.0 {
            return false;
        }
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let unit = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < rate
    }

    /// The fault for a request, if any: each kind set is rolled in turn, skipping those
    /// that only make sense for a mint when the request is not one.
    pub fn pick(&self, mint: bool) -> Option<FaultKind> {
        let rates = self
            .rates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        rates
            .iter()
            .filter(|(kind, _)| mint || !kind.mint_only())
            .find(|&&(_, rate)| self.roll(rate))
            .map(|&(kind, _)| kind)
    }

    /// Sets the rate of one kind of fault (0 removes it).
    pub fn set(&self, kind: FaultKind, rate: f64) {
        let mut rates = self
            .rates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        rates.retain(|(k, _)| *k != kind);
        if rate > 0.0 {
            rates.push((kind, rate.min(1.0)));
        }
    }

    /// Removes every fault and ends a manual outage.
    pub fn clear(&self) {
        self.rates
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
        self.down.store(false, Ordering::SeqCst);
    }

    /// Starts or ends a manual outage (every connection accepted and closed).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// The latency to add to a request.
    pub fn latency(&self) -> Duration {
        if self.latency.jitter.is_zero() {
            return self.latency.base;
        }
        let jitter_ms = self.latency.jitter.as_millis() as u64;
        let mut rng = self
            .rng
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        self.latency.base + Duration::from_millis(rng.between(0, jitter_ms))
    }

    /// `true` while the outage window is in force.
    pub fn in_outage(&self) -> bool {
        self.down.load(Ordering::SeqCst)
            || self.outage.is_some_and(|outage| {
                let elapsed = self.started.elapsed();
                elapsed >= outage.after && elapsed < outage.after + outage.duration
            })
    }
}
