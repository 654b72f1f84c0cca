//! `chittyid health`: ask the service's health endpoint, once or repeatedly.

use std::io::Write;
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use super::{ServiceArgs, runtime};
use crate::error::CliError;

/// Arguments of `chittyid health`.
#[derive(Args, Debug)]
pub struct HealthArgs {
    /// One JSON object per check.
    #[arg(long)]
    json: bool,
    /// Check again every --interval seconds until interrupted.
    #[arg(long)]
    watch: bool,
    /// Seconds between checks with --watch.
    #[arg(long, default_value_t = 5)]
    interval: u64,
    #[command(flatten)]
    service: ServiceArgs,
}

/// Runs the command; `Ok(true)` when the (last) check passed.
pub fn run(args: HealthArgs) -> Result<bool, CliError> {
    let client = args.service.client()?;
    let runtime = runtime()?;
    runtime.block_on(async {
        loop {
            let began = Instant::now();
            let result = client.health().await;
            let ms = began.elapsed().as_secs_f64() * 1000.0;
            let healthy = matches!(result, Ok(answer) if answer.healthy);
            let stats = client.stats();
            let mut out = std::io::stdout().lock();
            let line = match (&result, args.json) {
                (Ok(answer), true) => json!({
                    "service": client.service_url(), "healthy": answer.healthy,
                    "version": answer.version.map(|v| v.as_str().to_string()), "latency_ms": (ms * 10.0).round() / 10.0,
                    "breaker": format!("{:?}", stats.breakers[2]), "health_state": format!("{:?}", stats.health),
                })
                .to_string(),
                (Err(e), true) => json!({"service": client.service_url(), "healthy": false, "error": e.to_string()}).to_string(),
                (Ok(answer), false) => format!(
                    "{} {}  {} in {ms:.1} ms{}",
                    if answer.healthy { "✓" } else { "✗" },
                    client.service_url(),
                    if answer.healthy { "healthy" } else { "unhealthy" },
                    answer.version.map(|v| format!(", version {v}")).unwrap_or_default()
                ),
                (Err(e), false) => format!("✗ {}  {e}", client.service_url()),
            };
            writeln!(out, "{line}").map_err(|e| CliError::io("standard output", e))?;
            drop(out);
            if !args.watch {
                return Ok(healthy);
            }
            tokio::time::sleep(Duration::from_secs(args.interval.max(1))).await;
        }
    })
}
