//! `chittyid demo`: the reference service in-process on a free loopback port, and the
//! resilient client against it: minting, validation (authoritative, cached, local), a
//! fallback ID reported as pending, an outage that opens the breaker and its recovery,
//! and a table of statistics. No network beyond loopback; a few seconds.

use std::io::Write;
use std::time::{Duration, Instant};

use chittyid::EntityType;
use chittyid::resilience::{BreakerConfig, RetryConfig};
use chittyid_server::{FaultKind, Server, ServerConfig};
use chittyid_std::{Client, Endpoint, Event, MintAnswer, MintRequest, Validation};
use clap::Args;
use tokio::sync::broadcast;

use crate::error::CliError;
use crate::online::{mint::describe as describe_mint, runtime};

/// Arguments of `chittyid demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// The breaker's reset time in the outage scene, in milliseconds.
    #[arg(long, default_value_t = 2_000)]
    reset_ms: u64,
}

/// Runs the demo; `Ok(true)` when every scene behaved as it should.
pub fn run(args: DemoArgs) -> Result<bool, CliError> {
    runtime()?.block_on(demo(args))
}

macro_rules! say {
    ($($arg:tt)*) => {{
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, $($arg)*);
        let _ = out.flush();
    }};
}

async fn demo(args: DemoArgs) -> Result<bool, CliError> {
    let began = Instant::now();
    let server = Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().expect("literal address"),
        tokens: vec!["demo-token".into()],
        ..ServerConfig::default()
    })
    .await
    .map_err(|e| CliError::Usage(e.to_string()))?;
    let reset = Duration::from_millis(args.reset_ms.clamp(100, 60_000));
    let mut breaker = BreakerConfig::new();
    breaker.reset_timeout = reset;
    let mut retry = RetryConfig::new();
    retry.base_delay = Duration::from_millis(50);
    let client = Client::builder()
        .service_url(server.url())
        .token("demo-token")
        .health_monitor(false)
        .breaker(breaker)
        .retry(retry)
        .build()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let mut events = client.subscribe();
    let mut ok = true;
    say!(
        "ChittyID demo: the reference service on {} (temporary storage) and a resilient client.\n",
        server.url()
    );

    say!("1. Mint one ID of each type");
    let mut minted = Vec::new();
    for entity in [
        EntityType::Person,
        EntityType::Place,
        EntityType::Thing,
        EntityType::Event,
        EntityType::Authority,
    ] {
        match client.mint(MintRequest::new(entity)).await {
            Ok(MintAnswer::Minted(id)) => {
                say!("   {:<10} {id}", entity.name());
                minted.push(id);
            }
            Ok(MintAnswer::Pending { id, .. }) => {
                ok = false;
                say!("   {:<10} unexpected fallback ID {id}", entity.name());
            }
            Err(e) => {
                ok = false;
                say!("   {:<10} failed: {}", entity.name(), describe_mint(&e));
            }
        }
    }
    let mut spare = Vec::new();
    for _ in 0..12 {
        if let Ok(MintAnswer::Minted(id)) = client.mint(MintRequest::new(EntityType::Thing)).await {
            spare.push(id);
        }
    }
    say!("   (and {} more, kept for the outage scene)\n", spare.len());

    say!("2. Validate them: the service's answer, then the cache, then a malformed ID");
    for id in &minted {
        ok &= show(&client, &id.to_string()).await == Shown::Valid;
    }
    let cached = show(&client, &minted[0].to_string()).await;
    ok &= cached == Shown::Valid;
    let mut typo = minted[0].to_string();
    typo.replace_range(24.., if typo.ends_with('0') { "1" } else { "0" });
    ok &= show(&client, &typo).await == Shown::Malformed;
    say!("");

    say!("3. The service's minting back end fails: it answers a fallback ID");
    server.faults().set(FaultKind::Fallback, 1.0);
    match client.mint(MintRequest::new(EntityType::Person)).await {
        Ok(MintAnswer::Pending { id, code }) => say!(
            "   ! {id}  pending ({}): reported as pending, never as a final ID",
            code.and_then(|c| c.name()).unwrap_or("no code")
        ),
        other => {
            ok = false;
            say!("   unexpected: {other:?}");
        }
    }
    server.faults().clear();
    say!("");

    say!("4. An outage: the service accepts connections and closes them unanswered");
    server.faults().set_down(true);
    let mut spare = spare.into_iter();
    for _ in 0..4 {
        let Some(id) = spare.next() else { break };
        show(&client, &id.to_string()).await;
        print_transitions(&mut events);
    }
    ok &= client.stats().breaker(Endpoint::Validate) == chittyid::resilience::BreakerState::Open;
    server.faults().set_down(false);
    say!(
        "   the service is back; the breaker waits {} ms before it lets a probe through",
        reset.as_millis()
    );
    tokio::time::sleep(reset).await;
    for _ in 0..3 {
        let Some(id) = spare.next() else { break };
        ok &= show(&client, &id.to_string()).await == Shown::Valid;
        print_transitions(&mut events);
    }
    ok &= client.stats().breaker(Endpoint::Validate) == chittyid::resilience::BreakerState::Closed;
    say!("");

    say!("5. Statistics");
    table(&client, &server);
    say!(
        "\ndone in {:.1} s: {}",
        began.elapsed().as_secs_f64(),
        if ok {
            "every scene behaved as expected"
        } else {
            "SOMETHING WENT WRONG"
        }
    );
    server.shutdown().await;
    Ok(ok)
}

#[derive(Debug, PartialEq, Eq)]
enum Shown {
    Valid,
    Invalid,
    Malformed,
    LocalOnly,
}

async fn show(client: &Client, text: &str) -> Shown {
    let began = Instant::now();
    let verdict = client.validate(text).await;
    let took = began.elapsed();
    let took = if took < Duration::from_millis(1) {
        format!("{} µs", took.as_micros())
    } else {
        format!("{} ms", took.as_millis())
    };
    match verdict {
        Validation::Authoritative { valid, cached, .. } => {
            say!(
                "   {} {text}  {} by the service{} ({took})",
                if valid { "✓" } else { "✗" },
                if valid { "valid" } else { "not valid" },
                if cached { ", from the cache" } else { "" }
            );
            if valid { Shown::Valid } else { Shown::Invalid }
        }
        Validation::Replaced { new, .. } => {
            say!("   ! {text}  replaced by {new}: a fallback ID is not final ({took})");
            Shown::Invalid
        }
        Validation::Malformed(e) => {
            say!("   ✗ {text}  malformed, answered locally without a request ({took}): {e}");
            Shown::Malformed
        }
        Validation::ReplacementUnknown { last, .. } => {
            say!("   ? {text}  replacement unknown: the answer was lost ({last}) ({took})");
            Shown::LocalOnly
        }
        Validation::LocalOnly { reason, .. } => {
            say!("   ? {text}  local check only ({took}): {}", reason);
            Shown::LocalOnly
        }
        // A verdict a newer core may give: never shown as valid.
        _ => {
            say!("   ? {text}  {verdict:?} ({took})");
            Shown::LocalOnly
        }
    }
}

fn print_transitions(events: &mut broadcast::Receiver<Event>) {
    while let Ok(event) = events.try_recv() {
        if let Event::Breaker {
            endpoint,
            transition,
        } = event
        {
            say!(
                "     breaker ({}): {:?} → {:?}",
                endpoint.name(),
                transition.from,
                transition.to
            );
        }
    }
}

fn table(client: &Client, server: &Server) {
    let stats = client.stats();
    say!(
        "   {:<10}{:>7}{:>11}{:>8}{:>10}{:>9}{:>10}{:>10}",
        "endpoint",
        "calls",
        "answered",
        "failed",
        "requests",
        "retries",
        "rejected",
        "p99 ≤ ms"
    );
    for endpoint in Endpoint::ALL {
        let s = *stats.engine.endpoint(endpoint);
        let p99 = s
            .latency
            .quantile_bound_ms(990)
            .map_or("-".to_string(), |b| {
                if b == u64::MAX {
                    ">5000".into()
                } else {
                    b.to_string()
                }
            });
        say!(
            "   {:<10}{:>7}{:>11}{:>8}{:>10}{:>9}{:>10}{:>10}",
            endpoint.name(),
            s.calls,
            s.succeeded,
            s.failed,
            s.attempts,
            s.retries,
            s.rejected_by_breaker,
            p99
        );
    }
    let cache = stats.engine.cache;
    say!(
        "   cache: {} hits, {} misses, {} inserts; local-only answers: {}; pending mints: {}",
        cache.hits,
        cache.misses,
        cache.inserts,
        stats.engine.local_only,
        stats.engine.pending_mints
    );
    let served = server.stats();
    say!(
        "   service: {} mints committed, {} validations, {} connections closed by the outage",
        served.mints_committed,
        served.validations,
        served.outage_connections
    );
}
