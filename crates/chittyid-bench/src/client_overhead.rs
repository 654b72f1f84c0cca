//! The std client against a raw HTTP client (hyper's pooled client, no engine) doing the
//! same validations against the same reference service: latency per request at p50 and
//! p99. Then a cached validation and a breaker rejection through the full client.

use std::hint::black_box;
use std::time::{Duration, Instant};

use chittyid::EntityType;
use chittyid::engine::Validation;
use chittyid::wire::MintRequest;
use chittyid_server::{Server, ServerConfig};
use chittyid_std::Client;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as RawClient;
use hyper_util::rt::TokioExecutor;

use crate::ids::canonical_texts;

const REQUESTS: usize = 4_000;
const BLOCK: usize = 200;

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

pub fn run() {
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    runtime.block_on(measure());
}

async fn measure() {
    let server = Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().expect("literal"),
        tokens: vec!["bench".into()],
        ..ServerConfig::default()
    })
    .await
    .expect("reference service starts");
    let client = Client::builder()
        .service_url(server.url())
        .token("bench")
        .health_monitor(false)
        .build()
        .expect("client builds");
    let raw: RawClient<_, Full<Bytes>> = RawClient::builder(TokioExecutor::new()).build_http();
    let url = format!("{}/api/validate", server.url());
    // Distinct IDs, so the client's cache never answers: every call is a request.
    let ids = canonical_texts(2 * REQUESTS, 0x0BE4D);
    let (ours_ids, raw_ids) = ids.split_at(REQUESTS);
    let (mut ours, mut theirs) = (Vec::with_capacity(REQUESTS), Vec::with_capacity(REQUESTS));
    // Warm both pools.
    for id in &ids[..20] {
        black_box(client.validate(id).await);
    }
    // Alternate blocks, so that drift on a shared machine hits both alike.
    for block in 0..REQUESTS / BLOCK {
        for id in &ours_ids[block * BLOCK..(block + 1) * BLOCK] {
            let began = Instant::now();
            let verdict = client.validate(id).await;
            ours.push(began.elapsed().as_secs_f64() * 1e6);
            assert!(
                matches!(verdict, Validation::Authoritative { .. }),
                "{verdict:?}"
            );
        }
        for id in &raw_ids[block * BLOCK..(block + 1) * BLOCK] {
            let began = Instant::now();
            let request = hyper::Request::post(url.as_str())
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(format!(r#"{{"id":"{id}"}}"#))))
                .expect("request");
            let response = raw.request(request).await.expect("raw request");
            assert_eq!(response.status(), 200);
            let body = response
                .into_body()
                .collect()
                .await
                .expect("body")
                .to_bytes();
            black_box(body);
            theirs.push(began.elapsed().as_secs_f64() * 1e6);
        }
    }
    ours.sort_by(f64::total_cmp);
    theirs.sort_by(f64::total_cmp);
    println!(
        "\nvalidation through the std client vs a raw HTTP client, {REQUESTS} requests each, same service"
    );
    for (name, q) in [("p50", 0.5), ("p99", 0.99)] {
        let (o, t) = (quantile(&ours, q), quantile(&theirs, q));
        println!(
            "  {name}: client {o:7.1} µs   raw {t:7.1} µs   overhead {:+5.1}%   (goal at most +10%)",
            (o / t - 1.0) * 100.0
        );
    }

    // A cached validation through the full client.
    let cached = &ours_ids[0];
    const CALLS: u32 = 200_000;
    let began = Instant::now();
    for _ in 0..CALLS {
        black_box(client.validate(black_box(cached)).await);
    }
    let cached_ns = began.elapsed().as_nanos() as f64 / f64::from(CALLS);

    // A mint refused by an open breaker, through the full client.
    server.faults().set_down(true);
    while client.stats().breaker(chittyid::engine::Endpoint::Mint)
        != chittyid::resilience::BreakerState::Open
    {
        let _ = client.mint(MintRequest::new(EntityType::Person)).await;
    }
    let began = Instant::now();
    for _ in 0..CALLS {
        black_box(
            client
                .mint(MintRequest::new(black_box(EntityType::Person)))
                .await
                .is_err(),
        );
    }
    let rejected_ns = began.elapsed().as_nanos() as f64 / f64::from(CALLS);
    println!(
        "full client, in-process: cached validation {cached_ns:6.0} ns, breaker-open mint {rejected_ns:6.0} ns (goals at most 1000 ns)"
    );
    server.faults().set_down(false);
    tokio::time::sleep(Duration::from_millis(10)).await;
    server.shutdown().await;
}
