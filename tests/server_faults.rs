//! Each injected fault of the reference service, observed from a plain HTTP client over
//! real sockets, in the strict profile.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chittyid::ChittyId;
use chittyid_server::{FaultKind, Latency, Outage, Profile, Server, ServerConfig};
use chittyid_test_support::http::{call, request, validate};
use tokio::runtime::Runtime;

const AUTH: (&str, &str) = ("Authorization", "Bearer t");

fn start(config: ServerConfig) -> (Runtime, Server) {
    let runtime = Runtime::new().unwrap();
    // These tests describe the strict profile: what a service should do.
    let config = ServerConfig {
        profile: Profile::Strict,
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec!["t".into()],
        ..config
    };
    let server = runtime.block_on(Server::start(config)).unwrap();
    (runtime, server)
}

fn with_fault(kind: FaultKind) -> (Runtime, Server) {
    start(ServerConfig {
        faults: vec![(kind, 1.0)],
        hold: Duration::from_millis(300),
        ..ServerConfig::default()
    })
}

fn stats(addr: SocketAddr) -> serde_json::Value {
    // /admin/stats is never faulted.
    call(addr, "GET", "/admin/stats", &[], "").json()
}

#[test]
fn reset_closes_without_an_answer() {
    let (_rt, server) = with_fault(FaultKind::Reset);
    let answer = request(server.addr(), "GET", "/health", &[], b"").unwrap();
    assert!(answer.is_none(), "{answer:?}");
    assert_eq!(stats(server.addr())["faults"]["reset"], 1);
}

#[test]
fn status503_and_status429_with_retry_after() {
    let (_rt, server) = with_fault(FaultKind::Status503);
    let answer = validate(server.addr(), "03-1-USA-5537-P-2602-0-38");
    assert_eq!(
        (answer.status, answer.json()["success"].clone()),
        (503, false.into())
    );
    let (_rt2, server) = with_fault(FaultKind::Status429);
    let answer = call(server.addr(), "GET", "/health", &[], "");
    assert_eq!(
        (answer.status, answer.header("retry-after")),
        (429, Some("1"))
    );
}

#[test]
fn timeout_holds_the_request_then_closes() {
    let (_rt, server) = with_fault(FaultKind::Timeout);
    let began = Instant::now();
    let answer = request(server.addr(), "GET", "/health", &[], b"").unwrap();
    assert!(answer.is_none());
    assert!(
        began.elapsed() >= Duration::from_millis(300),
        "held {:?}",
        began.elapsed()
    );
}

#[test]
fn malformed_answers_200_with_a_broken_body() {
    let (_rt, server) = with_fault(FaultKind::Malformed);
    let answer = call(
        server.addr(),
        "POST",
        "/v1/mint",
        &[AUTH],
        r#"{"entityType":"P"}"#,
    );
    assert_eq!(answer.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&answer.body).is_err());
}

#[test]
fn fallback_answers_a_pending_id_that_validation_replaces() {
    let (_rt, server) = with_fault(FaultKind::Fallback);
    let answer = call(
        server.addr(),
        "POST",
        "/v1/mint",
        &[AUTH],
        r#"{"entityType":"thing"}"#,
    );
    let body = answer.json();
    assert_eq!(
        (body["fallback"].clone(), body["errorCode"].clone()),
        (true.into(), "MINT_UNAVAILABLE".into())
    );
    let fallback: ChittyId = body["chittyId"].as_str().unwrap().parse().unwrap();
    assert!(!fallback.is_final());
    let first = validate(server.addr(), &fallback.to_string()).json();
    assert_eq!(first["valid"], false);
    let replacement: ChittyId = first["replacedBy"].as_str().unwrap().parse().unwrap();
    assert!(replacement.is_canonical());
    let again = validate(server.addr(), &fallback.to_string()).json();
    assert_eq!(again["replacedBy"], first["replacedBy"], "replaced once");
    let check = validate(server.addr(), &replacement.to_string()).json();
    assert_eq!(check["valid"], true);
}

#[test]
fn drop_after_commit_commits_then_closes_unanswered() {
    let (_rt, server) = with_fault(FaultKind::DropAfterCommit);
    let answer = request(
        server.addr(),
        "POST",
        "/v1/mint",
        &[AUTH],
        br#"{"entityType":"P"}"#,
    )
    .unwrap();
    assert!(answer.is_none());
    let stats = stats(server.addr());
    assert_eq!(
        (stats["mintsCommitted"].clone(), stats["idsStored"].clone()),
        (1.into(), 1.into())
    );
    assert_eq!(stats["faults"]["drop-after-commit"], 1);
    assert_eq!(
        stats["requests"]["/v1/mint"]["0"], 1,
        "a request closed unanswered is counted: {stats}"
    );
    // A mint-only fault leaves the other routes alone.
    assert_eq!(
        validate(server.addr(), "03-1-USA-5537-P-2602-0-38").status,
        200
    );
}

#[test]
fn latency_and_outage() {
    let latency = Latency {
        base: Duration::from_millis(200),
        jitter: Duration::from_millis(50),
    };
    let (_rt, server) = start(ServerConfig {
        latency,
        ..ServerConfig::default()
    });
    let began = Instant::now();
    call(server.addr(), "GET", "/health", &[], "");
    assert!(began.elapsed() >= Duration::from_millis(200));

    let outage = Some(Outage {
        after: Duration::from_millis(300),
        duration: Duration::from_millis(700),
    });
    let (_rt2, server) = start(ServerConfig {
        outage,
        ..ServerConfig::default()
    });
    assert_eq!(call(server.addr(), "GET", "/health", &[], "").status, 200);
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        request(server.addr(), "GET", "/health", &[], b"")
            .unwrap()
            .is_none(),
        "closed during the outage"
    );
    std::thread::sleep(Duration::from_millis(700));
    assert_eq!(
        call(server.addr(), "GET", "/health", &[], "").status,
        200,
        "back after it"
    );
    assert_eq!(stats(server.addr())["outageConnections"], 1);
}

#[test]
fn faults_are_seeded_and_repeatable() {
    let run = || {
        let config = ServerConfig {
            faults: vec![(FaultKind::Status503, 0.5)],
            seed: 42,
            ..ServerConfig::default()
        };
        let (_rt, server) = start(config);
        (0..40)
            .map(|_| call(server.addr(), "GET", "/health", &[], "").status)
            .collect::<Vec<_>>()
    };
    let first = run();
    assert_eq!(first, run());
    let failures = first.iter().filter(|&&s| s == 503).count();
    assert!((8..=32).contains(&failures), "{failures} of 40");
}

#[test]
fn storage_fail_makes_a_mint_answer_503_storage_unavailable() {
    let (_rt, server) = with_fault(FaultKind::StorageFail);
    let addr = server.addr();
    let answer = call(addr, "POST", "/v1/mint", &[AUTH], r#"{"entityType":"P"}"#);
    assert_eq!(
        (answer.status, answer.json()["error"].clone()),
        (503, "STORAGE_UNAVAILABLE".into())
    );
    assert_eq!(
        call(addr, "GET", "/health", &[], "").status,
        200,
        "reads go on"
    );
    let now = stats(addr);
    assert_eq!(
        (
            now["faults"]["storage-fail"].clone(),
            now["idsStored"].clone()
        ),
        (1.into(), 0.into())
    );
    // Switched off and on again at run time, through the admin route.
    let off = call(
        addr,
        "POST",
        "/admin/faults",
        &[],
        r#"{"set":{"storage-fail":0}}"#,
    );
    assert_eq!(off.json()["faults"], serde_json::json!({}));
    assert_eq!(
        call(addr, "POST", "/v1/mint", &[AUTH], r#"{"entityType":"P"}"#).status,
        200
    );
    call(
        addr,
        "POST",
        "/admin/faults",
        &[],
        r#"{"set":{"storage-fail":1}}"#,
    );
    assert_eq!(
        call(addr, "POST", "/v1/mint", &[AUTH], r#"{"entityType":"P"}"#).status,
        503
    );
    assert_eq!(stats(addr)["idsStored"], 1);
}
