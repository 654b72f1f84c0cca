//! The reference service's default profile against `REAL-SERVICE.md` sections 1-3, row
//! by row, over real sockets with a plain HTTP client: the routes and their exact
//! shapes and headers, where a mint's fields come from, what each back-end failure
//! becomes (and the 503 when a fallback cannot be kept), format-only validation,
//! fallback replacement, a slow back end that mints after its caller hung up, an
//! external back end, and faults switched at run time.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use chittyid::{ChittyId, FallbackCode, checksum};
use chittyid_server::{FaultKind, Latency, Profile, Rate, Server, ServerConfig};
use chittyid_test_support::http::{Answer, call, request, validate};
use serde_json::Value;
use tokio::runtime::Runtime;

const AUTH: (&str, &str) = ("Authorization", "Bearer t");

fn start(config: ServerConfig) -> (Runtime, Server) {
    let runtime = Runtime::new().unwrap();
    let config = ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec!["t".into()],
        ..config
    };
    let server = runtime.block_on(Server::start(config)).unwrap();
    (runtime, server)
}

fn real() -> (Runtime, Server) {
    start(ServerConfig::default())
}

fn cors(answer: &Answer) -> Option<&str> {
    answer.header("access-control-allow-origin")
}

/// A JSON answer of the real front: the status, JSON, and CORS.
fn json_200(answer: &Answer) -> Value {
    assert_eq!(
        answer.status,
        200,
        "{}",
        String::from_utf8_lossy(&answer.body)
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(cors(answer), Some("*"));
    answer.json()
}

fn mint(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &str) -> Value {
    let method = if path.starts_with("/v1/mint") {
        "POST"
    } else {
        "GET"
    };
    json_200(&call(addr, method, path, headers, body))
}

fn minted(answer: &Value) -> ChittyId {
    assert_eq!(answer["mintedBy"], "mint.chitty.cc", "{answer}");
    answer["chittyId"].as_str().unwrap().parse().unwrap()
}

fn stats(addr: SocketAddr) -> Value {
    call(addr, "GET", "/admin/stats", &[], "").json()
}

fn timestamp(value: &Value) {
    let ts = value["timestamp"].as_str().unwrap_or_default();
    assert!(ts.len() == 24 && ts.ends_with('Z'), "timestamp {value}");
}

fn with_check(body: &str) -> String {
    format!("{body}-{:02}", checksum::compute(body).unwrap())
}

#[test]
fn default_profile_is_real() {
    assert_eq!(ServerConfig::default().profile, Profile::Real);
    assert_eq!(ServerConfig::strict().profile, Profile::Strict);
}

#[test]
fn health_routes_and_spec_have_the_real_shapes() {
    let (_rt, server) = real();
    let addr = server.addr();
    let health = json_200(&call(addr, "GET", "/health", &[], ""));
    assert_eq!(
        (&health["status"], &health["service"], &health["version"]),
        (&"ok".into(), &"chittyid-mothership".into(), &"2.0.0".into())
    );
    timestamp(&health);
    let api = json_200(&call(addr, "GET", "/api/health", &[], ""));
    assert_eq!(
        (&api["status"], &api["service"], &api["version"]),
        (
            &"healthy".into(),
            &"chittyid-mothership".into(),
            &"2.0.0".into()
        )
    );
    timestamp(&api);
    let spec = json_200(&call(addr, "GET", "/api/spec", &[], ""));
    assert_eq!(spec["success"], true);
    assert!(spec["specification"]["format"].is_string());
    assert_eq!(spec["specification"]["entityTypes"]["P"], "Person");
    assert_eq!(spec["specification"]["trustLevels"]["5"], "Official");
    timestamp(&spec);
}

#[test]
fn options_on_any_path_answers_empty_with_cors_headers() {
    let (_rt, server) = real();
    for path in ["/v1/mint", "/api/validate", "/no/such/path"] {
        let answer = call(server.addr(), "OPTIONS", path, &[], "");
        assert_eq!(answer.status, 200, "{path}");
        assert!(answer.body.is_empty(), "{path}");
        assert_eq!(cors(&answer), Some("*"));
        assert_eq!(
            answer.header("access-control-allow-methods"),
            Some("GET, POST, OPTIONS")
        );
        assert_eq!(
            answer.header("access-control-allow-headers"),
            Some("Content-Type, Authorization")
        );
    }
}

#[test]
fn everything_else_is_a_json_404() {
    let (_rt, server) = real();
    for (method, path) in [
        ("GET", "/nope"),
        ("GET", "/v1/mint"),
        ("POST", "/health"),
        ("GET", "/api/validate"),
        ("POST", "/generate"),
        ("GET", "/v1/validate/03-1-USA-5537-P-2602-0-38"),
        ("POST", "/api/v2/chittyid/mint"),
        ("GET", "/api/v1/health"),
    ] {
        let answer = call(server.addr(), method, path, &[AUTH], "");
        assert_eq!(answer.status, 404, "{method} {path}");
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(cors(&answer), Some("*"));
        let body = answer.json();
        assert_eq!(
            (&body["success"], &body["error"], &body["service"]),
            (
                &false.into(),
                &"NOT_FOUND".into(),
                &"chittyid-mothership".into()
            )
        );
        assert_eq!(body["message"], format!("Route not found: {path}"));
        timestamp(&body);
    }
    let head = call(server.addr(), "HEAD", "/health", &[], "");
    assert_eq!(head.status, 404, "the real front serves GET only");
    let with_query = call(server.addr(), "GET", "/nope?x=1", &[], "").json();
    assert_eq!(with_query["message"], "Route not found: /nope");
}

#[test]
fn a_validate_body_that_is_not_json_is_a_503_security_error_without_cors() {
    let (_rt, server) = real();
    for body in ["{not json", "", "null", r#"{"id":5}"#, r#"{"id":true}"#] {
        let answer = call(server.addr(), "POST", "/api/validate", &[], body);
        assert_eq!(answer.status, 503, "{body:?}");
        assert_eq!(cors(&answer), None, "no CORS header on {body:?}");
        let json = answer.json();
        assert_eq!(
            (&json["success"], &json["error"], &json["message"]),
            (
                &false.into(),
                &"SECURITY_ERROR".into(),
                &"Request processing failed security validation".into()
            )
        );
    }
}

#[test]
fn a_fallback_that_cannot_be_kept_is_a_503_security_error_without_cors() {
    let (_rt, server) = real();
    let addr = server.addr();
    server.faults().set(FaultKind::BackendDown, 1.0);
    // The store refuses writes, switched on at run time through the admin route.
    let state = admin_faults(addr, r#"{"set":{"storage-fail":1}}"#);
    assert_eq!(state.json()["faults"]["storage-fail"], 1.0);
    for (method, path) in [
        ("POST", "/v1/mint"),
        ("GET", "/api/get-chittyid?type=P"),
        ("GET", "/generate"),
    ] {
        let answer = call(addr, method, path, &[AUTH], r#"{"entityType":"person"}"#);
        assert_eq!(answer.status, 503, "{method} {path}");
        assert_eq!(cors(&answer), None, "no CORS header on {method} {path}");
        let json = answer.json();
        assert_eq!(
            (&json["success"], &json["error"], &json["message"]),
            (
                &false.into(),
                &"SECURITY_ERROR".into(),
                &"Request processing failed security validation".into()
            ),
            "{json}"
        );
    }
    let now = stats(addr);
    assert_eq!(now["faults"]["storage-fail"], 3, "{now}");
    assert_eq!(now["fallbacksIssued"], 0, "no fallback was handed out");
    // Through the library too: with writes allowed again, the fallback is issued.
    server.faults().set(FaultKind::StorageFail, 0.0);
    let answer = mint(addr, "/v1/mint", &[AUTH], "{}");
    assert_eq!(answer["errorCode"], "MINT_UNAVAILABLE", "{answer}");
    server.faults().set(FaultKind::StorageFail, 1.0);
    assert_eq!(
        call(addr, "POST", "/v1/mint", &[AUTH], "{}").status,
        503,
        "switched back on through Server::faults()"
    );
}

#[test]
fn every_mint_route_mints_through_the_back_end() {
    let (_rt, server) = real();
    let addr = server.addr();
    for (path, body) in [
        ("/v1/mint", r#"{"entityType":"person"}"#),
        ("/api/get-chittyid?type=person", ""),
        ("/generate?type=person", ""),
    ] {
        let answer = mint(addr, path, &[AUTH], body);
        let id = minted(&answer);
        assert!(id.is_canonical());
        assert_eq!(id.entity_type().code(), 'P', "{path}");
        assert_eq!(answer["service"], "id.chitty.cc");
        assert_eq!(answer["success"], true);
        assert_eq!(answer["components"]["entityType"], "P");
        for field in ["geo", "trust", "drand"] {
            assert!(answer[field].is_object(), "{field} in {answer}");
        }
        timestamp(&answer);
        // The back end chooses without region, jurisdiction and trust.
        assert_eq!(
            (
                id.region().digit(),
                id.jurisdiction().as_str(),
                id.trust_level().digit()
            ),
            (1, "USA", 0)
        );
    }
    assert_eq!(stats(addr)["backendMints"], 3);
    assert_eq!(stats(addr)["idsStored"], 3);
}

#[test]
fn mint_fields_come_from_where_the_real_front_reads_them() {
    let (_rt, server) = real();
    let addr = server.addr();
    let id = minted(&mint(
        addr,
        "/v1/mint?region=3&jurisdiction=GBR&trust=4",
        &[AUTH],
        r#"{"entityType":"place"}"#,
    ));
    assert_eq!(
        (
            id.region().digit(),
            id.jurisdiction().as_str(),
            id.trust_level().digit(),
            id.entity_type().code()
        ),
        (3, "GBR", 4, 'L'),
        "region, jurisdiction and trust from the query"
    );
    let id = minted(&mint(
        addr,
        "/api/get-chittyid?type=E&region=9&jurisdiction=deu&trust=2abc",
        &[AUTH],
        "",
    ));
    assert_eq!(
        (
            id.entity_type().code(),
            id.region().digit(),
            id.jurisdiction().as_str(),
            id.trust_level().digit()
        ),
        ('E', 9, "DEU", 2),
        "trust through parseInt"
    );
    let id = minted(&mint(
        addr,
        "/v1/mint",
        &[AUTH],
        r#"{"entityType":"place","region":5,"jurisdiction":"FRA","trust":3}"#,
    ));
    assert_eq!(
        (
            id.entity_type().code(),
            id.region().digit(),
            id.jurisdiction().as_str(),
            id.trust_level().digit()
        ),
        ('L', 1, "USA", 0),
        "body region, jurisdiction and trust ignored"
    );
    for (path, body, code) in [
        ("/v1/mint", r#"{"entity_type":"Authority"}"#, 'A'),
        ("/v1/mint?type=person", r#"{"entityType":"event"}"#, 'E'),
        ("/v1/mint?type=person", "{}", 'P'),
        ("/v1/mint?entity_type=l&type=person", "{}", 'L'),
        ("/v1/mint?for=context", "{}", 'P'),
        ("/v1/mint?for=claude", "", 'P'),
        ("/v1/mint?for=document", "", 'T'),
        ("/v1/mint", r#"{"entity":"person","metadata":{"a":1}}"#, 'T'),
        ("/v1/mint", "{not json", 'T'),
        ("/v1/mint", r#"{"entityType":""}"#, 'T'),
        ("/v1/mint?type=PERSON", "", 'P'),
        ("/api/get-chittyid", "", 'T'),
        ("/generate?for=work-item", "", 'T'),
        ("/generate?type=", "", 'T'),
    ] {
        let id = minted(&mint(addr, path, &[AUTH], body));
        assert_eq!(id.entity_type().code(), code, "{path} {body}");
    }
}

#[test]
fn without_a_token_a_mint_is_a_200_mint_rejected_fallback() {
    let (_rt, server) = real();
    let addr = server.addr();
    let mut seen = Vec::new();
    for headers in [vec![], vec![("Authorization", "Bearer wrong")]] {
        let answer = mint(addr, "/v1/mint", &headers, r#"{"entityType":"person"}"#);
        assert_eq!(
            (
                &answer["success"],
                &answer["fallback"],
                &answer["errorCode"]
            ),
            (&true.into(), &true.into(), &"MINT_REJECTED".into())
        );
        assert_eq!(
            (&answer["service"], &answer["mintedBy"]),
            (&"id.chitty.cc".into(), &"fallback".into())
        );
        let text = answer["chittyId"].as_str().unwrap();
        let id: ChittyId = text.parse().expect("a correct check value");
        assert_eq!(id.fallback_code(), Some(FallbackCode::MINT_REJECTED));
        assert!(text.starts_with("03-0-ERR-0003-P-"), "{text}");
        assert!(answer["message"].as_str().unwrap().starts_with(
            "ChittyMint unavailable. Issued fallback ID with error code MINT_REJECTED."
        ));
        let c = &answer["components"];
        assert_eq!(
            (
                &c["region"],
                &c["jurisdiction"],
                &c["sequential"],
                &c["trustLevel"]
            ),
            (&"0".into(), &"ERR".into(), &"0003".into(), &"0".into())
        );
        assert_eq!(
            answer["geo"],
            serde_json::json!({"region":"0","regionName":"Error/Pending","jurisdiction":"ERR","source":"fallback"})
        );
        assert_eq!(
            answer["trust"],
            serde_json::json!({"level":0,"source":"fallback","verified":false})
        );
        timestamp(&answer);
        seen.push(text.to_string());
    }
    assert_eq!(
        seen[0], seen[1],
        "two fallbacks of the same code, type and month are the same string"
    );
    // X-API-Key is neither read nor forwarded.
    let answer = mint(addr, "/v1/mint", &[("X-API-Key", "t")], "{}");
    assert_eq!(answer["errorCode"], "MINT_REJECTED");
    let stats = stats(addr);
    assert_eq!(stats["fallbacks"]["MINT_REJECTED"], 3);
    assert_eq!(stats["idsStored"], 0);
}

#[test]
fn each_back_end_failure_answers_its_fallback_code() {
    let (_rt, server) = real();
    let addr = server.addr();
    for (kind, name, sequence) in [
        (FaultKind::BackendReject, "MINT_REJECTED", "0003"),
        (FaultKind::Backend429, "RATE_LIMITED", "0007"),
        (FaultKind::Backend400, "INVALID_REQUEST", "0008"),
        (FaultKind::Backend503, "MINT_REJECTED", "0003"),
        (FaultKind::BackendDown, "MINT_UNAVAILABLE", "0001"),
        (FaultKind::BackendTimeout, "MINT_TIMEOUT", "0002"),
        (FaultKind::BackendNotJson, "MINT_UNAVAILABLE", "0001"),
    ] {
        server.faults().clear();
        server.faults().set(kind, 1.0);
        for (path, body) in [
            ("/v1/mint", r#"{"entityType":"event"}"#),
            ("/api/get-chittyid?type=event", ""),
            ("/generate?type=event", ""),
        ] {
            let answer = mint(addr, path, &[AUTH], body);
            assert_eq!(answer["errorCode"], name, "{kind:?} {path}");
            assert_eq!(answer["fallback"], true);
            let text = answer["chittyId"].as_str().unwrap();
            assert!(
                text.starts_with(&format!("03-0-ERR-{sequence}-E-")),
                "{kind:?}: {text}"
            );
            assert!(text.parse::<ChittyId>().is_ok(), "check value of {text}");
        }
    }
    server.faults().clear();
    // Requests the back end itself refuses with 400.
    for path in [
        "/v1/mint?region=0",
        "/v1/mint?jurisdiction=US",
        "/v1/mint?trust=9",
        "/v1/mint?type=dragon",
    ] {
        let answer = mint(addr, path, &[AUTH], "");
        assert_eq!(answer["errorCode"], "INVALID_REQUEST", "{path}");
        assert!(
            answer["chittyId"]
                .as_str()
                .unwrap()
                .starts_with("03-0-ERR-0008-T-"),
            "{answer}"
        );
    }
    let stats = stats(addr);
    assert_eq!(stats["fallbacks"]["MINT_TIMEOUT"], 3);
    assert_eq!(stats["fallbacks"]["RATE_LIMITED"], 3);
    assert_eq!(stats["fallbacks"]["INVALID_REQUEST"], 7);
    assert_eq!(stats["faults"]["backend-down"], 3);
    assert_eq!(stats["idsStored"], 0);
}

#[test]
fn idempotency_keys_are_ignored_and_nothing_is_rate_limited() {
    let (_rt, server) = start(ServerConfig {
        rate_limit_mint: Some(Rate {
            count: 1,
            per: Duration::from_secs(60),
        }),
        ..ServerConfig::default()
    });
    let addr = server.addr();
    let key = ("Idempotency-Key", "key-0001");
    let mut ids = Vec::new();
    for _ in 0..3 {
        let answer = call(
            addr,
            "POST",
            "/v1/mint",
            &[AUTH, key],
            r#"{"entityType":"thing"}"#,
        );
        assert_eq!(answer.header("retry-after"), None);
        assert_eq!(
            answer.header("idempotency-key"),
            None,
            "the real front never echoes a key it ignores"
        );
        ids.push(minted(&json_200(&answer)));
    }
    assert!(
        ids[0] != ids[1] && ids[1] != ids[2],
        "a repeated request mints again: {ids:?}"
    );
    let health = call(addr, "GET", "/health", &[key], "");
    assert_eq!(
        health.header("idempotency-key"),
        None,
        "nor on a health check"
    );
}

#[test]
fn validation_checks_format_and_check_value_only() {
    let (_rt, server) = real();
    let addr = server.addr();
    let never_minted = "03-1-USA-5537-P-2602-0-38";
    let answer = json_200(&validate(addr, never_minted));
    assert_eq!(
        (&answer["success"], &answer["valid"]),
        (&true.into(), &true.into())
    );
    assert_eq!(answer["components"]["sequential"], "5537");
    assert_eq!(answer["components"]["checksum"], "38");
    timestamp(&answer);
    let month_13 = with_check("03-1-USA-5537-P-2613-0");
    assert_eq!(
        json_200(&validate(addr, &month_13))["valid"],
        true,
        "the month is not checked"
    );
    for (id, error) in [
        (
            "03-1-USA-5537-P-2602-0-39",
            "Invalid checksum: expected 38, got 39",
        ),
        (
            "03-1-USA-5537-P-2602-0",
            "Invalid format: must have 8 parts separated by hyphens",
        ),
        ("3-1-USA-5537-P-2602-0-38", "Version must be 2 digits"),
        ("03-0-USA-5537-P-2602-0-38", "Region must be 1 digit (1-9)"),
        (
            "03-1-usa-5537-P-2602-0-38",
            "Jurisdiction must be 3 uppercase letters",
        ),
        ("03-1-USA-553-P-2602-0-38", "Sequential must be 4 digits"),
        (
            "03-1-USA-5537-X-2602-0-38",
            "Entity type must be P, L, T, E, or A",
        ),
        (
            "03-1-USA-5537-P-262-0-38",
            "Year-Month must be 4 digits (YYMM)",
        ),
        ("03-1-USA-5537-P-2602-6-38", "Trust level must be 0-5"),
        ("03-1-USA-5537-P-2602-0-3", "Checksum must be 2 digits"),
    ] {
        let answer = json_200(&validate(addr, id));
        assert_eq!(
            (&answer["success"], &answer["valid"], &answer["error"]),
            (&true.into(), &false.into(), &error.into()),
            "{id}"
        );
    }
    for body in [
        "{}",
        r#"{"id":""}"#,
        r#"{"id":null}"#,
        "[1]",
        r#"{"chittyId":"x"}"#,
    ] {
        let answer = json_200(&call(addr, "POST", "/api/validate", &[], body));
        assert_eq!(
            (&answer["success"], &answer["valid"], &answer["error"]),
            (
                &true.into(),
                &false.into(),
                &"ChittyID is required and must be a string".into()
            ),
            "{body}"
        );
    }
}

fn not_replaced(answer: &Value, code: &str, name: &str) {
    assert_eq!(
        (
            &answer["success"],
            &answer["valid"],
            &answer["isError"],
            &answer["canReplace"]
        ),
        (&true.into(), &false.into(), &true.into(), &true.into()),
        "{answer}"
    );
    assert_eq!(
        (&answer["errorCode"], &answer["errorName"]),
        (&code.into(), &name.into())
    );
    let message = answer["message"].as_str().unwrap();
    let named = if name == "UNKNOWN_ERROR" { code } else { name };
    assert!(message.contains(&format!("Error: {named}.")), "{message}");
    assert!(answer.get("replaced").is_none());
}

fn validate_with(addr: SocketAddr, headers: &[(&str, &str)], id: &str) -> Value {
    json_200(&call(
        addr,
        "POST",
        "/api/validate",
        headers,
        &format!(r#"{{"id":"{id}"}}"#),
    ))
}

#[test]
fn a_fallback_is_replaced_once_when_the_back_end_is_back() {
    let (_rt, server) = real();
    let addr = server.addr();
    server.faults().set(FaultKind::BackendDown, 1.0);
    let answer = mint(
        addr,
        "/v1/mint?region=3&jurisdiction=GBR",
        &[AUTH],
        r#"{"entityType":"person"}"#,
    );
    let fallback = answer["chittyId"].as_str().unwrap().to_string();
    assert!(fallback.starts_with("03-0-ERR-0001-P-"), "{fallback}");
    // The back end is still down: not replaced.
    not_replaced(
        &validate_with(addr, &[AUTH], &fallback),
        "0001",
        "MINT_UNAVAILABLE",
    );
    server.faults().clear();
    let replaced = validate_with(addr, &[AUTH], &fallback);
    assert_eq!(
        (
            &replaced["success"],
            &replaced["replaced"],
            &replaced["oldId"]
        ),
        (&true.into(), &true.into(), &fallback.as_str().into()),
        "{replaced}"
    );
    assert!(
        replaced.get("valid").is_none(),
        "no valid field: {replaced}"
    );
    assert!(replaced["message"].is_string());
    let new: ChittyId = replaced["newId"].as_str().unwrap().parse().unwrap();
    assert!(new.is_canonical());
    assert_eq!(
        replaced["chittyId"], replaced["newId"],
        "the back end's fields"
    );
    assert_eq!(
        (
            new.region().digit(),
            new.jurisdiction().as_str(),
            new.entity_type().code()
        ),
        (3, "GBR", 'P'),
        "the original request, kept under the fallback ID"
    );
    timestamp(&replaced);
    // Once: the entry is gone.
    not_replaced(
        &validate_with(addr, &[AUTH], &fallback),
        "0001",
        "MINT_UNAVAILABLE",
    );
    assert_eq!(json_200(&validate(addr, &new.to_string()))["valid"], true);
    let stats = stats(addr);
    assert_eq!(stats["fallbacksReplaced"], 1);
    assert_eq!(stats["idsStored"], 1);
    // A fallback ID this front never issued: not replaced, its code named.
    not_replaced(
        &validate_with(addr, &[AUTH], "03-0-ERR-0007-T-2611-0-99"),
        "0007",
        "RATE_LIMITED",
    );
    not_replaced(
        &validate_with(addr, &[], "03-0-ERR-0042-T-2611-0-00"),
        "0042",
        "UNKNOWN_ERROR",
    );
}

#[test]
fn a_replacement_needs_the_token_on_the_validation() {
    let (_rt, server) = real();
    let addr = server.addr();
    let answer = mint(addr, "/api/get-chittyid?type=thing", &[], "");
    assert_eq!(answer["errorCode"], "MINT_REJECTED");
    let fallback = answer["chittyId"].as_str().unwrap().to_string();
    not_replaced(
        &validate_with(addr, &[], &fallback),
        "0003",
        "MINT_REJECTED",
    );
    not_replaced(
        &validate_with(addr, &[("Authorization", "Bearer wrong")], &fallback),
        "0003",
        "MINT_REJECTED",
    );
    let replaced = validate_with(addr, &[AUTH], &fallback);
    assert_eq!(replaced["replaced"], true, "{replaced}");
    assert!(replaced["newId"].as_str().unwrap().contains("-T-"));
}

#[test]
fn a_slow_back_end_mints_even_when_the_caller_hangs_up() {
    let (_rt, server) = start(ServerConfig {
        backend_latency: Latency {
            base: Duration::from_millis(600),
            jitter: Duration::ZERO,
        },
        ..ServerConfig::default()
    });
    let addr = server.addr();
    let body = r#"{"entityType":"person"}"#;
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /v1/mint HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(150));
    drop(stream); // the caller gives up
    assert_eq!(stats(addr)["idsStored"], 0, "still minting");
    let deadline = Instant::now() + Duration::from_secs(5);
    while stats(addr)["idsStored"] != 1 {
        assert!(Instant::now() < deadline, "never minted: {}", stats(addr));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(stats(addr)["mintsCommitted"], 1);
    // A caller that waits gets its ID, however slow.
    let began = Instant::now();
    minted(&mint(addr, "/v1/mint", &[AUTH], body));
    assert!(began.elapsed() >= Duration::from_millis(600));
}

#[test]
fn an_external_mint_back_end_gets_the_request_and_the_callers_token() {
    let runtime = Runtime::new().unwrap();
    let back = runtime
        .block_on(Server::start(ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            tokens: vec!["t".into()],
            ..ServerConfig::backend()
        }))
        .unwrap();
    let front = runtime
        .block_on(Server::start(ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            tokens: vec!["front-token-unused".into()],
            mint_backend: Some(back.url()),
            ..ServerConfig::default()
        }))
        .unwrap();
    let addr = front.addr();
    let id = minted(&mint(
        addr,
        "/v1/mint?region=4&jurisdiction=JPN&trust=1",
        &[AUTH],
        r#"{"entityType":"event"}"#,
    ));
    assert_eq!(
        (
            id.entity_type().code(),
            id.region().digit(),
            id.jurisdiction().as_str(),
            id.trust_level().digit()
        ),
        ('E', 4, "JPN", 1)
    );
    assert_eq!(stats(back.addr())["idsStored"], 1, "minted by the back end");
    assert_eq!(stats(addr)["idsStored"], 0, "not by the front");
    // The caller's token is what the back end checks.
    assert_eq!(
        mint(addr, "/v1/mint", &[], "{}")["errorCode"],
        "MINT_REJECTED"
    );
    // The back end's own faults reach the front as fallback codes.
    back.faults().set(FaultKind::Backend429, 1.0);
    assert_eq!(
        mint(addr, "/v1/mint", &[AUTH], "{}")["errorCode"],
        "RATE_LIMITED"
    );
    back.faults().clear();
    back.faults().set(FaultKind::BackendDown, 1.0);
    let answer = mint(addr, "/v1/mint", &[AUTH], r#"{"entityType":"place"}"#);
    assert_eq!(answer["errorCode"], "MINT_UNAVAILABLE", "closed unanswered");
    let fallback = answer["chittyId"].as_str().unwrap().to_string();
    back.faults().clear();
    let replaced = validate_with(addr, &[AUTH], &fallback);
    assert_eq!(replaced["replaced"], true, "{replaced}");
    assert_eq!(stats(back.addr())["idsStored"], 2);
    // The back end gone: the connection is refused.
    runtime.block_on(back.shutdown());
    assert_eq!(
        mint(addr, "/v1/mint", &[AUTH], "{}")["errorCode"],
        "MINT_UNAVAILABLE"
    );
    // The mint profile serves only the back end's route.
    let back2 = runtime
        .block_on(Server::start(ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            tokens: vec!["t".into()],
            ..ServerConfig::backend()
        }))
        .unwrap();
    assert_eq!(
        call(back2.addr(), "POST", "/v1/mint", &[AUTH], "{}").status,
        404
    );
    let direct = call(
        back2.addr(),
        "POST",
        "/api/mint",
        &[AUTH],
        r#"{"entityType":"thing"}"#,
    );
    assert_eq!(direct.status, 200);
    assert!(direct.json()["chittyId"].as_str().unwrap().contains("-T-"));
    assert_eq!(
        call(back2.addr(), "POST", "/api/mint", &[], "{}").status,
        401
    );
}

fn admin_faults(addr: SocketAddr, body: &str) -> Answer {
    call(addr, "POST", "/admin/faults", &[], body)
}

#[test]
fn faults_switch_at_run_time_through_the_admin_route() {
    let (_rt, server) = real();
    let addr = server.addr();
    let state = admin_faults(addr, r#"{"set":{"backend-429":1}}"#);
    assert_eq!(state.status, 200);
    assert_eq!(state.json()["faults"]["backend-429"], 1.0);
    assert_eq!(
        mint(addr, "/v1/mint", &[AUTH], "{}")["errorCode"],
        "RATE_LIMITED"
    );
    assert_eq!(
        call(addr, "GET", "/admin/faults", &[], "").json()["faults"]["backend-429"],
        1.0
    );
    assert_eq!(admin_faults(addr, r#"{"clear":true}"#).status, 200);
    minted(&mint(addr, "/v1/mint", &[AUTH], "{}"));
    // A front fault: the connection is closed unanswered; the admin route still answers.
    admin_faults(addr, r#"{"set":{"reset":1}}"#);
    assert!(
        request(addr, "POST", "/v1/mint", &[AUTH], b"{}")
            .unwrap()
            .is_none()
    );
    admin_faults(addr, r#"{"set":{"reset":0}}"#);
    minted(&mint(addr, "/v1/mint", &[AUTH], "{}"));
    // Back-end latency.
    admin_faults(addr, r#"{"backendLatency":"300"}"#);
    let began = Instant::now();
    minted(&mint(addr, "/v1/mint", &[AUTH], "{}"));
    assert!(began.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        call(addr, "GET", "/admin/faults", &[], "").json()["backendLatencyMs"]["base"],
        300
    );
    // An outage that ends by itself.
    admin_faults(addr, r#"{"clear":true,"down":true,"downForMs":400}"#);
    assert!(request(addr, "GET", "/health", &[], b"").unwrap().is_none());
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(call(addr, "GET", "/health", &[], "").status, 200);
    // Wrong requests change nothing.
    for body in [
        r#"{"set":{"explode":1}}"#,
        r#"{"set":{"reset":2}}"#,
        r#"{"down":"yes"}"#,
        r#"{"latency":"x"}"#,
        r#"{"bogus":1}"#,
        "[1]",
    ] {
        let answer = admin_faults(addr, body);
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.json()["error"], "INVALID_FAULTS");
    }
    assert_eq!(
        call(addr, "GET", "/admin/faults", &[], "").json()["faults"],
        serde_json::json!({})
    );
    // Without admin there is no admin route.
    let (_rt2, quiet) = start(ServerConfig {
        admin: false,
        ..ServerConfig::default()
    });
    assert_eq!(admin_faults(quiet.addr(), r#"{"clear":true}"#).status, 404);
}

#[test]
fn front_faults_still_apply_in_the_real_profile() {
    let (_rt, server) = real();
    let addr = server.addr();
    server.faults().set(FaultKind::DropAfterCommit, 1.0);
    let answer = request(addr, "POST", "/v1/mint", &[AUTH], br#"{"entityType":"P"}"#).unwrap();
    assert!(answer.is_none(), "committed, then closed unanswered");
    let stats_now = stats(addr);
    assert_eq!(stats_now["idsStored"], 1);
    assert_eq!(stats_now["requests"]["/v1/mint"]["0"], 1, "{stats_now}");
    server.faults().clear();
    server.faults().set(FaultKind::Fallback, 1.0);
    let answer = mint(addr, "/v1/mint", &[AUTH], "{}");
    assert_eq!(answer["errorCode"], "MINT_UNAVAILABLE");
    assert_eq!(stats(addr)["idsStored"], 1, "the back end was not called");
    server.faults().clear();
    server.faults().set(FaultKind::Status503, 1.0);
    assert_eq!(call(addr, "GET", "/health", &[], "").status, 503);
    server.faults().clear();
    assert_eq!(call(addr, "GET", "/health", &[], "").status, 200);
}
