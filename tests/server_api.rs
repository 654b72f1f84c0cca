//! The reference service's API over real sockets: every route and status, auth,
//! idempotency (the key echoed when honoured; a slow mint that commits after its caller
//! hung up, then replays; concurrent requests with one key minting once), rate limits
//! and hostile input, observed with a plain HTTP client, in the strict profile (what a
//! service should do).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use chittyid::ChittyId;
use chittyid_server::{Latency, Profile, Rate, Server, ServerConfig};
use chittyid_test_support::http::{self, call, raw, request, validate};
use tokio::runtime::Runtime;

const TOKEN: &str = "test-token-1234";
const AUTH: (&str, &str) = ("Authorization", "Bearer test-token-1234");

fn start(config: ServerConfig) -> (Runtime, Server) {
    let runtime = Runtime::new().unwrap();
    // These tests describe the strict profile: what a service should do.
    let config = ServerConfig {
        profile: Profile::Strict,
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec![TOKEN.to_string()],
        ..config
    };
    let server = runtime.block_on(Server::start(config)).unwrap();
    (runtime, server)
}

fn mint(addr: SocketAddr, body: &str) -> ChittyId {
    let answer = call(addr, "POST", "/v1/mint", &[AUTH], body);
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    answer.json()["chittyId"].as_str().unwrap().parse().unwrap()
}

#[test]
fn a_health_check_that_carries_a_key_gets_it_back() {
    // How a client learns, before its first mint, that this service honours keys.
    let (_rt, server) = start(ServerConfig::default());
    let answer = call(
        server.addr(),
        "GET",
        "/health",
        &[("Idempotency-Key", "probe-123")],
        "",
    );
    assert_eq!(
        (answer.status, answer.header("idempotency-key")),
        (200, Some("probe-123"))
    );
    let plain = call(server.addr(), "GET", "/health", &[], "");
    assert_eq!(plain.header("idempotency-key"), None);
}

#[test]
fn health_spec_and_unknown_routes() {
    let (_rt, server) = start(ServerConfig::default());
    for path in ["/health", "/api/health"] {
        let answer = call(server.addr(), "GET", path, &[], "");
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["status"], "ok");
    }
    let spec = call(server.addr(), "GET", "/api/spec", &[], "");
    assert_eq!(spec.json()["format"], "VV-G-LLL-SSSS-T-YYMM-C-XX");
    let missing = call(server.addr(), "GET", "/nope", &[], "");
    assert_eq!(
        (missing.status, missing.json()["success"].clone()),
        (404, false.into())
    );
}

#[test]
fn mint_accepts_every_spelling_and_ids_are_canonical_and_unique() {
    let (_rt, server) = start(ServerConfig::default());
    let addr = server.addr();
    let mut seen = Vec::new();
    for body in [
        r#"{"entityType":"person"}"#,
        r#"{"entity_type":"P"}"#,
        r#"{"entity":"PEO","metadata":{"source":"test"}}"#,
        r#"{"entityType":"place","region":3,"jurisdiction":"gbr","trust":4}"#,
        r#"{"entityType":"authority","region":"9"}"#,
    ] {
        let id = mint(addr, body);
        assert!(id.is_canonical());
        assert_eq!(id.version(), 3);
        seen.push(id);
    }
    assert_eq!(seen[3].jurisdiction().as_str(), "GBR");
    assert_eq!(seen[3].trust_level().digit(), 4);
    assert_eq!(
        seen[0].sequence() + 1,
        seen[1].sequence(),
        "sequences per region, jurisdiction, type"
    );
    let answer = call(addr, "GET", "/api/get-chittyid?entity=thing", &[AUTH], "");
    assert_eq!(answer.status, 200);
    assert!(answer.json()["components"]["entityType"] == "T");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len());
}

#[test]
fn mint_needs_the_token_and_says_what_is_wrong() {
    let (_rt, server) = start(ServerConfig::default());
    let addr = server.addr();
    for headers in [
        vec![],
        vec![("Authorization", "Bearer wrong")],
        vec![("Authorization", "test-token-1234")],
    ] {
        let answer = call(
            addr,
            "POST",
            "/v1/mint",
            &headers,
            r#"{"entityType":"person"}"#,
        );
        assert_eq!(answer.status, 401);
        assert_eq!(answer.json()["error"], "UNAUTHORIZED");
    }
    assert_eq!(
        call(addr, "GET", "/api/get-chittyid?entity=P", &[], "").status,
        401
    );
    assert_eq!(
        call(
            addr,
            "POST",
            "/v1/mint",
            &[("X-API-Key", TOKEN)],
            r#"{"entityType":"P"}"#
        )
        .status,
        200
    );
    for (body, code) in [
        ("{not json", "INVALID_JSON"),
        ("[1,2]", "INVALID_REQUEST"),
        ("{}", "MISSING_ENTITY_TYPE"),
        (r#"{"entityType":"dragon"}"#, "INVALID_ENTITY_TYPE"),
        (r#"{"entityType":"P","region":0}"#, "INVALID_REGION"),
        (
            r#"{"entityType":"P","jurisdiction":"ERR"}"#,
            "INVALID_JURISDICTION",
        ),
        (r#"{"entityType":"P","trust":6}"#, "INVALID_TRUST_LEVEL"),
    ] {
        let answer = call(addr, "POST", "/v1/mint", &[AUTH], body);
        assert_eq!(
            (answer.status, answer.json()["error"].as_str().unwrap()),
            (400, code),
            "{body}"
        );
        assert_eq!(answer.json()["success"], false);
        assert!(
            answer.json()["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
    let metadata = format!(
        r#"{{"entityType":"P","metadata":"{}"}}"#,
        "m".repeat(11_000)
    );
    let answer = call(addr, "POST", "/v1/mint", &[AUTH], &metadata);
    assert_eq!(
        (answer.status, answer.json()["error"].as_str().unwrap()),
        (413, "METADATA_TOO_LARGE")
    );
}

#[test]
fn validation_knows_what_it_minted_and_replaces_fallbacks() {
    let (_rt, server) = start(ServerConfig::default());
    let addr = server.addr();
    let id = mint(addr, r#"{"entityType":"event"}"#);
    let answer = validate(addr, &id.to_string());
    assert_eq!(answer.json()["valid"], true);
    assert_eq!(answer.json()["components"]["entityType"], "E");
    let unknown = "03-1-USA-5537-P-2602-0-38";
    let answer = validate(addr, unknown);
    assert_eq!(
        (answer.status, answer.json()["valid"].clone()),
        (200, false.into())
    );
    assert!(
        answer.json()["reason"]
            .as_str()
            .unwrap()
            .contains("not minted")
    );
    let answer = validate(addr, "03-1-USA-5537-P-2602-0-39");
    assert_eq!(answer.json()["errorCode"], "checksum_mismatch");
    assert_eq!(call(addr, "POST", "/api/validate", &[], "{}").status, 400);
    let v1 = call(addr, "GET", &format!("/v1/validate/{id}"), &[], "");
    assert_eq!(
        (v1.json()["valid"].clone(), v1.json()["entity"].clone()),
        (true.into(), "event".into())
    );
    let v1 = call(addr, "GET", &format!("/v1/validate/{unknown}"), &[], "");
    assert_eq!(v1.json()["valid"], false);
    let stranger = validate(addr, "03-0-ERR-0001-T-2611-0-32");
    assert_eq!(stranger.json()["fallback"], true);
    assert!(stranger.json()["replacedBy"].is_null(), "not issued here");
}

#[test]
fn an_idempotency_key_returns_the_same_id_and_refuses_another_body() {
    let (_rt, server) = start(ServerConfig::default());
    let addr = server.addr();
    let key = ("Idempotency-Key", "key-0001");
    let first = call(
        addr,
        "POST",
        "/v1/mint",
        &[AUTH, key],
        r#"{"entityType":"thing"}"#,
    );
    let again = call(
        addr,
        "POST",
        "/v1/mint",
        &[AUTH, key],
        r#"{"entityType":"thing"}"#,
    );
    assert_eq!(first.json()["chittyId"], again.json()["chittyId"]);
    // Stored, then replayed, under the key: both answers say so.
    assert_eq!(first.header("idempotency-key"), Some("key-0001"));
    assert_eq!(again.header("idempotency-key"), Some("key-0001"));
    let other = call(
        addr,
        "POST",
        "/v1/mint",
        &[AUTH, key],
        r#"{"entityType":"place"}"#,
    );
    assert_eq!(
        (other.status, other.json()["error"].as_str().unwrap()),
        (422, "IDEMPOTENCY_KEY_REUSED")
    );
    assert_eq!(other.header("idempotency-key"), None, "not honoured here");
    let keyless = call(
        addr,
        "POST",
        "/v1/mint",
        &[AUTH],
        r#"{"entityType":"thing"}"#,
    );
    assert_eq!(keyless.header("idempotency-key"), None);
    let stats = call(addr, "GET", "/admin/stats", &[], "").json();
    assert_eq!(
        (
            stats["mintsCommitted"].clone(),
            stats["mintsReplayed"].clone()
        ),
        (2.into(), 1.into())
    );
}

fn slow_mints(ms: u64) -> (Runtime, Server) {
    start(ServerConfig {
        backend_latency: Latency {
            base: Duration::from_millis(ms),
            jitter: Duration::ZERO,
        },
        ..ServerConfig::default()
    })
}

fn admin_stats(addr: SocketAddr) -> serde_json::Value {
    call(addr, "GET", "/admin/stats", &[], "").json()
}

#[test]
fn a_slow_mint_commits_after_the_caller_hangs_up_and_its_key_replays() {
    let (_rt, server) = slow_mints(800);
    let addr = server.addr();
    let body = r#"{"entityType":"person"}"#;
    let began = Instant::now();
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /v1/mint HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nIdempotency-Key: slow-1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    drop(stream); // the caller gives up
    assert_eq!(admin_stats(addr)["idsStored"], 0, "still waiting");
    std::thread::sleep(Duration::from_millis(1200).saturating_sub(began.elapsed()));
    let committed = admin_stats(addr);
    assert_eq!(
        (
            committed["idsStored"].clone(),
            committed["mintsCommitted"].clone()
        ),
        (1.into(), 1.into()),
        "committed though nobody waited: {committed}"
    );
    let again = call(
        addr,
        "POST",
        "/v1/mint",
        &[AUTH, ("Idempotency-Key", "slow-1")],
        body,
    );
    assert_eq!(
        again.status,
        200,
        "{}",
        String::from_utf8_lossy(&again.body)
    );
    assert_eq!(again.header("idempotency-key"), Some("slow-1"));
    let id = again.json()["chittyId"].as_str().unwrap().to_string();
    // The ID the abandoned request stored: the service knows it, and minted no other.
    assert_eq!(validate(addr, &id).json()["valid"], true);
    let after = admin_stats(addr);
    assert_eq!(
        (
            after["idsStored"].clone(),
            after["mintsCommitted"].clone(),
            after["mintsReplayed"].clone()
        ),
        (1.into(), 1.into(), 1.into()),
        "{after}"
    );
}

#[test]
fn concurrent_mints_with_one_key_mint_once() {
    let (_rt, server) = slow_mints(300);
    let addr = server.addr();
    let body = r#"{"entityType":"event"}"#;
    let answers: Vec<_> = (0..2)
        .map(|_| {
            std::thread::spawn(move || {
                call(
                    addr,
                    "POST",
                    "/v1/mint",
                    &[AUTH, ("Idempotency-Key", "both-1")],
                    body,
                )
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().unwrap())
        .collect();
    for answer in &answers {
        assert_eq!(
            answer.status,
            200,
            "{}",
            String::from_utf8_lossy(&answer.body)
        );
        assert_eq!(answer.header("idempotency-key"), Some("both-1"));
    }
    assert_eq!(answers[0].json()["chittyId"], answers[1].json()["chittyId"]);
    let stats = admin_stats(addr);
    assert_eq!(
        (
            stats["idsStored"].clone(),
            stats["mintsCommitted"].clone(),
            stats["mintsReplayed"].clone()
        ),
        (1.into(), 1.into(), 1.into()),
        "{stats}"
    );
}

#[test]
fn rate_limits_answer_429_with_retry_after() {
    let rate = Some(Rate {
        count: 3,
        per: Duration::from_secs(60),
    });
    let (_rt, server) = start(ServerConfig {
        rate_limit_mint: rate,
        ..ServerConfig::default()
    });
    let addr = server.addr();
    for _ in 0..3 {
        mint(addr, r#"{"entityType":"P"}"#);
    }
    let limited = call(addr, "POST", "/v1/mint", &[AUTH], r#"{"entityType":"P"}"#);
    assert_eq!(limited.status, 429);
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    assert_eq!(
        call(addr, "GET", "/health", &[], "").status,
        200,
        "other calls have their own limit"
    );
}

#[test]
fn admin_stats_count_routes_and_can_be_turned_off() {
    let (_rt, server) = start(ServerConfig::default());
    call(server.addr(), "GET", "/health", &[], "");
    let stats = call(server.addr(), "GET", "/admin/stats", &[], "").json();
    assert_eq!(stats["requests"]["/health"]["200"], 1);
    let (_rt2, quiet) = start(ServerConfig {
        admin: false,
        ..ServerConfig::default()
    });
    assert_eq!(
        call(quiet.addr(), "GET", "/admin/stats", &[], "").status,
        404
    );
}

#[test]
fn hostile_input_gets_clear_errors_and_never_stops_the_service() {
    let config = ServerConfig {
        header_timeout: Duration::from_millis(500),
        body_timeout: Duration::from_millis(500),
        ..ServerConfig::default()
    };
    let (_rt, server) = start(config);
    let addr = server.addr();
    // Oversized body.
    let big = format!(r#"{{"entityType":"P","x":"{}"}}"#, "a".repeat(40_000));
    let answer = call(addr, "POST", "/v1/mint", &[AUTH], &big);
    assert_eq!(answer.status, 413);
    // Invalid UTF-8 in the body.
    let answer = request(addr, "POST", "/api/validate", &[], b"{\"id\":\"\xff\xfe\"}")
        .unwrap()
        .unwrap();
    assert_eq!(
        (answer.status, answer.json()["error"].as_str().unwrap()),
        (400, "INVALID_JSON")
    );
    // A body shorter than its Content-Length: answered with an error when it stalls.
    let short = b"POST /api/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"id\":";
    let answer = raw(addr, short, Duration::from_secs(5)).unwrap();
    assert_eq!(answer.map(|a| a.status), Some(408));
    // Garbage instead of HTTP.
    let answer = raw(
        addr,
        b"\x00\x01\x02 NOT HTTP\r\n\r\n",
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(answer.map(|a| a.status), Some(400));
    // Headers dripped slowly: the connection is closed after the header time-out, and
    // another client is served meanwhile.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let began = Instant::now();
    assert_eq!(call(addr, "GET", "/health", &[], "").status, 200);
    slow.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    assert!(
        began.elapsed() < Duration::from_secs(4),
        "closed by the header time-out"
    );
    assert!(
        rest.is_empty() || String::from_utf8_lossy(&rest).contains("408"),
        "{}",
        String::from_utf8_lossy(&rest)
    );
    // Endless headers.
    let mut endless = b"GET /health HTTP/1.1\r\n".to_vec();
    for i in 0..10_000 {
        endless.extend_from_slice(format!("X-Filler-{i}: {}\r\n", "z".repeat(50)).as_bytes());
    }
    let answer = raw(addr, &endless, Duration::from_secs(5));
    assert!(
        matches!(
            answer,
            Ok(None) | Ok(Some(http::Answer { status: 431, .. })) | Err(_)
        ),
        "{answer:?}"
    );
    // Broken chunked encoding in the request body.
    let chunked = b"POST /api/validate HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
    let answer = raw(addr, chunked, Duration::from_secs(5)).unwrap();
    assert_eq!(answer.map(|a| a.status), Some(400));
    // Deeply nested and huge JSON.
    let deep = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let answer = call(addr, "POST", "/api/validate", &[], &deep);
    assert_eq!(
        answer.status,
        400,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    let huge = format!(r#"{{"id":"{}"}}"#, "9".repeat(100_000));
    assert_eq!(call(addr, "POST", "/api/validate", &[], &huge).status, 413);
    // A body dripped slower than the body time-out.
    let mut drip = TcpStream::connect(addr).unwrap();
    drip.write_all(b"POST /api/validate HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nConnection: close\r\n\r\n{").unwrap();
    drip.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let answer = http::read_answer(&mut drip).unwrap();
    assert_eq!(answer.map(|a| a.status), Some(408));
    // Invalid UTF-8 in the path.
    let answer = raw(
        addr,
        b"GET /v1/validate/\xff\xfe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(answer.map(|a| a.status), Some(400));
    // Still serving.
    assert_eq!(call(addr, "GET", "/health", &[], "").status, 200);
    assert_eq!(mint(addr, r#"{"entityType":"P"}"#).version(), 3);
}
