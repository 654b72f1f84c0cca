//! Fault injection, seeded so that a run can be replayed: which fault (if any) hits a
//! request at the front, a write to the store or a call at the minting back end, the
//! added latencies, and whether an outage is in force. Everything here can be changed while the service runs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chittyid::resilience::Rng;

use crate::config::{FaultKind, Latency, Outage};

/// The faults in force, as `/admin/faults` shows them.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultState {
    /// Kinds with a rate above 0, in the order they are tried.
    pub rates: Vec<(FaultKind, f64)>,
    /// A manual outage is in force.
    pub down: bool,
    /// Added latency at the front.
    pub latency: Latency,
    /// Added latency at the minting back end.
    pub backend_latency: Latency,
}

/// Decides faults for requests.
pub struct Faults {
    rates: Mutex<Vec<(FaultKind, f64)>>,
    down: AtomicBool,
    down_until: Mutex<Option<Instant>>,
    latency: Mutex<Latency>,
    backend_latency: Mutex<Latency>,
    outage: Option<Outage>,
    started: Instant,
    rng: Mutex<Rng>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Faults {
    /// Faults at these rates, from this seed.
    pub fn new(
        rates: Vec<(FaultKind, f64)>,
        latency: Latency,
        backend_latency: Latency,
        outage: Option<Outage>,
        seed: u64,
    ) -> Faults {
        Faults {
            rates: Mutex::new(rates),
            down: AtomicBool::new(false),
            down_until: Mutex::new(None),
            latency: Mutex::new(latency),
            backend_latency: Mutex::new(backend_latency),
            outage,
            started: Instant::now(),
            rng: Mutex::new(Rng::new(seed)),
        }
    }

    fn roll(&self, rate: f64) -> bool {
        if rate <= 0.0 {
            return false;
        }
        let unit = (lock(&self.rng).next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < rate
    }

    fn pick_where(&self, keep: impl Fn(FaultKind) -> bool) -> Option<FaultKind> {
        let rates = lock(&self.rates);
        rates
            .iter()
            .filter(|(kind, _)| keep(*kind))
            .find(|&&(_, rate)| self.roll(rate))
            .map(|&(kind, _)| kind)
    }

    /// The front fault for a request, if any: each front kind set is rolled in turn,
    /// skipping those that only make sense for a mint when the request is not one (and
    /// the store's kind, which is rolled per write).
    pub fn pick(&self, mint: bool) -> Option<FaultKind> {
        self.pick_where(|kind| {
            !kind.is_backend() && !kind.at_store() && (mint || !kind.mint_only())
        })
    }

    /// `true` when this write to the store is to fail (`storage-fail`).
    pub fn store_refuses(&self) -> bool {
        self.pick_where(FaultKind::at_store).is_some()
    }

    /// The back-end fault for one call to the minting back end, if any.
    pub fn pick_backend(&self) -> Option<FaultKind> {
        self.pick_where(FaultKind::is_backend)
    }

    /// Sets the rate of one kind of fault (0 removes it).
    pub fn set(&self, kind: FaultKind, rate: f64) {
        let mut rates = lock(&self.rates);
        rates.retain(|(k, _)| *k != kind);
        if rate > 0.0 {
            rates.push((kind, rate.min(1.0)));
        }
    }

    /// Removes every fault and added latency, and ends a manual outage.
    pub fn clear(&self) {
        lock(&self.rates).clear();
        *lock(&self.latency) = Latency::default();
        *lock(&self.backend_latency) = Latency::default();
        self.set_down(false);
    }

    /// Starts or ends a manual outage (every connection accepted and closed).
    pub fn set_down(&self, down: bool) {
        *lock(&self.down_until) = None;
        self.down.store(down, Ordering::SeqCst);
    }

    /// Starts a manual outage that ends by itself after `duration`.
    pub fn set_down_for(&self, duration: Duration) {
        *lock(&self.down_until) = Some(Instant::now() + duration);
        self.down.store(true, Ordering::SeqCst);
    }

    fn manual_outage(&self) -> bool {
        self.down.load(Ordering::SeqCst)
            && lock(&self.down_until).is_none_or(|until| Instant::now() < until)
    }

    /// Sets the latency added at the front.
    pub fn set_latency(&self, latency: Latency) {
        *lock(&self.latency) = latency;
    }

    /// Sets the latency added at the minting back end.
    pub fn set_backend_latency(&self, latency: Latency) {
        *lock(&self.backend_latency) = latency;
    }

    /// What is in force now.
    pub fn state(&self) -> FaultState {
        FaultState {
            rates: lock(&self.rates).clone(),
            down: self.manual_outage(),
            latency: *lock(&self.latency),
            backend_latency: *lock(&self.backend_latency),
        }
    }

    fn draw(&self, latency: Latency) -> Duration {
        if latency.jitter.is_zero() {
            return latency.base;
        }
        let jitter_ms = latency.jitter.as_millis() as u64;
        latency.base + Duration::from_millis(lock(&self.rng).between(0, jitter_ms))
    }

    /// The latency to add to a request at the front.
    pub fn latency(&self) -> Duration {
        let latency = *lock(&self.latency);
        self.draw(latency)
    }

    /// The latency to add to a call at the minting back end.
    pub fn backend_latency(&self) -> Duration {
        let latency = *lock(&self.backend_latency);
        self.draw(latency)
    }

    /// `true` while the outage window is in force.
    pub fn in_outage(&self) -> bool {
        self.manual_outage()
            || self.outage.is_some_and(|outage| {
                let elapsed = self.started.elapsed();
                elapsed >= outage.after && elapsed < outage.after + outage.duration
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_and_backend_kinds_are_picked_apart() {
        let faults = Faults::new(
            vec![(FaultKind::Backend429, 1.0)],
            Latency::default(),
            Latency::default(),
            None,
            1,
        );
        assert_eq!(faults.pick(true), None);
        assert_eq!(faults.pick_backend(), Some(FaultKind::Backend429));
        faults.set(FaultKind::StorageFail, 1.0);
        assert_eq!(faults.pick(true), None, "rolled per write, not per request");
        assert!(faults.store_refuses());
        faults.set(FaultKind::Reset, 1.0);
        assert_eq!(faults.pick(false), Some(FaultKind::Reset));
        faults.clear();
        assert_eq!(faults.pick_backend(), None);
        assert!(!faults.store_refuses());
    }
}
