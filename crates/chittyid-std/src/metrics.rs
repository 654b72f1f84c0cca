//! The client's counters, states and latency histograms for Prometheus, and the ways to
//! serve them over HTTP.
//!
//! [`Client::metrics`](crate::Client::metrics) renders them in the OpenMetrics text
//! format ([`CONTENT_TYPE`]). A service exposes them either on a route of its own
//! (return [`response`] from a hyper or axum handler, or [`handle`] from a hyper
//! `service_fn`) or on a listener of their own ([`serve`]). The rules in `ops/alerts.yml`
//! and the dashboard in `ops/grafana-dashboard.json` of the repository use these names
//! (every counter gets `_total` on the wire, the histogram `_bucket`, `_sum`, `_count`):
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `chittyid_calls_total`, `chittyid_calls_succeeded_total`, `chittyid_calls_failed_total` | counter | `endpoint` (`mint`, `validate`, `health`) |
//! | `chittyid_attempts_total`, `chittyid_retries_total`, `chittyid_retries_denied_total` | counter | `endpoint` |
//! | `chittyid_rejected_by_breaker_total`, `chittyid_breaker_openings_total` | counter | `endpoint` |
//! | `chittyid_paced_total` (attempts that waited for the client's own rate limit), `chittyid_paced_seconds_total` (how long they waited, in all) | counter | `endpoint` |
//! | `chittyid_throttled_total` (calls ended unsent: the rate limit would have held them past their deadline) | counter | `endpoint` |
//! | `chittyid_pace_slowdowns_total` (times the rate limit slowed down because the service said it was rate-limiting) | counter | `endpoint` |
//! | `chittyid_breaker_state` | gauge: 0 closed, 1 half-open, 2 open | `endpoint` |
//! | `chittyid_cache_hits_total`, `_misses_total`, `_inserts_total`, `_evictions_total`, `_expirations_total` | counter | |
//! | `chittyid_validations_malformed_total`, `chittyid_validations_local_only_total` | counter | |
//! | `chittyid_validations_coalesced_total` (validations that shared the answer of a call in flight for the same ID) | counter | |
//! | `chittyid_mints_pending_total` (fallback IDs handed out) | counter | |
//! | `chittyid_health_checks_total` (the health monitor's own checks) | counter | `result` (`passed`, `failed`) |
//! | `chittyid_connections_total`, `chittyid_reconnections_total` | counter | |
//! | `chittyid_health_state` | gauge: 0 disconnected, 1 connecting, 2 connected, 3 reconnecting, 4 failed | |
//! | `chittyid_journal_unresolved` (mints the journal shows sent and not settled, those in flight included; only when the client keeps a journal) | gauge | |
//! | `chittyid_call_duration_seconds` | histogram | `endpoint` |

mod http;

pub use http::{CONTENT_TYPE, PATH, handle, response, serve};

use chittyid::engine::{Endpoint, LATENCY_BOUNDS_MS};
use chittyid::resilience::{BreakerState, HealthState};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeCounterValue, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

use crate::client::ClientStats;

/// A snapshot of the stats (and of the journal, if the client keeps one), encoded on
/// scrape.
#[derive(Debug)]
struct Snapshot {
    stats: ClientStats,
    journal_unresolved: Option<usize>,
}

type Labels = Vec<(String, String)>;

fn endpoint_label(endpoint: Endpoint) -> Labels {
    vec![("endpoint".to_string(), endpoint.name().to_string())]
}

fn counter<N: EncodeCounterValue + Copy>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(Labels, N)],
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, value) in values {
        ConstCounter::new(*value).encode(metric.encode_family(labels)?)?;
    }
    Ok(())
}

fn gauge(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    values: &[(Labels, i64)],
) -> Result<(), std::fmt::Error> {
    let mut metric = encoder.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, value) in values {
        ConstGauge::new(*value).encode(metric.encode_family(labels)?)?;
    }
    Ok(())
}

impl Collector for Snapshot {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let stats = &self.stats;
        let per_endpoint =
            |pick: fn(&chittyid::engine::EndpointStats) -> u64| -> Vec<(Labels, u64)> {
                Endpoint::ALL
                    .iter()
                    .map(|&e| (endpoint_label(e), pick(stats.engine.endpoint(e))))
                    .collect()
            };
        counter(
            &mut encoder,
            "chittyid_calls",
            "Calls begun",
            &per_endpoint(|s| s.calls),
        )?;
        counter(
            &mut encoder,
            "chittyid_calls_succeeded",
            "Calls answered by the service",
            &per_endpoint(|s| s.succeeded),
        )?;
        counter(
            &mut encoder,
            "chittyid_calls_failed",
            "Calls that ended without an answer",
            &per_endpoint(|s| s.failed),
        )?;
        counter(
            &mut encoder,
            "chittyid_attempts",
            "Requests sent",
            &per_endpoint(|s| s.attempts),
        )?;
        counter(
            &mut encoder,
            "chittyid_retries",
            "Retries scheduled",
            &per_endpoint(|s| s.retries),
        )?;
        counter(
            &mut encoder,
            "chittyid_retries_denied",
            "Retries refused by the budget",
            &per_endpoint(|s| s.retries_denied),
        )?;
        counter(
            &mut encoder,
            "chittyid_rejected_by_breaker",
            "Calls refused by an open breaker",
            &per_endpoint(|s| s.rejected_by_breaker),
        )?;
        counter(
            &mut encoder,
            "chittyid_breaker_openings",
            "Times a breaker opened",
            &per_endpoint(|s| s.breaker_openings),
        )?;
        counter(
            &mut encoder,
            "chittyid_paced",
            "Attempts that waited for the client's own rate limit",
            &per_endpoint(|s| s.paced),
        )?;
        let paced_seconds: Vec<(Labels, f64)> = Endpoint::ALL
            .iter()
            .map(|&e| {
                let ms = stats.engine.endpoint(e).paced_ms;
                (endpoint_label(e), ms as f64 / 1000.0)
            })
            .collect();
        counter(
            &mut encoder,
            "chittyid_paced_seconds",
            "Time attempts waited for the client's own rate limit, in seconds",
            &paced_seconds,
        )?;
        counter(
            &mut encoder,
            "chittyid_throttled",
            "Calls ended unsent because the rate limit would have held them past their deadline",
            &per_endpoint(|s| s.throttled),
        )?;
        counter(
            &mut encoder,
            "chittyid_pace_slowdowns",
            "Times the rate limit slowed down because the service was rate-limiting",
            &per_endpoint(|s| s.pace_slowdowns),
        )?;
        let e = &stats.engine;
        let plain = |v: u64| vec![(Labels::new(), v)];
        counter(
            &mut encoder,
            "chittyid_cache_hits",
            "Cache hits",
            &plain(e.cache.hits),
        )?;
        counter(
            &mut encoder,
            "chittyid_cache_misses",
            "Cache misses",
            &plain(e.cache.misses),
        )?;
        counter(
            &mut encoder,
            "chittyid_cache_inserts",
            "Cache inserts",
            &plain(e.cache.inserts),
        )?;
        counter(
            &mut encoder,
            "chittyid_cache_evictions",
            "Cache evictions",
            &plain(e.cache.evictions),
        )?;
        counter(
            &mut encoder,
            "chittyid_cache_expirations",
            "Cache expirations",
            &plain(e.cache.expirations),
        )?;
        counter(
            &mut encoder,
            "chittyid_validations_malformed",
            "Validations refused locally",
            &plain(e.malformed),
        )?;
        counter(
            &mut encoder,
            "chittyid_validations_local_only",
            "Validations answered local-only",
            &plain(e.local_only),
        )?;
        counter(
            &mut encoder,
            "chittyid_validations_coalesced",
            "Validations that shared the answer of a call in flight for the same ID",
            &plain(e.coalesced),
        )?;
        counter(
            &mut encoder,
            "chittyid_mints_pending",
            "Mints answered with a fallback ID",
            &plain(e.pending_mints),
        )?;
        let checks = vec![
            (
                vec![("result".to_string(), "passed".to_string())],
                e.health_checks_passed,
            ),
            (
                vec![("result".to_string(), "failed".to_string())],
                e.health_checks_failed,
            ),
        ];
        counter(
            &mut encoder,
            "chittyid_health_checks",
            "Health checks run",
            &checks,
        )?;
        counter(
            &mut encoder,
            "chittyid_connections",
            "Moves into Connected",
            &plain(e.connections),
        )?;
        counter(
            &mut encoder,
            "chittyid_reconnections",
            "Recoveries into Connected",
            &plain(e.reconnections),
        )?;
        let breaker_states: Vec<(Labels, i64)> = Endpoint::ALL
            .iter()
            .map(|&endpoint| {
                let value = match stats.breakers[endpoint as usize] {
                    BreakerState::Closed => 0,
                    BreakerState::HalfOpen => 1,
                    BreakerState::Open => 2,
                };
                (endpoint_label(endpoint), value)
            })
            .collect();
        gauge(
            &mut encoder,
            "chittyid_breaker_state",
            "0 closed, 1 half-open, 2 open",
            &breaker_states,
        )?;
        let health = match stats.health {
            HealthState::Disconnected => 0,
            HealthState::Connecting => 1,
            HealthState::Connected => 2,
            HealthState::Reconnecting => 3,
            HealthState::Failed => 4,
        };
        gauge(
            &mut encoder,
            "chittyid_health_state",
            "0 disconnected, 1 connecting, 2 connected, 3 reconnecting, 4 failed",
            &[(Labels::new(), health)],
        )?;
        if let Some(unresolved) = self.journal_unresolved {
            gauge(
                &mut encoder,
                "chittyid_journal_unresolved",
                "Mints the journal shows sent and not settled (in flight included)",
                &[(Labels::new(), i64::try_from(unresolved).unwrap_or(i64::MAX))],
            )?;
        }
        let mut latency = encoder.encode_descriptor(
            "chittyid_call_duration_seconds",
            "Latency of calls that used the network",
            None,
            MetricType::Histogram,
        )?;
        for endpoint in Endpoint::ALL {
            let histogram = &e.endpoint(endpoint).latency;
            let mut cumulative = 0u64;
            let mut buckets: Vec<(f64, u64)> = Vec::new();
            for (i, &count) in histogram.counts.iter().enumerate() {
                cumulative += u64::from(count);
                let bound = LATENCY_BOUNDS_MS
                    .get(i)
                    .map_or(f64::INFINITY, |&ms| ms as f64 / 1000.0);
                buckets.push((bound, cumulative));
            }
            let labels = endpoint_label(endpoint);
            latency.encode_family(&labels)?.encode_histogram::<Labels>(
                histogram.sum_ms as f64 / 1000.0,
                histogram.count(),
                &buckets,
                None,
            )?;
        }
        Ok(())
    }
}

/// The stats in the Prometheus text format, with the journal's unresolved mints when the
/// client keeps a journal (`None`: no journal, no gauge).
pub(crate) fn render(stats: &ClientStats, journal_unresolved: Option<usize>) -> String {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Snapshot {
        stats: *stats,
        journal_unresolved,
    }));
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = prometheus_client::encoding::text::encode(&mut out, &registry);
    out
}

#[cfg(test)]
mod tests {
    use chittyid::engine::{Endpoint, Stats};
    use chittyid::resilience::{BreakerState, HealthState};

    use super::render;
    use crate::client::ClientStats;

    fn stats() -> ClientStats {
        let mut engine = Stats::default();
        let mint = &mut engine.endpoints[Endpoint::Mint.index()];
        mint.paced = 3;
        mint.paced_ms = 1_250;
        mint.throttled = 2;
        mint.pace_slowdowns = 1;
        engine.coalesced = 4;
        engine.pending_mints = 5;
        ClientStats {
            engine,
            breakers: [BreakerState::Closed; 3],
            health: HealthState::Connected,
            keys_honoured: false,
        }
    }

    #[test]
    fn rate_limit_coalescing_and_fallback_counters_are_exported() {
        let text = render(&stats(), None);
        for expected in [
            r#"chittyid_paced_total{endpoint="mint"} 3"#,
            r#"chittyid_paced_total{endpoint="validate"} 0"#,
            r#"chittyid_paced_seconds_total{endpoint="mint"} 1.25"#,
            r#"chittyid_throttled_total{endpoint="mint"} 2"#,
            r#"chittyid_pace_slowdowns_total{endpoint="mint"} 1"#,
            "chittyid_validations_coalesced_total 4",
            "chittyid_mints_pending_total 5",
            "# TYPE chittyid_paced_seconds counter",
        ] {
            assert!(text.contains(expected), "{expected} missing from:\n{text}");
        }
        assert!(!text.contains("chittyid_journal_unresolved"), "{text}");
    }

    #[test]
    fn the_journal_gauge_comes_with_a_journal() {
        let text = render(&stats(), Some(2));
        assert!(
            text.contains("# TYPE chittyid_journal_unresolved gauge\n"),
            "{text}"
        );
        assert!(text.contains("\nchittyid_journal_unresolved 2\n"), "{text}");
        assert!(
            render(&stats(), Some(0)).contains("\nchittyid_journal_unresolved 0\n"),
            "an empty journal shows 0"
        );
    }
}
