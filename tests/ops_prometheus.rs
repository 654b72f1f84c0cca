//! The operator's side end to end: a real Prometheus (the `prometheus` binary) scrapes a
//! client's metrics endpoint (`chittyid_std::metrics::serve`) while the client works
//! against the reference service, loads `ops/alerts.yml`, and every rule is evaluated
//! against what it scraped: each metric a rule names must be there, each recorded series
//! must come out, and the alerts the workload provokes (pending fallback IDs, an open
//! mint breaker) must become active. A renamed metric or label breaks this test.
//!
//! Without the `prometheus` binary the test says so and passes, unless
//! `CHITTYID_REQUIRE_PROMETHEUS` is set (`cargo xtask ci` installs Prometheus and sets
//! it), in which case it fails.

use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chittyid::EntityType;
use chittyid::resilience::HealthConfig;
use chittyid_server::{FaultKind, Server, ServerConfig};
use chittyid_std::{Client, MintRequest};
use chittyid_test_support::promql::metric_names;
use chittyid_test_support::{http, ids};
use serde_json::Value;

const TOKEN: &str = "ops-test-token";

/// The longest the test waits for Prometheus to have scraped and evaluated enough.
const DEADLINE: Duration = Duration::from_secs(30);

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `prometheus --version` runs.
fn prometheus_installed() -> bool {
    Command::new("prometheus")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let path =
            std::env::temp_dir().join(format!("chittyid-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The Prometheus process, killed when dropped.
struct Prometheus {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    /// Starts Prometheus scraping `target` every second and evaluating the rules of
    /// `ops/alerts.yml` every second.
    fn start(dir: &Path, target: SocketAddr) -> Prometheus {
        let rules = repository().join("ops/alerts.yml");
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
                 rule_files:\n  - {rules:?}\n\
                 scrape_configs:\n  - job_name: chittyid\n    static_configs:\n      - targets: [\"{target}\"]\n",
                rules = rules.canonicalize().unwrap().display().to_string(),
            ),
        )
        .unwrap();
        // A free loopback port: bound, read and released (Prometheus takes no port 0).
        let port = StdListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let log = dir.join("prometheus.log");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("prometheus starts");
        Prometheus { child, addr, log }
    }

    /// GET `path` as HTTP/1.0 (so that the answer is not chunked); the JSON answer, or
    /// `None` when Prometheus does not answer (yet).
    fn get(&self, path: &str) -> Option<Value> {
        let request = format!("GET {path} HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr);
        let answer = http::raw(self.addr, request.as_bytes(), Duration::from_secs(5))
            .ok()
            .flatten()?;
        serde_json::from_slice(&answer.body).ok()
    }

    /// An instant query's result vector; `Err` with Prometheus' error when it fails.
    fn query(&self, promql: &str) -> Result<Vec<Value>, String> {
        let answer = self
            .get(&format!("/api/v1/query?query={}", encode(promql)))
            .ok_or("no answer")?;
        if answer["status"] != "success" {
            return Err(format!("{promql}: {answer}"));
        }
        Ok(answer["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Percent-encodes a query parameter.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One rule as /api/v1/rules lists it.
#[derive(Debug)]
struct Rule {
    name: String,
    query: String,
    alerting: bool,
    health: String,
    last_error: String,
}

fn rules(prometheus: &Prometheus) -> Vec<Rule> {
    let Some(answer) = prometheus.get("/api/v1/rules") else {
        return Vec::new();
    };
    let mut rules = Vec::new();
    for group in answer["data"]["groups"].as_array().into_iter().flatten() {
        for rule in group["rules"].as_array().into_iter().flatten() {
            let text = |key: &str| rule[key].as_str().unwrap_or_default().to_string();
            rules.push(Rule {
                name: text("name"),
                query: text("query"),
                alerting: rule["type"] == "alerting",
                health: text("health"),
                last_error: text("lastError"),
            });
        }
    }
    rules
}

/// What is not yet as it should be; empty when everything is.
fn shortfalls(prometheus: &Prometheus, rules: &[Rule]) -> Vec<String> {
    let mut missing = Vec::new();
    if rules.len() != 16 {
        missing.push(format!(
            "Prometheus lists {} rules from ops/alerts.yml, not 16",
            rules.len()
        ));
    }
    let job = r#"job="chittyid""#;
    for rule in rules {
        if rule.health != "ok" {
            missing.push(format!(
                "rule {} has health {:?} {}",
                rule.name, rule.health, rule.last_error
            ));
        }
        // Every metric the rule names is one Prometheus scraped from the client.
        for name in metric_names(&rule.query) {
            match prometheus.query(&format!("{name}{{{job}}}")) {
                Ok(series) if !series.is_empty() => {}
                Ok(_) => missing.push(format!(
                    "rule {} uses {name}, which the client does not export",
                    rule.name
                )),
                Err(e) => missing.push(e),
            }
        }
        match prometheus.query(&rule.query) {
            Err(e) => missing.push(format!("rule {}: {e}", rule.name)),
            // A recorded series comes out of what was scraped (labels included).
            Ok(series) if !rule.alerting && series.is_empty() => missing.push(format!(
                "recording rule {} gives nothing from the scraped metrics",
                rule.name
            )),
            Ok(_) => {}
        }
    }
    // The workload provokes two alerts: fallback IDs (firing: no `for`) and the mint
    // breaker, open since (pending: its `for` is 5 minutes).
    for (alert, state) in [
        (r#"alertname="ChittyIdPendingFallbacks""#, "firing"),
        (
            r#"alertname="ChittyIdBreakerOpen", endpoint="mint""#,
            "pending",
        ),
    ] {
        match prometheus.query(&format!(
            r#"ALERTS{{{alert}, alertstate="{state}", {job}}}"#
        )) {
            Ok(series) if !series.is_empty() => {}
            Ok(_) => missing.push(format!("no {state} alert {{{alert}}}")),
            Err(e) => missing.push(e),
        }
    }
    missing
}

#[test]
fn metric_names_in_expressions() {
    assert_eq!(
        metric_names(
            r#"sum(rate(chittyid_calls_failed_total{a="b"}[5m])) / chittyid:x:rate5m + xchittyid_no"#
        ),
        ["chittyid_calls_failed_total"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_client_and_evaluates_every_rule() {
    if !prometheus_installed() {
        assert!(
            std::env::var_os("CHITTYID_REQUIRE_PROMETHEUS").is_none(),
            "CHITTYID_REQUIRE_PROMETHEUS is set but `prometheus` does not run"
        );
        eprintln!(
            "SKIPPED: `prometheus` is not installed (apt-get install prometheus); \
             set CHITTYID_REQUIRE_PROMETHEUS=1 to make this a failure"
        );
        return;
    }
    // Every mint is answered with a fallback ID: pending mints, and (each one a failure
    // for the breaker) the mint breaker opens.
    let server = Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec![TOKEN.into()],
        faults: vec![(FaultKind::Fallback, 1.0)],
        seed: 15,
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let mut health = HealthConfig::new();
    health.interval = Duration::from_millis(250);
    // With a mint journal, so that its gauge is scraped too.
    let dir = TempDir::new("prometheus");
    let client = Client::builder()
        .service_url(server.url())
        .token(TOKEN)
        .health(health)
        .journal(dir.0.join("mints.journal"))
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = listener.local_addr().unwrap();
    let endpoint = tokio::spawn(chittyid_std::metrics::serve(client.clone(), listener));

    // The workload runs while Prometheus scrapes, so that the counters move between
    // samples: mints, validations of new IDs (misses) and of one ID again (hits).
    let stop = Arc::new(AtomicBool::new(false));
    let workload = tokio::spawn({
        let (client, stop) = (client.clone(), stop.clone());
        async move {
            let again = ids::distinct(0).to_string();
            for n in 1..=600u32 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let _ = client.mint(MintRequest::new(EntityType::Thing)).await;
                let _ = client.validate(&ids::distinct(n).to_string()).await;
                let _ = client.validate(&again).await;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    });

    let prometheus = Prometheus::start(&dir.0, target);
    let began = Instant::now();
    let missing = tokio::task::block_in_place(|| {
        let mut rounds = 0u32;
        loop {
            rounds += 1;
            let rules = rules(&prometheus);
            let missing = if rules.is_empty() {
                vec!["Prometheus lists no rules yet".to_string()]
            } else {
                shortfalls(&prometheus, &rules)
            };
            if missing.is_empty() || began.elapsed() > DEADLINE || rounds > 120 {
                break missing;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    });
    stop.store(true, Ordering::Relaxed);
    let _ = workload.await;
    endpoint.abort();
    assert!(
        missing.is_empty(),
        "after {:?}:\n{}\nPrometheus' log:\n{}",
        began.elapsed(),
        missing.join("\n"),
        prometheus.log()
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_metrics_endpoint_answers_get_and_head_of_metrics_only() {
    let client = Client::builder()
        .service_url("http://127.0.0.1:9")
        .health_monitor(false)
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let endpoint = tokio::spawn(chittyid_std::metrics::serve(client.clone(), listener));
    let answers = tokio::task::spawn_blocking(move || {
        [
            ("GET", "/metrics"),
            ("HEAD", "/metrics"),
            ("POST", "/metrics"),
            ("GET", "/"),
        ]
        .map(|(method, path)| http::call(addr, method, path, &[], ""))
    })
    .await
    .unwrap();
    endpoint.abort();
    let [get, head, post, elsewhere] = answers;
    assert_eq!(get.status, 200);
    assert_eq!(
        get.header("content-type"),
        Some(chittyid_std::metrics::CONTENT_TYPE)
    );
    let text = String::from_utf8(get.body).unwrap();
    assert!(
        text.contains("chittyid_calls_total{endpoint=\"mint\"} 0"),
        "{text}"
    );
    assert!(text.ends_with("# EOF\n"), "{text}");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        (post.status, post.header("allow")),
        (405, Some("GET, HEAD"))
    );
    assert_eq!(elsewhere.status, 404);
}
