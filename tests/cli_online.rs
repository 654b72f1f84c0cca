//! The CLI's online commands against `chittyid serve` over real sockets, and the demo.

#[path = "support/serve_process.rs"]
mod serve_process;

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;
use serve_process::{Serving, closed_port_url};

fn chittyid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chittyid"))
        .args(args)
        .env_remove("CHITTYID_SERVICE_URL")
        .env_remove("CHITTY_ID_TOKEN")
        .output()
        .unwrap()
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn demo_runs_offline_quickly_and_exits_zero() {
    let began = Instant::now();
    let output = chittyid(&["demo"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(began.elapsed() < Duration::from_secs(30));
    for expected in [
        "pending (MINT_UNAVAILABLE)",
        "from the cache",
        "malformed",
        "Closed → Open",
        "Open → HalfOpen",
        "HalfOpen → Closed",
        "every scene behaved",
    ] {
        assert!(text.contains(expected), "{expected:?} missing:\n{text}");
    }
}

#[test]
fn mint_many_with_a_summary_then_validate_them() {
    let serving = Serving::start("cli-token", &[]);
    let service = serving.url();
    let output = chittyid(&[
        "mint",
        "--type",
        "person",
        "--count",
        "20",
        "--concurrency",
        "4",
        "--json",
        "--service",
        &service,
        "--token",
        "cli-token",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = lines(&output);
    assert_eq!(records.len(), 21);
    let summary = &records[20]["summary"];
    assert_eq!(
        (
            summary["requested"].clone(),
            summary["minted"].clone(),
            summary["failed"].clone()
        ),
        (20.into(), 20.into(), 0.into())
    );
    for key in [
        "pending",
        "attempts",
        "rejected_by_breaker",
        "p50_ms",
        "p99_ms",
    ] {
        assert!(!summary[key].is_null(), "{key}");
    }
    let ids: Vec<&str> = records[..20]
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let mut args = vec!["validate", "--json", "--service", &service];
    args.extend(&ids);
    args.push("03-1-USA-5537-P-2602-0-39");
    let output = chittyid(&args);
    assert_eq!(
        output.status.code(),
        Some(1),
        "the malformed ID is not valid"
    );
    let verdicts = lines(&output);
    assert!(
        verdicts[..20]
            .iter()
            .all(|v| v["verdict"] == "valid" && v["authoritative"] == true)
    );
    assert_eq!(verdicts[20]["verdict"], "malformed");
}

#[test]
fn without_a_token_mint_is_refused_and_says_how_to_fix_it() {
    let serving = Serving::start("cli-token", &[]);
    let service = serving.url();
    let output = chittyid(&["mint", "--type", "place", "--service", &service]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("CHITTY_ID_TOKEN"));
}

#[test]
fn an_unreachable_service_gives_a_local_only_verdict_not_a_valid_one() {
    let url = closed_port_url();
    let output = chittyid(&[
        "validate",
        "--json",
        "--service",
        &url,
        "03-1-USA-5537-P-2602-0-38",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let verdict = &lines(&output)[0];
    assert_eq!(
        (verdict["verdict"].clone(), verdict["authoritative"].clone()),
        ("local_only".into(), false.into())
    );
    let health = chittyid(&["health", "--json", "--service", &url]);
    assert_eq!(health.status.code(), Some(1));
    assert_eq!(lines(&health)[0]["healthy"], false);
}

#[test]
fn health_reports_the_service() {
    let serving = Serving::start("cli-token", &[]);
    let service = serving.url();
    let output = chittyid(&["health", "--json", "--service", &service]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(lines(&output)[0]["healthy"], true);
}

#[test]
fn the_token_never_shows_in_the_output_of_a_failing_run() {
    let url = closed_port_url();
    let secret = "cli-secret-0a1b2c3d4e5f";
    let output = chittyid(&[
        "mint",
        "--type",
        "person",
        "--json",
        "--service",
        &url,
        "--token",
        secret,
    ]);
    assert_eq!(output.status.code(), Some(1));
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(everything.contains("summary"), "{everything}");
    assert!(!everything.contains(secret), "{everything}");
}
