//! The embassy adapter on the host: over tokio sockets through `embedded-io-adapters`,
//! against the reference service — mint, validate, and an outage that opens the breaker
//! and recovers. (embassy-time's `std` driver is enabled for these tests only.)

use std::time::Duration;

use chittyid::EntityType;
use chittyid::engine::{Endpoint, EngineConfig};
use chittyid::resilience::{BreakerConfig, BreakerState, RetryConfig};
use chittyid::wire::Request;
use chittyid_embassy::{
    Buffers, Client, MintAnswer, MintError, MintRequest, Unanswered, Validation,
};
use chittyid_server::{FaultKind, Server, ServerConfig};

use chittyid_test_support::ids;
use chittyid_test_support::tcp::Tcp;

async fn server() -> Server {
    Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec!["fw-token".into()],
        // The `timeout` fault holds a request this long before closing it.
        hold: Duration::from_secs(1),
        ..ServerConfig::default()
    })
    .await
    .unwrap()
}

fn config() -> EngineConfig {
    EngineConfig {
        breaker: BreakerConfig {
            reset_timeout: Duration::from_millis(500),
            ..BreakerConfig::default()
        },
        retry: RetryConfig {
            base_delay: Duration::from_millis(20),
            ..RetryConfig::default()
        },
        attempt_timeout: Duration::from_secs(2),
        ..EngineConfig::default()
    }
}

/// A seed that differs between runs, as a device's RNG's would.
fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

/// A client of `server` over the buffers a firmware would own.
fn client<'a>(
    server: &Server,
    host: &'a str,
    request: &'a mut [u8],
    response: &'a mut [u8],
) -> Client<'a, Tcp, 32> {
    Client::new(
        config(),
        seed(),
        Tcp(server.addr()),
        host,
        Some("fw-token"),
        Buffers { request, response },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mint_validate_and_health_over_embedded_io() {
    let server = server().await;
    let host = server.addr().to_string();
    let (mut request, mut response) = ([0u8; 1024], [0u8; 4096]);
    let mut client = client(&server, &host, &mut request, &mut response);
    let Ok(MintAnswer::Minted(id)) = client.mint(MintRequest::new(EntityType::Place)).await else {
        panic!("mint failed");
    };
    let text = id.to_string();
    assert!(matches!(
        client.validate(text.as_bytes()).await,
        Validation::Authoritative {
            valid: true,
            cached: false,
            ..
        }
    ));
    assert!(matches!(
        client.validate(text.as_bytes()).await,
        Validation::Authoritative {
            valid: true,
            cached: true,
            ..
        }
    ));
    assert!(matches!(
        client.validate(b"03-1-USA-5537-P-2602-0-39").await,
        Validation::Malformed(_)
    ));
    assert!(client.health().await.unwrap().healthy);
    assert_eq!(
        client.stats().endpoints[Endpoint::Validate as usize].attempts,
        1
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_opens_the_breaker_and_it_recovers() {
    let server = server().await;
    let host = server.addr().to_string();
    let (mut request, mut response) = ([0u8; 1024], [0u8; 4096]);
    let mut client = client(&server, &host, &mut request, &mut response);
    let mut ids = Vec::new();
    for _ in 0..8 {
        if let Ok(MintAnswer::Minted(id)) = client.mint(MintRequest::new(EntityType::Thing)).await {
            ids.push(id.to_string());
        }
    }
    server.faults().set_down(true);
    for id in &ids[..3] {
        assert!(matches!(
            client.validate(id.as_bytes()).await,
            Validation::LocalOnly { .. }
        ));
    }
    assert_eq!(
        client.engine().breaker_state(Endpoint::Validate),
        BreakerState::Open
    );
    // Failures in a row open it: no more requests than that reach the dead service.
    let during = server.stats().outage_connections;
    let trip = u64::from(client.engine().config().breaker.consecutive_failures);
    assert!(during <= trip, "{during} requests during the outage");
    server.faults().set_down(false);
    tokio::time::sleep(Duration::from_millis(600)).await;
    for id in &ids[3..6] {
        assert!(matches!(
            client.validate(id.as_bytes()).await,
            Validation::Authoritative { valid: true, .. }
        ));
    }
    assert_eq!(
        client.engine().breaker_state(Endpoint::Validate),
        BreakerState::Closed
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_buffer_too_small_is_said_and_never_held_against_the_service() {
    let server = server().await;
    let host = server.addr().to_string();
    // Room for the engine's request, not for its HTTP/1.1 head.
    let (mut request, mut response) = ([0u8; 48], [0u8; 4096]);
    let mut client = client(&server, &host, &mut request, &mut response);
    for _ in 0..10 {
        assert!(matches!(
            client.validate(b"03-1-USA-5537-P-2602-0-38").await,
            Validation::LocalOnly {
                reason: Unanswered::BufferTooSmall,
                ..
            }
        ));
    }
    assert_eq!(
        client.mint(MintRequest::new(EntityType::Place)).await,
        Err(MintError::Unavailable(Unanswered::BufferTooSmall))
    );
    assert_eq!(
        client.engine().breaker_state(Endpoint::Validate),
        BreakerState::Closed,
        "a local limit is not the service's failure"
    );
    let validate = client.stats().endpoints[Endpoint::Validate as usize];
    assert_eq!((validate.attempts, validate.failed), (0, 10));
    assert!(
        server.stats().requests.is_empty(),
        "nothing reached the service"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_abandoned_by_its_caller_gives_its_slot_back() {
    let server = server().await;
    let host = server.addr().to_string();
    let (mut request, mut response) = ([0u8; 1024], [0u8; 4096]);
    let mut client = client(&server, &host, &mut request, &mut response);
    let id = b"03-1-USA-5537-P-2602-0-38";
    server.faults().set_down(true);
    while client.engine().breaker_state(Endpoint::Validate) != BreakerState::Open {
        client.validate(id).await;
    }
    server.faults().set_down(false);
    server.faults().set(FaultKind::Timeout, 1.0);
    tokio::time::sleep(Duration::from_millis(600)).await;
    // The probe hangs; its caller gives up first and drops the call.
    let abandoned = tokio::time::timeout(Duration::from_millis(200), client.validate(id)).await;
    assert!(abandoned.is_err(), "the probe was still waiting");
    server.faults().clear();
    // The next calls (each a different ID: no cache hit) are admitted as probes, and
    // close the breaker.
    for n in 0..u32::from(BreakerConfig::default().close_after) {
        let probe = ids::distinct(n).to_string();
        assert!(
            matches!(
                client.validate(probe.as_bytes()).await,
                Validation::Authoritative { .. }
            ),
            "probe {n} admitted"
        );
    }
    assert_eq!(
        client.engine().breaker_state(Endpoint::Validate),
        BreakerState::Closed
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_token_mints_in_a_buffer_sized_by_the_published_maximum() {
    // A 3 KiB bearer token (a JWT, say): the request buffer follows from
    // `Request::max_http1_len`, and every mint is sent and answered.
    let token = "j".repeat(3 * 1024);
    let server = Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec![token.clone()],
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let host = server.addr().to_string();
    let mut request = vec![0u8; Request::max_http1_len(host.len(), token.len())];
    let mut response = [0u8; 4096];
    let mut client: Client<'_, Tcp, 32> = Client::new(
        config(),
        seed(),
        Tcp(server.addr()),
        &host,
        Some(&token),
        Buffers {
            request: &mut request,
            response: &mut response,
        },
    );
    for _ in 0..3 {
        let minted = client.mint(MintRequest::new(EntityType::Event)).await;
        assert!(matches!(minted, Ok(MintAnswer::Minted(_))), "{minted:?}");
    }
    server.shutdown().await;
}
