//! The embassy adapter against a hostile service, through `embedded-io-adapters`: every
//! misbehaviour ends in a typed error or a local-only verdict within the call's
//! deadline, inside the caller's fixed buffers.

#[path = "support/hostile.rs"]
mod hostile;
#[path = "support/tcp_connect.rs"]
mod tcp_connect;

use std::time::{Duration, Instant};

use chittyid::EntityType;
use chittyid::engine::EngineConfig;
use chittyid::resilience::RetryConfig;
use chittyid_embassy::{Buffers, Client, MintRequest, Validation};
use hostile::{DEADLINE, Hostile};
use tcp_connect::Tcp;

async fn run(kind: Hostile) -> Result<(), String> {
    let addr = hostile::start(kind).await;
    let config = EngineConfig {
        attempt_timeout: Duration::from_millis(700),
        call_deadline: DEADLINE,
        retry: RetryConfig {
            base_delay: Duration::from_millis(20),
            ..RetryConfig::default()
        },
        ..EngineConfig::default()
    };
    let host = addr.to_string();
    let (mut request, mut response) = ([0u8; 1024], [0u8; 4096]);
    let mut client: Client<'_, Tcp, 32> = Client::new(
        config,
        0x5EED,
        Tcp(addr),
        &host,
        Some("t"),
        Buffers {
            request: &mut request,
            response: &mut response,
        },
    );
    let began = Instant::now();
    let minted = client.mint(MintRequest::new(EntityType::Person)).await;
    hostile::judge(kind, "mint", minted.is_err(), &minted, began.elapsed())?;
    let began = Instant::now();
    let verdict = client.validate(b"03-1-USA-5537-P-2602-0-38").await;
    let local_only = matches!(verdict, Validation::LocalOnly { .. });
    hostile::judge(kind, "validation", local_only, &verdict, began.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_answer_ends_in_a_typed_error_within_the_deadline() {
    hostile::run_all(run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_a_503_too_large_for_the_buffer_still_counts_against_the_breaker() {
    // The same bytes as the std client's test, the same outcomes and breaker state.
    let addr = hostile::start(Hostile::Huge503).await;
    let host = addr.to_string();
    let (mut request, mut response) = ([0u8; 1024], [0u8; 4096]);
    let mut client: Client<'_, Tcp, 32> = Client::new(
        EngineConfig::default(),
        0x5EED,
        Tcp(addr),
        &host,
        Some("t"),
        Buffers {
            request: &mut request,
            response: &mut response,
        },
    );
    let first = client.validate(b"03-1-USA-5537-P-2602-0-38").await;
    let second = client.validate(b"03-1-USA-7165-T-2602-0-13").await;
    let breaker = client
        .engine()
        .breaker_state(chittyid::engine::Endpoint::Validate);
    hostile::judge_huge_503(&first, &second, breaker).unwrap();
}
