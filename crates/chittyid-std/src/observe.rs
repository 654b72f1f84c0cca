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
            Event::Paced {
                endpoint,
                until,
                wait_ms,
            } => tracing::debug!(
                event = "rate_limit_wait",
                endpoint = endpoint.name(),
                wait_ms,
                until_ms = until.as_millis(),
                "waiting for the client's own rate limit"
            ),
            // A slow-down is the service asking the client to back off; each step of
            // the gradual recovery after it is routine.
            Event::Pace {
                endpoint,
                per_minute,
                slowed: true,
            } => tracing::warn!(
                event = "rate_limit_pace",
                endpoint = endpoint.name(),
                per_minute,
                slowed = true,
                "rate limit slowed down: the service is rate-limiting"
            ),
            Event::Pace {
                endpoint,
                per_minute,
                slowed: false,
            } => tracing::info!(
                event = "rate_limit_pace",
                endpoint = endpoint.name(),
                per_minute,
                slowed = false,
                "rate limit recovering"
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

#[cfg(test)]
mod tests {
    use chittyid::engine::{Endpoint, Event, Observer};
    use chittyid::resilience::Instant;
    use chittyid_test_support::capture::Captured;
    use serde_json::Value;

    use super::Broadcaster;

    /// The JSON lines (fields at the top level, as the CLI writes them) that `events`
    /// give.
    fn logged(events: &[Event]) -> Vec<Value> {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let mut broadcaster = Broadcaster::new(4);
            for event in events {
                broadcaster.on_event(event);
            }
        });
        let text = captured.text();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn rate_limit_events_are_logged_with_stable_fields() {
        let logs = logged(&[
            Event::Paced {
                endpoint: Endpoint::Mint,
                until: Instant::from_millis(1_250),
                wait_ms: 250,
            },
            Event::Pace {
                endpoint: Endpoint::Mint,
                per_minute: 300,
                slowed: true,
            },
            Event::Pace {
                endpoint: Endpoint::Mint,
                per_minute: 375,
                slowed: false,
            },
        ]);
        let [wait, slowed, recovering] = &logs[..] else {
            panic!("{logs:?}")
        };
        assert_eq!(wait["event"], "rate_limit_wait", "{wait}");
        assert_eq!(wait["level"], "DEBUG", "{wait}");
        assert_eq!(
            (&wait["endpoint"], &wait["wait_ms"], &wait["until_ms"]),
            (&"mint".into(), &250.into(), &1_250.into()),
            "{wait}"
        );
        for (log, level, is_slowed, per_minute) in [
            (slowed, "WARN", true, 300),
            (recovering, "INFO", false, 375),
        ] {
            assert_eq!(log["event"], "rate_limit_pace", "{log}");
            assert_eq!(log["level"], level, "{log}");
            assert_eq!(log["endpoint"], "mint", "{log}");
            assert_eq!(log["per_minute"], per_minute, "{log}");
            assert_eq!(log["slowed"], is_slowed, "{log}");
        }
    }
}
