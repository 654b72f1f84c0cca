//! The token never appears in `Debug`, `Display`, errors or `tracing` output: a failing
//! run is logged at TRACE level into a buffer, and the buffer is searched.

use std::time::Duration;

use chittyid::EntityType;
use chittyid_server::{Server, ServerConfig};
use chittyid_std::{Client, MintRequest};
use chittyid_test_support::capture::Captured;

const SECRET: &str = "TOKEN-SECRET-9f8e7d6c5b4a";

#[test]
fn the_token_stays_out_of_logs_debug_and_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut seen = String::new();
    runtime.block_on(async {
        // A service that knows another token: 401.
        let server = Server::start(ServerConfig {
            addr: "127.0.0.1:0".parse().unwrap(),
            tokens: vec!["another-token".into()],
            ..ServerConfig::default()
        })
        .await
        .unwrap();
        let client = Client::builder()
            .service_url(server.url())
            .token(SECRET)
            .health_monitor(false)
            .attempt_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let refused = client.mint(MintRequest::new(EntityType::Person)).await;
        seen += &format!(
            "{refused:?}\n{client:?}\n{:?}\n{}\n",
            client.stats(),
            client.metrics()
        );
        // The service goes down: retries, breaker, events, all logged (a mint that may
        // have arrived is not retried, so it takes a dozen to open the breaker).
        server.faults().set_down(true);
        for _ in 0..12 {
            let failed = client.mint(MintRequest::new(EntityType::Person)).await;
            seen += &format!("{failed:?}\n");
        }
        let builder = Client::builder().token(SECRET);
        seen += &format!("{builder:?}\n{}\n", chittyid_std::Secret::new(SECRET));
        server.shutdown().await;
    });
    let logs = captured.text();
    assert!(
        logs.contains("breaker changed state"),
        "the run was logged:\n{logs}"
    );
    assert!(!logs.contains(SECRET), "the token leaked into the logs");
    assert!(
        !seen.contains(SECRET),
        "the token leaked into Debug or Display:\n{seen}"
    );
}
