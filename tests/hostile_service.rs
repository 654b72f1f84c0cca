//! The std client against a hostile service: every misbehaviour ends in a typed error
//! (or an explicit local-only verdict) within the call's deadline, in bounded memory.

#[path = "support/hostile.rs"]
mod hostile;

use std::time::{Duration, Instant};

use chittyid::EntityType;
use chittyid::resilience::RetryConfig;
use chittyid_std::{Client, MintRequest, Validation};
use hostile::Hostile;

const DEADLINE: Duration = Duration::from_secs(3);

async fn run(kind: Hostile) -> Result<(), String> {
    let addr = hostile::start(kind).await;
    let client = Client::builder()
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
        .unwrap();
    let began = Instant::now();
    let minted = client.mint(MintRequest::new(EntityType::Person)).await;
    let took = began.elapsed();
    if minted.is_ok() {
        return Err(format!("{kind:?}: mint succeeded: {minted:?}"));
    }
    if took > DEADLINE + Duration::from_millis(500) {
        return Err(format!("{kind:?}: mint took {took:?}"));
    }
    let began = Instant::now();
    let verdict = client.validate("03-1-USA-5537-P-2602-0-38").await;
    let took = began.elapsed();
    if !matches!(verdict, Validation::LocalOnly { .. }) {
        return Err(format!("{kind:?}: validation gave {verdict:?}"));
    }
    if took > DEADLINE + Duration::from_millis(500) {
        return Err(format!("{kind:?}: validation took {took:?}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_answer_ends_in_a_typed_error_within_the_deadline() {
    let runs: Vec<_> = Hostile::ALL
        .into_iter()
        .map(|kind| tokio::spawn(run(kind)))
        .collect();
    let mut failures = Vec::new();
    for run in runs {
        if let Err(message) = run.await.unwrap() {
            failures.push(message);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
