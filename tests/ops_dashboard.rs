//! The operator files in `ops/` name only metrics the client exports: every query of the
//! Grafana dashboard, and every metric the alert rules use, is one `Client::metrics()`
//! renders (a renamed metric breaks this test without Prometheus; the end-to-end test in
//! ops_prometheus.rs checks the rules against a real scrape).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chittyid_std::Client;
use chittyid_test_support::promql::metric_names;
use serde_json::Value;

fn ops(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../ops")
        .join(file)
}

/// The sample names `Client::metrics()` renders (`_total`, `_bucket`, `_sum`, `_count`
/// included, as Prometheus stores them), for a client that keeps a mint journal (the
/// journal's gauge comes only with one).
fn exported() -> BTreeSet<String> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!(
        "chittyid-ops-dashboard-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let client = Client::builder()
        .service_url("http://127.0.0.1:9")
        .health_monitor(false)
        .journal(dir.join("mints.journal"))
        .build()
        .unwrap();
    let text = client.metrics();
    drop(client);
    let _ = std::fs::remove_dir_all(&dir);
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            line.split(['{', ' '])
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Every string under a key `expr` (panel targets) or `query` (template variables).
fn queries(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("expr", Value::String(q)) => out.push(q.clone()),
                    ("query", Value::String(q)) if q.contains('(') => out.push(q.clone()),
                    _ => queries(inner, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| queries(item, out)),
        _ => {}
    }
}

#[test]
fn the_client_exports_what_the_checks_below_rely_on() {
    let names = exported();
    for name in [
        "chittyid_calls_total",
        "chittyid_breaker_state",
        "chittyid_call_duration_seconds_bucket",
        "chittyid_call_duration_seconds_count",
        "chittyid_mints_pending_total",
        "chittyid_paced_total",
        "chittyid_paced_seconds_total",
        "chittyid_throttled_total",
        "chittyid_pace_slowdowns_total",
        "chittyid_validations_coalesced_total",
        "chittyid_journal_unresolved",
    ] {
        assert!(names.contains(name), "{name} missing from {names:?}");
    }
}

#[test]
fn every_dashboard_query_names_only_metrics_the_client_exports() {
    let text = std::fs::read_to_string(ops("grafana-dashboard.json")).unwrap();
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    let mut found = Vec::new();
    queries(&dashboard, &mut found);
    let panels = dashboard["panels"].as_array().unwrap();
    let targets: usize = panels
        .iter()
        .map(|p| p["targets"].as_array().map_or(0, Vec::len))
        .sum();
    assert!(targets >= panels.len(), "every panel has a query");
    assert!(found.len() >= targets, "{found:?}");
    let exported = exported();
    let mut used = BTreeSet::new();
    for query in &found {
        let names = metric_names(query);
        assert!(!names.is_empty(), "names no client metric: {query}");
        for name in names {
            assert!(
                exported.contains(&name),
                "{name} (in {query}) is not among the client's metrics: {exported:?}"
            );
            used.insert(name);
        }
    }
    // The dashboard shows every family the client exports.
    let family = |name: &str| {
        ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| name.strip_suffix(suffix))
            .unwrap_or(name)
            .to_string()
    };
    let exported_families: BTreeSet<String> = exported.iter().map(|n| family(n)).collect();
    let used_families: BTreeSet<String> = used.iter().map(|n| family(n)).collect();
    let unshown: Vec<_> = exported_families.difference(&used_families).collect();
    assert!(unshown.is_empty(), "not on the dashboard: {unshown:?}");
}

#[test]
fn every_metric_the_alert_rules_use_is_exported() {
    let text = std::fs::read_to_string(ops("alerts.yml")).unwrap();
    let exported = exported();
    let mut used = 0;
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        for name in metric_names(line) {
            assert!(
                exported.contains(&name),
                "ops/alerts.yml uses {name}, which the client does not export: {exported:?}"
            );
            used += 1;
        }
    }
    assert!(used >= 6, "the rules name the client's metrics");
}
