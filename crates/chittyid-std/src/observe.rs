//! The engine's observer on the std side: every event becomes a `tracing` event and is
//! broadcast to subscribers.

use chittyid::engine::{Event, Observer};
use tokio::sync::broadcast;

/// Forwards events to `tracing` and to a broadcast channel.
pub struct Broadcaster {
    sender: broadcast::Sender<Event>,
}

impl Broadcaster {
    /// A broadcaster keeping up to `capacity` unread events per subscriber.
    pub fn new(capacity: usize) -> Broadcaster {
        Broadcaster {
            sender: broadcast::channel(capacity).0,
        }
    }

    /// The sending side, for subscribing without the engine's lock.
    pub fn sender(&self) -> broadcast::Sender<Event> {
        self.sender.clone()
    }
}

impl Observer for Broadcaster {
    fn on_event(&mut self, event: &Event) {
        // The field names and the `event` values are stable: operators match on them
        // (see "Logs" in the crate docs). States and failures are their Rust names.
        match event {
            Event::Breaker {
                endpoint,
                transition,
            } => tracing::warn!(
                event = "breaker",
                endpoint = endpoint.name(),
                from = ?transition.from,
                to = ?transition.to,
                "breaker changed state"
            ),
            Event::Health(transition) => tracing::info!(
                event = "health",
                from = ?transition.from,
                to = ?transition.to,
                "health changed state"
            ),
            Event::Retry {
                endpoint,
                attempt,
                delay_ms,
                failure,
            } => tracing::debug!(
                event = "retry",
                endpoint = endpoint.name(),
                attempt,
                delay_ms,
                failure = ?failure,
                "retrying"
            ),
            Event::Rejected { endpoint, until } => tracing::debug!(
                event = "rejected",
                endpoint = endpoint.name(),
                until_ms = until.map(|t| t.as_millis()),
                "refused by an open breaker"
            ),
            Event::CacheEviction { id } => {
                tracing::trace!(event = "cache_eviction", id = %id, "cache eviction")
            }
            Event::MaxReconnectAttemptsReached => tracing::error!(
                event = "health_gave_up",
                "health monitor gave up reconnecting"
            ),
            _ => tracing::debug!(event = "other", detail = ?event, "engine event"),
        }
        // No subscriber is fine: the send fails and the event is dropped.
        let _ = self.sender.send(*event);
    }
}
