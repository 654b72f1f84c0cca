//! The CLI for operators, against `chittyid serve` over real sockets: `health --watch
//! --metrics-addr` serves the client's metrics while it watches, and `--log-format json`
//! writes one JSON object per line with the events' stable fields.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use chittyid_test_support::http;
use chittyid_test_support::ids;
use chittyid_test_support::serve_process::Serving;
use serde_json::Value;

const CHITTYID: &str = env!("CARGO_BIN_EXE_chittyid");

/// A child killed when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn health_watch_serves_the_clients_metrics_on_metrics_addr() {
    let serving = Serving::start(CHITTYID, "ops-token", &[]);
    let mut child = Killed(
        Command::new(CHITTYID)
            .args(["health", "--watch", "--interval", "1", "--json"])
            .args(["--metrics-addr", "127.0.0.1:0", "--service", &serving.url()])
            .env_remove("CHITTYID_SERVICE_URL")
            .env_remove("CHITTY_ID_TOKEN")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut first = String::new();
    BufReader::new(child.0.stderr.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr: SocketAddr = first
        .trim()
        .strip_prefix("metrics on http://")
        .and_then(|rest| rest.strip_suffix("/metrics"))
        .unwrap_or_else(|| panic!("first line on standard error: {first:?}"))
        .parse()
        .unwrap();
    // The first check's line, so that its call is counted.
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let check: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(check["healthy"], true, "{line}");
    let answer = http::call(addr, "GET", "/metrics", &[], "");
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8")
    );
    let text = String::from_utf8(answer.body).unwrap();
    let health_calls = text
        .lines()
        .find_map(|l| l.strip_prefix(r#"chittyid_calls_succeeded_total{endpoint="health"} "#))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(health_calls.parse::<u64>().unwrap() >= 1, "{text}");
    assert!(text.contains("chittyid_breaker_state{endpoint=\"health\"} 0"));
}

#[test]
fn metrics_addr_needs_watch() {
    let output = Command::new(CHITTYID)
        .args(["health", "--metrics-addr", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--watch"));
}

#[test]
fn json_logs_carry_the_breaker_transition_with_stable_fields() {
    // Every connection is accepted and closed at once: each validation's attempts fail,
    // and after 10 failures in a row the validation breaker opens.
    let serving = Serving::start(CHITTYID, "ops-token", &["--outage", "0:600"]);
    let ids: Vec<String> = (0..3).map(|n| ids::distinct(n).to_string()).collect();
    let output = Command::new(CHITTYID)
        .args([
            "--log-format",
            "json",
            "validate",
            "--json",
            "--timeout",
            "2",
        ])
        .args(["--service", &serving.url()])
        .args(&ids)
        .env_remove("CHITTYID_SERVICE_URL")
        .env_remove("CHITTY_ID_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let logs: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l:?}\n{stderr}")))
        .collect();
    for log in &logs {
        for field in ["timestamp", "level", "message", "target"] {
            assert!(log.get(field).is_some(), "{field} missing: {log}");
        }
    }
    let opened = logs
        .iter()
        .find(|l| l["event"] == "breaker" && l["to"] == "Open")
        .unwrap_or_else(|| panic!("no breaker opening in:\n{stderr}"));
    assert_eq!(opened["level"], "WARN");
    assert_eq!(opened["endpoint"], "validate");
    assert_eq!(opened["from"], "Closed");
    assert_eq!(opened["message"], "breaker changed state");
    assert_eq!(opened["target"], "chittyid_std::observe");
    // The verdicts are still on standard output, one JSON object per ID, local only.
    let verdicts: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), 3);
    assert!(verdicts.iter().all(|v| v["authoritative"] == false));
}

#[test]
fn text_stays_the_default_and_quiet() {
    let serving = Serving::start(CHITTYID, "ops-token", &["--outage", "0:600"]);
    let ids: Vec<String> = (0..2).map(|n| ids::distinct(n).to_string()).collect();
    let output = Command::new(CHITTYID)
        .args(["validate", "--json", "--service", &serving.url()])
        .args(&ids)
        .env_remove("CHITTYID_SERVICE_URL")
        .env_remove("CHITTY_ID_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("breaker changed state"), "{stderr}");
}
