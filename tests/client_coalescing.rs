//! Request coalescing and the client's own rate limit in the std client, with nothing
//! set but the URL (and a token for mints), against the reference service over real
//! sockets: 1 000 concurrent validations of 10 distinct IDs make at most 10 requests,
//! and a burst of mints keeps to the default rate's burst, the rest waiting their turn.

use std::collections::HashSet;
use std::time::Duration;

use chittyid_server::{Latency, Server, ServerConfig};
use chittyid_std::{Client, Endpoint, EntityType, MintAnswer, MintRequest, Validation};
use chittyid_test_support::ids::distinct;

const TOKEN: &str = "client-coalescing-token";

async fn start(latency_ms: u64) -> Server {
    Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec![TOKEN.into()],
        latency: Latency {
            base: Duration::from_millis(latency_ms),
            jitter: Duration::ZERO,
        },
        ..ServerConfig::default()
    })
    .await
    .unwrap()
}

fn validate_requests(server: &Server) -> u64 {
    server
        .stats()
        .requests
        .get("/api/validate")
        .map_or(0, |by_status| by_status.values().sum())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_validations_of_ten_ids_make_at_most_ten_requests() {
    // The service takes 300 ms to answer, so that the calls overlap.
    let server = start(300).await;
    let client = Client::builder().service_url(server.url()).build().unwrap();
    let ids: Vec<String> = (0..10).map(|n| distinct(n).to_string()).collect();
    let calls: Vec<_> = (0..1_000)
        .map(|n| {
            let (client, id) = (client.clone(), ids[n % 10].clone());
            tokio::spawn(async move { client.validate(&id).await })
        })
        .collect();
    for call in calls {
        let verdict = call.await.unwrap();
        assert!(
            matches!(verdict, Validation::Authoritative { valid: true, .. }),
            "{verdict:?}"
        );
    }
    let requests = validate_requests(&server);
    assert!(requests <= 10, "{requests} requests for 10 IDs");
    let stats = client.stats().engine;
    eprintln!(
        "1000 validations of 10 IDs: {requests} requests, {} coalesced, {} from the cache",
        stats.coalesced, stats.cached_answers
    );
    // Each call either asked (10), followed a call in flight, or, begun after an
    // answer came, found it in the cache.
    assert_eq!(stats.coalesced + stats.cached_answers + requests, 1_000);
    assert!(stats.coalesced > 0, "{stats:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mints_beyond_the_default_burst_wait_for_the_rate_limit_and_none_is_lost() {
    let server = start(0).await;
    let client = Client::builder()
        .service_url(server.url())
        .token(TOKEN)
        .build()
        .unwrap();
    let calls: Vec<_> = (0..30)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.mint(MintRequest::new(EntityType::Thing)).await })
        })
        .collect();
    let mut minted = HashSet::new();
    for call in calls {
        match call.await.unwrap() {
            Ok(MintAnswer::Minted(id)) => assert!(minted.insert(id)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(minted.len(), 30);
    assert_eq!(server.stats().mints_committed, 30);
    // Ten go at once; the others wait, unless the clock refilled the bucket while the
    // first were sent (a slow machine), so it is a bound, not a count.
    let mint = *client.stats().engine.endpoint(Endpoint::Mint);
    assert!(mint.paced >= 1 && mint.paced <= 20, "{mint:?}");
    assert!(mint.paced_ms > 0);
    server.shutdown().await;
}
