//! The service's own statistics, served at `/admin/stats`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde::Serialize;

use crate::config::FaultKind;

/// A snapshot, as JSON.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsSnapshot {
    /// Requests by route, then by status.
    pub requests: BTreeMap<String, BTreeMap<u16, u64>>,
    /// Mints committed (new IDs, replays excluded).
    pub mints_committed: u64,
    /// Mints answered from an idempotency key.
    pub mints_replayed: u64,
    /// Fallback IDs issued.
    pub fallbacks_issued: u64,
    /// Fallback IDs issued by the real front, by error code name (`MINT_REJECTED`…).
    pub fallbacks: BTreeMap<String, u64>,
    /// Fallback IDs replaced by a validation (real profile).
    pub fallbacks_replaced: u64,
    /// Calls to the minting back end answered with a minted ID (real profile).
    pub backend_mints: u64,
    /// Calls to the minting back end that failed, by how (`status401`, `no-answer`…).
    pub backend_failures: BTreeMap<String, u64>,
    /// Validations answered.
    pub validations: u64,
    /// Faults injected by kind.
    pub faults: BTreeMap<String, u64>,
    /// Connections closed at once by an outage.
    pub outage_connections: u64,
    /// Requests refused by rate limits.
    pub rate_limited: u64,
}

/// Thread-safe counters.
#[derive(Default)]
pub struct Stats {
    inner: Mutex<StatsSnapshot>,
}

impl Stats {
    fn with(&self, change: impl FnOnce(&mut StatsSnapshot)) {
        change(
            &mut self
                .inner
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        );
    }

    /// A copy of the counters.
    pub fn snapshot(&self) -> StatsSnapshot {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Counts a request by route and status.
    pub fn request(&self, route: &str, status: u16) {
        self.with(|s| {
            *s.requests
                .entry(route.to_string())
                .or_default()
                .entry(status)
                .or_default() += 1
        });
    }

    /// Counts an injected fault.
    pub fn fault(&self, kind: FaultKind) {
        self.with(|s| *s.faults.entry(kind.name().to_string()).or_default() += 1);
    }

    /// Counts a committed mint.
    pub fn minted(&self, replayed: bool) {
        self.with(|s| {
            if replayed {
                s.mints_replayed += 1;
            } else {
                s.mints_committed += 1;
            }
        });
    }

    /// Counts a fallback ID handed out.
    pub fn fallback(&self) {
        self.with(|s| s.fallbacks_issued += 1);
    }

    /// Counts a fallback ID issued by the real front, by its code name.
    pub fn fallback_code(&self, name: &str) {
        self.with(|s| {
            s.fallbacks_issued += 1;
            *s.fallbacks.entry(name.to_string()).or_default() += 1;
        });
    }

    /// Counts a fallback ID replaced.
    pub fn fallback_replaced(&self) {
        self.with(|s| s.fallbacks_replaced += 1);
    }

    /// Counts a call to the minting back end answered with a minted ID.
    pub fn backend_mint(&self) {
        self.with(|s| s.backend_mints += 1);
    }

    /// Counts a failed call to the minting back end.
    pub fn backend_failure(&self, how: &str) {
        self.with(|s| *s.backend_failures.entry(how.to_string()).or_default() += 1);
    }

    /// Counts a validation.
    pub fn validation(&self) {
        self.with(|s| s.validations += 1);
    }

    /// Counts a connection closed by an outage.
    pub fn outage_connection(&self) {
        self.with(|s| s.outage_connections += 1);
    }

    /// Counts a request refused by a rate limit.
    pub fn rate_limited(&self) {
        self.with(|s| s.rate_limited += 1);
    }
}
