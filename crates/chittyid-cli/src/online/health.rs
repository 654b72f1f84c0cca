//! `chittyid health`: ask the service's health endpoint, once or repeatedly. An answer
//! goes to standard output; a service that cannot be reached is a failure, told on
//! standard error in text mode. With `--watch --metrics-addr ADDR` the client's metrics
//! are served at `http://ADDR/metrics` while it watches (the address, port 0 resolved,
//! is told on standard error first).

use std::io::Write;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chittyid_std::HealthError;
use clap::Args;
use serde_json::json;

use super::diagnose::Diagnosis;
use super::{ServiceArgs, runtime};
use crate::error::CliError;

/// Arguments of `chittyid health`.
#[derive(Args, Debug)]
#[command(mut_arg("token", |a| a.help("Not used: the health endpoint needs no token")))]
pub struct HealthArgs {
    /// One JSON object per check.
    #[arg(long)]
    json: bool,
    /// Check again every --interval seconds until interrupted.
    #[arg(long)]
    watch: bool,
    /// Seconds between checks with --watch (1 to 86400).
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    interval: u64,
    /// With --watch: serve the client's metrics (Prometheus) at http://ADDR/metrics.
    #[arg(long, value_name = "ADDR", requires = "watch")]
    metrics_addr: Option<SocketAddr>,
    #[command(flatten)]
    service: ServiceArgs,
}

/// Runs the command; `Ok(true)` when the (last) check passed.
pub fn run(args: HealthArgs) -> Result<bool, CliError> {
    let client = args.service.client()?;
    let runtime = runtime()?;
    let mut diagnosis = Diagnosis::new(client.service_url(), args.service.timeout);
    runtime.block_on(async {
        if let Some(addr) = args.metrics_addr {
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| CliError::io(format!("metrics address {addr}"), e))?;
            let bound = listener
                .local_addr()
                .map_err(|e| CliError::io(format!("metrics address {addr}"), e))?;
            eprintln!("metrics on http://{bound}{}", chittyid_std::metrics::PATH);
            tokio::spawn(chittyid_std::metrics::serve(client.clone(), listener));
        }
        loop {
            let began = Instant::now();
            let result = client.health().await;
            let ms = began.elapsed().as_secs_f64() * 1000.0;
            let healthy = matches!(result, Ok(answer) if answer.healthy);
            let stats = client.stats();
            let line = match &result {
                Ok(answer) if args.json => json!({
                    "service": client.service_url(), "healthy": answer.healthy,
                    "version": answer.version.map(|v| v.as_str().to_string()), "latency_ms": (ms * 10.0).round() / 10.0,
                    "breaker": format!("{:?}", stats.breakers[chittyid_std::Endpoint::Health as usize]), "health_state": format!("{:?}", stats.health),
                })
                .to_string(),
                Ok(answer) => format!(
                    "{} {}  {} in {ms:.1} ms{}",
                    if answer.healthy { "✓" } else { "✗" },
                    client.service_url(),
                    if answer.healthy { "healthy" } else { "unhealthy" },
                    answer.version.map(|v| format!(", version {v}")).unwrap_or_default()
                ),
                Err(error) => {
                    let why = match error {
                        HealthError::Unavailable(why) => {
                            format!("service unavailable: {}", diagnosis.explain(why).await)
                        }
                        other => other.to_string(),
                    };
                    if args.json {
                        json!({"service": client.service_url(), "healthy": false, "error": why})
                            .to_string()
                    } else {
                        eprintln!("error: {}: {why}", client.service_url());
                        String::new()
                    }
                }
            };
            if !line.is_empty() {
                writeln!(std::io::stdout().lock(), "{line}")
                    .map_err(|e| CliError::io("standard output", e))?;
            }
            if !args.watch {
                return Ok(healthy);
            }
            tokio::time::sleep(Duration::from_secs(args.interval)).await;
        }
    })
}
