//! The std client against the reference service in both of its profiles, over real
//! sockets: `real` (what id.chitty.cc does: no idempotency, 200 fallbacks for every
//! back-end failure, format-only validation, replacements answered once) and `strict`
//! (what a service should do). Each test says which outcome it expects, not just "an
//! error"; the client is built with the URL and the token only, unless a test is about
//! a setting.

use std::collections::HashMap;
use std::time::Duration;

use chittyid::{ChittyId, EntityType, IdKind, Jurisdiction, Region, TrustLevel};
use chittyid_server::{FaultKind, Latency, Profile, Server, ServerConfig};
use chittyid_std::{Client, KeyPolicy, MintAnswer, MintError, MintRequest, Unanswered, Validation};

const TOKEN: &str = "client-real-token";

/// The four production IDs of the spec (CHITTYID.md section 2).
const PRODUCTION: [&str; 4] = [
    "03-1-USA-5537-P-2602-0-38",
    "03-1-USA-7165-T-2602-0-13",
    "03-1-USA-2709-T-2602-0-42",
    "03-1-USA-1399-T-2603-0-70",
];

async fn start(profile: Profile, change: impl FnOnce(&mut ServerConfig)) -> Server {
    let mut config = ServerConfig {
        profile,
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec![TOKEN.into()],
        seed: 11,
        ..ServerConfig::default()
    };
    change(&mut config);
    Server::start(config).await.unwrap()
}

/// Waits until the service has committed `count` mints and then no more for a while
/// (slow mints finish after their callers have gone); fails if it commits more. Bounded
/// at 30 s, a safety net rather than a timing assertion.
async fn settled(server: &Server, count: u64) {
    let began = std::time::Instant::now();
    while server.stats().mints_committed < count && began.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Longer than a slow mint: a second commit of any call would have landed by now.
    tokio::time::sleep(Duration::from_millis(1_600)).await;
    assert_eq!(
        server.stats().mints_committed,
        count,
        "{:?}",
        server.stats()
    );
}

/// A service whose mints take 1.5 s (and complete after the caller gives up), and a
/// client that gives an attempt 0.4 s: a setting, because the tests that use it are
/// about what is sent again, not about the defaults' time-out.
async fn slow_back_end(profile: Profile) -> (Server, Client) {
    let server = start(profile, |c| {
        c.backend_latency = Latency {
            base: Duration::from_millis(1_500),
            jitter: Duration::ZERO,
        };
    })
    .await;
    let client = Client::builder()
        .service_url(server.url())
        .token(TOKEN)
        .attempt_timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    (server, client)
}

/// A client with nothing set but the URL and the token.
fn client(server: &Server, token: &str) -> Client {
    Client::builder()
        .service_url(server.url())
        .token(token)
        .build()
        .unwrap()
}

fn gbr() -> MintRequest {
    MintRequest::new(EntityType::Place)
        .with_region(Region::Europe)
        .with_jurisdiction(Jurisdiction::new(*b"GBR").unwrap())
        .with_trust_level(TrustLevel::Standard)
}

#[tokio::test]
async fn clean_mints_and_the_requested_fields_in_both_profiles() {
    for profile in [Profile::Real, Profile::Strict] {
        let server = start(profile, |_| {}).await;
        let client = client(&server, TOKEN);
        for entity in [EntityType::Person, EntityType::Event, EntityType::Authority] {
            let answer = client.mint(MintRequest::new(entity)).await;
            let Ok(MintAnswer::Minted(id)) = answer else {
                panic!("{profile:?}: {answer:?}");
            };
            assert_eq!(id.entity_type(), entity, "{profile:?}");
            assert_eq!(id.kind(), IdKind::Canonical);
        }
        let answer = client.mint(gbr()).await;
        let Ok(MintAnswer::Minted(id)) = answer else {
            panic!("{profile:?}: {answer:?}");
        };
        assert_eq!(
            (
                id.region().digit(),
                id.jurisdiction().to_string(),
                id.trust_level().digit(),
                id.entity_type()
            ),
            (3, "GBR".to_string(), 2, EntityType::Place),
            "{profile:?}: {id}"
        );
        server.shutdown().await;
    }
}

#[tokio::test]
async fn a_wrong_token_is_an_authentication_error_in_both_profiles() {
    let server = start(Profile::Real, |_| {}).await;
    let answer = client(&server, "not-the-token").mint(gbr()).await;
    let Err(MintError::TokenRefused { fallback }) = answer else {
        panic!("real: {answer:?}");
    };
    assert!(
        matches!(fallback.kind(), IdKind::Fallback(code) if code.name() == Some("MINT_REJECTED"))
    );
    let message = answer.unwrap_err().to_string();
    assert!(message.contains("token"), "{message}");
    server.shutdown().await;

    let server = start(Profile::Strict, |_| {}).await;
    let answer = client(&server, "not-the-token").mint(gbr()).await;
    assert_eq!(answer, Err(MintError::Unauthorized { status: 401 }));
    server.shutdown().await;
}

#[tokio::test]
async fn the_four_production_ids_are_valid_by_the_real_service() {
    let server = start(Profile::Real, |_| {}).await;
    let client = client(&server, TOKEN);
    for text in PRODUCTION {
        let verdict = client.validate(text).await;
        assert!(
            matches!(
                verdict,
                Validation::Authoritative {
                    valid: true,
                    cached: false,
                    ..
                }
            ),
            "{text}: {verdict:?}"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_back_end_slower_than_the_time_out_mints_once_per_call_without_keys() {
    let (server, client) = slow_back_end(Profile::Real).await;
    for _ in 0..3 {
        let answer = client.mint(MintRequest::new(EntityType::Thing)).await;
        assert!(
            matches!(
                answer,
                Err(MintError::OutcomeUnknown {
                    attempts: 1,
                    resend_safe: false,
                    ..
                })
            ),
            "{answer:?}"
        );
    }
    // The back end finishes each mint although the caller gave up: three IDs, one per
    // call, none of them sent twice (one back-end call each).
    settled(&server, 3).await;
    let requests: u64 = server.stats().requests["/v1/mint"].values().sum();
    assert_eq!(requests, 3, "{:?}", server.stats());
    server.shutdown().await;
}

#[tokio::test]
async fn with_keys_honoured_a_lost_answer_is_recovered_and_nothing_is_lost() {
    let server = start(Profile::Strict, |c| {
        c.faults = vec![(FaultKind::DropAfterCommit, 0.3)];
    })
    .await;
    let client = Client::builder()
        .service_url(server.url())
        .token(TOKEN)
        .idempotency_keys(KeyPolicy::Honoured)
        .build()
        .unwrap();
    let mut received = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..60 {
        match client.mint(MintRequest::new(EntityType::Thing)).await {
            Ok(MintAnswer::Minted(id)) => received.push(id),
            Err(MintError::OutcomeUnknown { key: Some(key), .. }) => unknown.push(key),
            other => panic!("{other:?}"),
        }
    }
    // A mint that ran out of attempts is recovered with its key, later.
    server.faults().clear();
    for key in unknown {
        let again = client
            .mint_with_key(MintRequest::new(EntityType::Thing), key)
            .await;
        let Ok(MintAnswer::Minted(id)) = again else {
            panic!("{again:?}");
        };
        received.push(id);
    }
    let mut unique = received.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 60, "no duplicates, every call has its ID");
    assert_eq!(
        server.stats().mints_committed,
        60,
        "no orphans: {:?}",
        server.stats()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn back_end_failures_then_every_pending_id_replaced_once() {
    let server = start(Profile::Real, |c| {
        c.faults = vec![(FaultKind::Backend503, 0.3)];
    })
    .await;
    let client = client(&server, TOKEN);
    // What each mint handed out: a final ID, or a fallback ID with a refusal.
    let mut fallbacks: Vec<ChittyId> = Vec::new();
    let mut minted = 0;
    for _ in 0..40 {
        match client.mint(MintRequest::new(EntityType::Thing)).await {
            Ok(MintAnswer::Minted(_)) => minted += 1,
            // The real front answers a back-end 5xx as MINT_REJECTED.
            Err(MintError::TokenRefused { fallback }) => fallbacks.push(fallback),
            other => panic!("{other:?}"),
        }
    }
    assert!(
        !fallbacks.is_empty() && minted > 0,
        "{minted} minted, {fallbacks:?}"
    );
    server.faults().clear();
    // Every fallback handed out is validated; the service replaces each distinct one
    // once (the same code, type and month make the same string).
    let mut replacements: HashMap<ChittyId, Vec<ChittyId>> = HashMap::new();
    for old in &fallbacks {
        match client.validate(&old.to_string()).await {
            Validation::Replaced { old: asked, new } => {
                assert_eq!(asked, *old);
                replacements.entry(*old).or_default().push(new);
            }
            Validation::Authoritative { valid: false, .. } => {}
            other => panic!("{other:?}"),
        }
    }
    let distinct: std::collections::HashSet<_> = fallbacks.iter().collect();
    assert_eq!(replacements.len(), distinct.len());
    for (old, new) in &replacements {
        assert_eq!(new.len(), 1, "{old}: replaced once, {new:?}");
        assert_eq!(new[0].entity_type(), EntityType::Thing);
        assert!(matches!(
            client.validate(&new[0].to_string()).await,
            Validation::Authoritative { valid: true, .. }
        ));
    }
    assert_eq!(
        client.stats().engine.replacements,
        replacements.len() as u64
    );
    server.shutdown().await;
}

#[tokio::test]
async fn an_outage_of_the_minting_back_end_gives_pending_ids_and_opens_the_breaker() {
    let server = start(Profile::Real, |c| {
        c.faults = vec![(FaultKind::BackendDown, 1.0)];
    })
    .await;
    let client = client(&server, TOKEN);
    let mut pending = 0;
    let mut refused = 0;
    for _ in 0..40 {
        match client.mint(MintRequest::new(EntityType::Thing)).await {
            Ok(MintAnswer::Pending { id, code }) => {
                assert_eq!(code.and_then(|c| c.name()), Some("MINT_UNAVAILABLE"));
                assert!(matches!(id.kind(), IdKind::Fallback(_)));
                pending += 1;
            }
            Err(MintError::Unavailable(Unanswered::BreakerOpen { .. })) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert!(pending >= 1, "the first answers are pending IDs");
    assert!(
        refused >= 1,
        "the breaker opens on a back end that only hands out fallbacks ({pending} pending)"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_back_end_slower_than_the_time_out_loses_nothing_when_keys_are_honoured() {
    // The strict profile honours keys and says so (the client learns it from its first
    // health check); its mints complete after the caller gives up.
    let (server, client) = slow_back_end(Profile::Strict).await;
    while !client.stats().keys_honoured {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let mut keys = Vec::new();
    for _ in 0..2 {
        match client.mint(MintRequest::new(EntityType::Thing)).await {
            Err(MintError::OutcomeUnknown { key: Some(key), .. }) => keys.push(key),
            other => panic!("{other:?}"),
        }
    }
    // Every attempt of a call carried its key: one commit per call, however many sends.
    settled(&server, 2).await;
    // Resent with its key once the service is quick again, each call gets its ID.
    server.faults().set_backend_latency(Latency::default());
    let mut ids = Vec::new();
    for key in keys {
        let again = client
            .mint_with_key(MintRequest::new(EntityType::Thing), key)
            .await;
        let Ok(MintAnswer::Minted(id)) = again else {
            panic!("{again:?}");
        };
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
    assert_eq!(server.stats().mints_committed, 2, "nothing minted twice");
    server.shutdown().await;
}
