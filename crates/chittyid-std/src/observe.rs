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
        match event {
            Event::Breaker {
                endpoint,
                transition,
            } => tracing::warn!(
                endpoint = endpoint.name(),
                from = ?transition.from,
                to = ?transition.to,
                "breaker changed state"
            ),
            Event::Health(transition) => {
                tracing::info!(from = ?transition.from, to = ?transition.to, "health changed state")
            }
            Event::Retry {
                endpoint,
                attempt,
                delay_ms,
                failure,
            } => tracing::debug!(
                endpoint = endpoint.name(),
                attempt,
                delay_ms,
                failure = ?failure,
                "retrying"
            ),
            Event::Rejected { endpoint, .. } => {
                tracing::debug!(endpoint = endpoint.name(), "refused by an open breaker")
            }
            Event::CacheEviction { .. } => tracing::trace!("cache eviction"),
            Event::MaxReconnectAttemptsReached => {
                tracing::error!("health monitor gave up reconnecting")
            }
            _ => tracing::debug!(?event, "engine event"),
        }
        // No subscriber is fine: the send fails and the event is dropped.
        let _ = self.sender.send(*event);
    }
}
