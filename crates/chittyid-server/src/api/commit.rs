//! The strict profile's commit of a mint: the back-end latency, then the store, in a
//! task of its own, so a caller hanging up cancels nothing (the mint completes, as at the
//! real back end). Two requests with the same idempotency key are serialised by the
//! store, whose key check and insert are one write transaction: the later replays.

use crate::api::Shared;
use crate::store::{MintSpec, Minted, StoreError};

/// Why a commit did not happen.
pub(super) enum CommitError {
    /// The store refused or failed.
    Store(StoreError),
    /// The task that commits failed.
    Task,
}

/// Waits the back-end latency, mints (or replays under `key`), and counts it.
pub(super) async fn commit(
    app: Shared,
    spec: MintSpec,
    key: Option<String>,
    fingerprint: String,
) -> Result<Minted, CommitError> {
    let task = tokio::spawn(async move {
        let delay = app.faults.backend_latency();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let store = app.store.clone();
        let minted =
            tokio::task::spawn_blocking(move || store.mint(spec, key.as_deref(), &fingerprint))
                .await
                .map_err(|_| CommitError::Task)?
                .map_err(CommitError::Store)?;
        app.stats.minted(matches!(minted, Minted::Replayed(_)));
        Ok(minted)
    });
    task.await.unwrap_or(Err(CommitError::Task))
}
