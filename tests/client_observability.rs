//! The std client's background health monitor (it runs the checks, and stops when the
//! last client is dropped) and its Prometheus exposition.

use std::time::Duration;

use chittyid::resilience::{HealthConfig, HealthState};
use chittyid_server::{Server, ServerConfig};
use chittyid_std::Client;

async fn server() -> Server {
    Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        ..ServerConfig::default()
    })
    .await
    .unwrap()
}

fn health_requests(server: &Server) -> u64 {
    server
        .stats()
        .requests
        .get("/health")
        .map_or(0, |by_status| by_status.values().sum())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_health_monitor_checks_and_stops_with_the_last_client() {
    let server = server().await;
    let mut health = HealthConfig::new();
    health.interval = Duration::from_millis(100);
    let client = Client::builder()
        .service_url(server.url())
        .health(health)
        .build()
        .unwrap();
    let clone = client.clone();
    tokio::time::sleep(Duration::from_millis(550)).await;
    assert!(
        health_requests(&server) >= 3,
        "{} checks",
        health_requests(&server)
    );
    assert_eq!(client.stats().health, HealthState::Connected);
    drop(client);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(
        health_requests(&server) >= 5,
        "a clone keeps the monitor running"
    );
    drop(clone);
    tokio::time::sleep(Duration::from_millis(150)).await;
    let after_drop = health_requests(&server);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        health_requests(&server),
        after_drop,
        "the monitor stopped with the last client"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_expose_counters_states_and_latency_histograms() {
    let server = server().await;
    let client = Client::builder()
        .service_url(server.url())
        .health_monitor(false)
        .build()
        .unwrap();
    for _ in 0..3 {
        client.validate("03-1-USA-5537-P-2602-0-38").await;
    }
    client.validate("not an id").await;
    let text = client.metrics();
    for expected in [
        r#"chittyid_calls_total{endpoint="validate"} 4"#,
        r#"chittyid_attempts_total{endpoint="validate"} 1"#,
        "chittyid_cache_hits_total 2",
        "chittyid_validations_malformed_total 1",
        r#"chittyid_breaker_state{endpoint="validate"} 0"#,
        r#"chittyid_call_duration_seconds_count{endpoint="validate"} 1"#,
        r#"chittyid_call_duration_seconds_bucket{le="+Inf",endpoint="validate"} 1"#,
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    server.shutdown().await;
}
