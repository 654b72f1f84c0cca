//! The std client against the reference service and its faults, over real sockets:
//! resets, 503s, an outage, a probe stampede, lost mint answers, and a long run of
//! distinct validations.

#[path = "support/ids.rs"]
mod ids;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chittyid::EntityType;
use chittyid::resilience::{BreakerConfig, BudgetConfig, FailureRate, RetryConfig};
use chittyid_server::{FaultKind, Server, ServerConfig};
use chittyid_std::{Client, ClientBuilder, MintAnswer, MintError, MintRequest, Validation};

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

fn builder(server: &Server) -> ClientBuilder {
    Client::builder()
        .service_url(server.url())
        .token(TOKEN)
        .health_monitor(false)
        .attempt_timeout(Duration::from_secs(2))
}

/// Settings for a lossy link: more attempts, a budget that allows them, and a breaker
/// that trips on a failure rate rather than on a handful of random failures.
fn lossy(builder: ClientBuilder, attempts: u8) -> ClientBuilder {
    builder
        .retry(RetryConfig {
            max_attempts: attempts,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(200),
            budget: BudgetConfig {
                percent: 100,
                min_retries: 100,
                window: Duration::from_secs(10),
            },
            ..RetryConfig::default()
        })
        .breaker(BreakerConfig {
            failure_threshold: 0,
            failure_rate: Some(FailureRate {
                min_calls: 50,
                percent: 90,
            }),
            ..BreakerConfig::default()
        })
}

/// A client whose breakers, once open, wait `reset` before a probe.
fn with_breaker_reset(server: &Server, reset: Duration) -> Client {
    builder(server)
        .breaker(BreakerConfig {
            reset_timeout: reset,
            ..BreakerConfig::default()
        })
        .build()
        .unwrap()
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
    let requests = client.stats().engine.endpoints[1].attempts;
    assert!(
        requests <= 2_000 * 150 / 100,
        "{requests} requests for 2000 calls"
    );
    assert!(client.stats().engine.endpoints[1].retries > 300);
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
        if client.stats().engine.endpoints[1].breaker_openings > 0
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
        client.stats().breakers[1],
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
async fn fifty_concurrent_calls_after_the_reset_time_send_one_probe() {
    let server = server(vec![]).await;
    let reset = Duration::from_millis(500);
    let client = with_breaker_reset(&server, reset);
    server.faults().set_down(true);
    for n in 0..5 {
        client.validate(&ids::distinct(n).to_string()).await;
    }
    assert_eq!(
        client.stats().breakers[1],
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
async fn lost_mint_answers_with_keys_orphan_nothing_and_duplicate_nothing() {
    let server = strict_server(vec![(FaultKind::DropAfterCommit, 0.2)]).await;
    let client = Arc::new(
        lossy(builder(&server), 10)
            .idempotency_keys(true)
            .call_deadline(Duration::from_secs(60))
            .build()
            .unwrap(),
    );
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
async fn lost_mint_answers_without_keys_are_reported_not_retried() {
    let server = strict_server(vec![(FaultKind::DropAfterCommit, 0.2)]).await;
    // The default: keys off.
    let client = lossy(builder(&server), 10).build().unwrap();
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
        client.stats().engine.endpoints[0].attempts,
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
        held <= chittyid_std::CACHE_CAPACITY as u64,
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
        let client = builder(&server).idempotency_keys(true).build().unwrap();
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
