//! The std client against a hostile service: every misbehaviour ends in a typed error
//! (or an explicit local-only verdict) within the call's deadline, in bounded memory.

#[path = "support/hostile.rs"]
mod hostile;

use std::time::{Duration, Instant};

use chittyid::EntityType;
use chittyid::resilience::{Failure, RetryConfig};
use chittyid_std::{Client, MintError, MintRequest, Validation};
use hostile::{DEADLINE, Hostile};

async fn client_of(kind: Hostile) -> Client {
    let addr = hostile::start(kind).await;
    Client::builder()
        .service_url(format!("http://{addr}"))
        .token("hostile-secret-token")
        .health_monitor(false)
        .attempt_timeout(Duration::from_millis(700))
        .call_deadline(DEADLINE)
        .retry(RetryConfig {
            base_delay: Duration::from_millis(20),
            ..RetryConfig::default()
        })
        .build()
        .unwrap()
}

async fn run(kind: Hostile) -> Result<(), String> {
    let client = client_of(kind).await;
    let began = Instant::now();
    let minted = client.mint(MintRequest::new(EntityType::Person)).await;
    hostile::judge(kind, "mint", minted.is_err(), &minted, began.elapsed())?;
    let began = Instant::now();
    let verdict = client.validate("03-1-USA-5537-P-2602-0-38").await;
    let local_only = matches!(verdict, Validation::LocalOnly { .. });
    hostile::judge(kind, "validation", local_only, &verdict, began.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_answer_ends_in_a_typed_error_within_the_deadline() {
    hostile::run_all(run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_over_the_size_limit_is_not_read_and_the_mint_is_not_sent_again() {
    // A 2xx the client cannot read may still be a committed ID: the outcome is unknown,
    // and the mint is not sent again (this service is not known to honour keys).
    for kind in [Hostile::HugeBody, Hostile::HugeJson] {
        let client = client_of(kind).await;
        let minted = client.mint(MintRequest::new(EntityType::Person)).await;
        assert!(
            matches!(
                minted,
                Err(MintError::OutcomeUnknown {
                    last: Failure::InvalidResponse,
                    attempts: 1,
                    resend_safe: false,
                    ..
                })
            ),
            "{kind:?}: {minted:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_a_503_too_large_to_keep_still_counts_against_the_breaker() {
    let addr = hostile::start(Hostile::Huge503).await;
    let client = Client::builder()
        .service_url(format!("http://{addr}"))
        .token("hostile-secret-token")
        .health_monitor(false)
        .build()
        .unwrap();
    let first = client.validate("03-1-USA-5537-P-2602-0-38").await;
    let second = client.validate("03-1-USA-7165-T-2602-0-13").await;
    let breaker = client.stats().breakers[chittyid_std::Endpoint::Validate as usize];
    hostile::judge_huge_503(&first, &second, breaker).unwrap();
}
