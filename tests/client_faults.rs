//! The std client against the reference service and its faults, over real sockets:
//! resets, 503s, an outage, a probe stampede, lost mint answers, and a long run of
//! distinct validations.

use chittyid_test_support::ids;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chittyid::EntityType;
use chittyid::engine::Failure;
use chittyid::resilience::BreakerConfig;
use chittyid_server::{FaultKind, Server, ServerConfig};
use chittyid_std::{
    Client, ClientBuilder, Endpoint, MintAnswer, MintError, MintRequest, Unanswered, Validation,
};

const TOKEN: &str = "client-test-token";

/// The reference service as id.chitty.cc behaves, with `faults`.
async fn server(faults: Vec<(FaultKind, f64)>) -> Server {
    start(ServerConfig::default(), faults).await
}

/// The reference service's strict profile (it honours idempotency keys), with `faults`.
async fn strict_server(faults: Vec<(FaultKind, f64)>) -> Server {
    start(ServerConfig::strict(), faults).await
}

async fn start(config: ServerConfig, faults: Vec<(FaultKind, f64)>) -> Server {
    let config = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec![TOKEN.into()],
        faults,
        seed: 7,
        ..config
    };
    Server::start(config).await.unwrap()
}

/// The defaults, but no health task (so that the requests a test counts are its
/// calls').
fn builder(server: &Server) -> ClientBuilder {
    Client::builder()
        .service_url(server.url())
        .token(TOKEN)
        .health_monitor(false)
}

/// Validates `count` distinct IDs with `tasks` concurrent tasks; returns how many got
/// the service's answer.
async fn validate_many(client: &Client, count: u32, tasks: u32) -> u32 {
    let handles: Vec<_> = (0..tasks)
        .map(|t| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut answered = 0;
                for n in (t..count).step_by(tasks as usize) {
                    let verdict = client.validate(&ids::distinct(n).to_string()).await;
                    if matches!(verdict, Validation::Authoritative { .. }) {
                        answered += 1;
                    }
                }
                answered
            })
        })
        .collect();
    let mut answered = 0;
    for handle in handles {
        answered += handle.await.unwrap();
    }
    answered
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_thirty_percent_resets_still_answer_99_percent() {
    let server = server(vec![(FaultKind::Reset, 0.3)]).await;
    let client = builder(&server).build().unwrap();
    let answered = validate_many(&client, 2_000, 32).await;
    assert!(answered >= 1_980, "{answered} of 2000 answered");
    let requests = client.stats().engine.endpoint(Endpoint::Validate).attempts;
    assert!(
        requests <= 2_000 * 150 / 100,
        "{requests} requests for 2000 calls"
    );
    assert!(client.stats().engine.endpoint(Endpoint::Validate).retries > 300);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_thirty_percent_503_still_answer_99_percent() {
    let server = server(vec![(FaultKind::Status503, 0.3)]).await;
    let client = builder(&server).build().unwrap();
    let answered = validate_many(&client, 2_000, 32).await;
    assert!(answered >= 1_980, "{answered} of 2000 answered");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_opens_the_breaker_fails_fast_and_recovers() {
    // The defaults: nothing set but the URL and the token (and no health task, so that
    // the requests counted are the calls').
    let server = server(vec![]).await;
    let reset = BreakerConfig::default().reset_timeout;
    let client = builder(&server).build().unwrap();
    let mut events = client.subscribe();
    let transitions = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = transitions.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(chittyid_std::Event::Breaker { transition, .. }) => {
                    seen.lock().unwrap().push(transition.to)
                }
                Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            }
        }
    });
    assert!(matches!(
        client.validate(&ids::distinct(0).to_string()).await,
        Validation::Authoritative { .. }
    ));
    server.faults().set_down(true);
    let outage_start = Instant::now();
    let mut n = 1;
    let mut slow_calls_after_open = 0;
    // A 10 s outage with a validation every 20 ms.
    while outage_start.elapsed() < Duration::from_secs(10) {
        let began = Instant::now();
        let verdict = client.validate(&ids::distinct(n).to_string()).await;
        n += 1;
        assert!(
            matches!(verdict, Validation::LocalOnly { .. }),
            "{verdict:?}"
        );
        if client
            .stats()
            .engine
            .endpoint(Endpoint::Validate)
            .breaker_openings
            > 0
            && began.elapsed() > Duration::from_millis(100)
        {
            slow_calls_after_open += 1;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let hits = server.stats().outage_connections;
    // Ten failures in a row open it; then one probe per reset period (10 s / 2 s).
    let trip = u64::from(BreakerConfig::default().consecutive_failures);
    assert!(
        hits <= trip + 10 / reset.as_secs() + 1,
        "{hits} requests reached the service during the outage"
    );
    assert!(
        slow_calls_after_open <= 3,
        "{slow_calls_after_open} calls waited while open"
    );
    server.faults().set_down(false);
    let back = Instant::now();
    loop {
        let verdict = client.validate(&ids::distinct(n).to_string()).await;
        n += 1;
        if matches!(verdict, Validation::Authoritative { .. }) {
            break;
        }
        assert!(
            back.elapsed() < reset + Duration::from_secs(2),
            "not recovered in time"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Two more probe successes close it (three in a row).
    for _ in 0..2 {
        let verdict = client.validate(&ids::distinct(n).to_string()).await;
        n += 1;
        assert!(matches!(verdict, Validation::Authoritative { .. }));
    }
    assert_eq!(
        client.stats().breaker(Endpoint::Validate),
        chittyid::resilience::BreakerState::Closed
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
    let transitions = transitions.lock().unwrap().clone();
    use chittyid::resilience::BreakerState::{Closed, HalfOpen, Open};
    assert_eq!(transitions.first(), Some(&Open), "{transitions:?}");
    assert_eq!(
        &transitions[transitions.len() - 2..],
        &[HalfOpen, Closed],
        "{transitions:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_fifty_concurrent_calls_after_the_reset_time_send_one_probe() {
    // S4, with nothing set: the service is down, the breaker opens; when it may probe,
    // 50 calls arrive at once and the service is still down.
    let server = server(vec![]).await;
    let reset = BreakerConfig::default().reset_timeout;
    let client = builder(&server).build().unwrap();
    server.faults().set_down(true);
    for n in 0..2 {
        client.validate(&ids::distinct(n).to_string()).await;
    }
    assert_eq!(
        client.stats().breaker(Endpoint::Validate),
        chittyid::resilience::BreakerState::Open
    );
    tokio::time::sleep(reset + Duration::from_millis(50)).await;
    let before = server.stats().outage_connections;
    let calls: Vec<_> = (100..150)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.validate(&ids::distinct(n).to_string()).await })
        })
        .collect();
    for call in calls {
        assert!(matches!(call.await.unwrap(), Validation::LocalOnly { .. }));
    }
    let probes = server.stats().outage_connections - before;
    assert!(probes <= 1, "{probes} probes reached the service");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_lost_mint_answers_from_a_service_that_honours_keys_orphan_nothing() {
    // S5: a service that honours keys (the strict profile echoes them) loses 20 % of
    // its mint answers after committing. The client has nothing set but the URL and
    // the token: its health task's first check learns that keys are honoured.
    let server = strict_server(vec![]).await;
    let client = Arc::new(
        Client::builder()
            .service_url(server.url())
            .token(TOKEN)
            .build()
            .unwrap(),
    );
    let began = Instant::now();
    while !client.stats().keys_honoured {
        assert!(began.elapsed() < Duration::from_secs(5), "never learned");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.faults().set(FaultKind::DropAfterCommit, 0.2);
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for _ in 0..25 {
                    match client.mint(MintRequest::new(EntityType::Person)).await {
                        Ok(MintAnswer::Minted(id)) => ids.push(id),
                        other => panic!("mint failed: {other:?}"),
                    }
                }
                ids
            })
        })
        .collect();
    let mut received = Vec::new();
    for task in tasks {
        received.extend(task.await.unwrap());
    }
    let mut unique = received.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), received.len(), "duplicates");
    let stats = server.stats();
    assert_eq!(
        stats.mints_committed,
        received.len() as u64,
        "committed but never received"
    );
    assert!(
        stats.mints_replayed > 0,
        "some answers were lost and replayed by key"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_lost_mint_answers_from_a_service_that_ignores_keys_are_reported_not_resent()
{
    // As id.chitty.cc: keys are ignored (and never echoed), so the default client never
    // learns that a resend is safe.
    let server = server(vec![(FaultKind::DropAfterCommit, 0.2)]).await;
    let client = builder(&server).build().unwrap();
    let (mut minted, mut unknown) = (0u64, 0u64);
    for _ in 0..150 {
        match client.mint(MintRequest::new(EntityType::Person)).await {
            Ok(MintAnswer::Minted(_)) => minted += 1,
            Err(MintError::OutcomeUnknown { .. }) => unknown += 1,
            other => panic!("{other:?}"),
        }
    }
    let stats = server.stats();
    assert!(unknown > 0);
    assert_eq!(
        stats.mints_committed,
        minted + unknown,
        "each loss is reported, none retried"
    );
    assert_eq!(
        client.stats().engine.endpoint(Endpoint::Mint).attempts,
        150,
        "one attempt per mint"
    );
    server.shutdown().await;
}

fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_distinct_validations_stay_within_the_cache() {
    let server = server(vec![]).await;
    let client = builder(&server).build().unwrap();
    validate_many(&client, 20_000, 16).await;
    let warm = resident_kib();
    validate_many(&client, 100_000, 16).await;
    let stats = client.stats().engine;
    let held = stats.cache.inserts - stats.cache.evictions - stats.cache.expirations;
    assert!(
        held <= chittyid_std::DEFAULT_CACHE_CAPACITY as u64,
        "{held} entries held"
    );
    assert!(stats.cache.evictions >= 90_000, "{:?}", stats.cache);
    let grown = resident_kib().saturating_sub(warm);
    assert!(grown < 64 * 1024, "memory grew by {grown} KiB");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separate_clients_never_share_idempotency_keys() {
    // A repeated key would make the service answer the second client's new mint with the
    // first client's ID (a replay), so the two IDs must differ and nothing be replayed.
    let server = strict_server(vec![]).await;
    let mut ids = Vec::new();
    for _ in 0..2 {
        let client = builder(&server).build().unwrap();
        let Ok(MintAnswer::Minted(id)) = client.mint(MintRequest::new(EntityType::Person)).await
        else {
            panic!("mint failed");
        };
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    assert_eq!(server.stats().mints_replayed, 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_call_brings_the_next_health_check_forward() {
    // With the default 30 s interval, the only check in the first seconds is the one
    // at start-up, unless a failed call asks for one sooner.
    let server = server(vec![]).await;
    let client = Client::builder()
        .service_url(server.url())
        .token(TOKEN)
        .build()
        .unwrap();
    let began = Instant::now();
    while client.stats().engine.health_checks < 1 {
        assert!(began.elapsed() < Duration::from_secs(5), "no first check");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.faults().set_down(true);
    let verdict = client.validate(&ids::distinct(1).to_string()).await;
    assert!(
        matches!(verdict, Validation::LocalOnly { .. }),
        "{verdict:?}"
    );
    let failed = Instant::now();
    while client.stats().engine.health_checks < 2 {
        assert!(
            failed.elapsed() < Duration::from_secs(5),
            "no health check after a failed call: {:?}",
            client.stats().engine
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(client.stats().engine.health_checks_failed >= 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_a_ten_second_outage_at_fifty_calls_a_second() {
    // S3, with nothing set (the health task included): calls every 20 ms, the service
    // down for 10 s. Few requests reach the dead service, failed calls end fast, and the
    // first success comes soon after it is back.
    let server = server(vec![]).await;
    let client = Client::builder()
        .service_url(server.url())
        .token(TOKEN)
        .build()
        .unwrap();
    let mut n = 0;
    // Warm up: connected, health checked.
    while client.stats().engine.health_checks_passed < 1 {
        client.validate(&ids::distinct(n).to_string()).await;
        n += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before = server.stats().outage_connections;
    server.faults().set_down(true);
    let down = Instant::now();
    let mut failed_ms = Vec::new();
    let mut calls = Vec::new();
    while down.elapsed() < Duration::from_secs(10) {
        let client = client.clone();
        let id = ids::distinct(n).to_string();
        n += 1;
        calls.push(tokio::spawn(async move {
            let began = Instant::now();
            let verdict = client.validate(&id).await;
            (verdict, began.elapsed())
        }));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for call in calls.drain(..) {
        let (verdict, took) = call.await.unwrap();
        if !matches!(verdict, Validation::Authoritative { .. }) {
            failed_ms.push(took.as_millis() as u64);
        }
    }
    let during = server.stats().outage_connections - before;
    server.faults().set_down(false);
    let back = Instant::now();
    let first_success = loop {
        let client = client.clone();
        let id = ids::distinct(n).to_string();
        n += 1;
        if let Validation::Authoritative { .. } = client.validate(&id).await {
            break back.elapsed();
        }
        assert!(back.elapsed() < Duration::from_secs(10), "never recovered");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    failed_ms.sort_unstable();
    let p99 = failed_ms[(failed_ms.len() - 1) * 99 / 100];
    assert!(
        during <= 30,
        "{during} connections reached the dead service (health checks included)"
    );
    assert!(failed_ms.len() >= 400, "{} calls failed", failed_ms.len());
    // Durations on a shared machine are reported, not asserted: the simulation
    // (defaults_sweep) asserts them on its own clock.
    eprintln!(
        "S3 over sockets: {during} connections in the outage; failed calls p99 {p99} ms; \
         first success {first_success:?} after the service was back"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_one_call_to_a_dead_service_ends_local_only_after_its_attempts() {
    // Nothing listens on the port: every connection is refused.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let client = Client::builder()
        .service_url(format!("http://127.0.0.1:{port}"))
        .token(TOKEN)
        .build()
        .unwrap();
    let began = Instant::now();
    let verdict = client.validate(&ids::distinct(1).to_string()).await;
    let took = began.elapsed();
    // The local-only verdict once the attempts the retry budget allows have been
    // refused (the client's own health task shares that budget); their back-off adds
    // up to at most 1.35 s (asserted in the core's tests; durations here are only
    // reported).
    assert!(
        matches!(
            verdict,
            Validation::LocalOnly {
                reason: Unanswered::Failed {
                    last: Failure::NotSent,
                    attempts: 2..,
                },
                ..
            }
        ),
        "{verdict:?}"
    );
    eprintln!("one call to a dead service ended after {took:?}");
    // A mint that cannot have been sent is retried the same way and fails typed.
    let minted = client.mint(MintRequest::new(EntityType::Person)).await;
    assert!(
        matches!(
            minted,
            Err(MintError::Unavailable(Unanswered::Failed {
                last: Failure::NotSent,
                ..
            }))
        ),
        "{minted:?}"
    );
}

/// S2 for mints: `count` sequential mints with nothing set, against a service that
/// honours keys; returns (minted, distinct, requests).
async fn sequential_mints(server: &Server, count: u32) -> (u32, usize, u64) {
    let client = builder(server).build().unwrap();
    let mut ids = Vec::new();
    for _ in 0..count {
        if let Ok(MintAnswer::Minted(id)) = client.mint(MintRequest::new(EntityType::Thing)).await {
            ids.push(id);
        }
    }
    let minted = ids.len() as u32;
    ids.sort();
    ids.dedup();
    (
        minted,
        ids.len(),
        client.stats().engine.endpoint(Endpoint::Mint).attempts,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_mints_under_thirty_percent_resets_succeed_99_percent() {
    let server = strict_server(vec![(FaultKind::Reset, 0.3)]).await;
    let (minted, distinct, requests) = sequential_mints(&server, 500).await;
    assert!(minted >= 495, "{minted} of 500 minted");
    assert_eq!(distinct as u32, minted, "no duplicates");
    assert_eq!(server.stats().mints_committed, u64::from(minted));
    assert!(requests <= 500 * 150 / 100, "{requests} requests");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_mints_under_thirty_percent_503_succeed_99_percent() {
    // A 503 says nothing was done: retried even before keys are known to be honoured,
    // so this holds against a service that ignores keys too.
    let server = server(vec![(FaultKind::Status503, 0.3)]).await;
    let (minted, distinct, requests) = sequential_mints(&server, 500).await;
    assert!(minted >= 495, "{minted} of 500 minted");
    assert_eq!(distinct as u32, minted, "no duplicates");
    assert!(requests <= 500 * 150 / 100, "{requests} requests");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_is_as_large_as_the_builder_says_and_zero_keeps_nothing() {
    let server = server(vec![]).await;
    let id = ids::distinct(7).to_string();
    for (capacity, requests, cached) in [(None, 1, 1), (Some(0), 2, 0)] {
        let mut builder = builder(&server);
        if let Some(entries) = capacity {
            builder = builder.cache_capacity(entries);
        }
        let client = builder.build().unwrap();
        for _ in 0..2 {
            let verdict = client.validate(&id).await;
            assert!(
                matches!(verdict, Validation::Authoritative { .. }),
                "{verdict:?}"
            );
        }
        let stats = client.stats().engine;
        let validate = *stats.endpoint(Endpoint::Validate);
        assert_eq!(
            (validate.attempts, stats.cached_answers),
            (requests, cached),
            "capacity {capacity:?}"
        );
    }
    server.shutdown().await;
}
