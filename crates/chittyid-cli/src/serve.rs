//! `chittyid serve`: the reference ID service, in the foreground, until SIGINT or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use chittyid_server::config::{parse_fault, parse_latency, parse_outage, parse_rate};
use chittyid_server::{FaultKind, Latency, Outage, Rate, Server, ServerConfig, TlsFiles};
use clap::Args;

use crate::error::CliError;

/// Arguments of `chittyid serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port. The first line of output names
    /// the address bound.
    #[arg(long, default_value = "127.0.0.1:8787")]
    addr: SocketAddr,
    /// Storage directory (created if missing). Without it, a temporary directory that is
    /// removed at exit.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// A token that may mint (repeatable; also CHITTY_ID_TOKEN). Without any, one is
    /// generated and printed.
    #[arg(long, env = "CHITTY_ID_TOKEN", hide_env_values = true)]
    token: Vec<String>,
    /// Inject a fault: KIND=RATE with RATE from 0 to 1 (repeatable). Kinds: reset (close
    /// without answering), status503, status429 (with Retry-After), timeout (hold past
    /// any client time-out), malformed (200 with a broken body), fallback (answer a
    /// fallback ID), drop-after-commit (commit the mint, then close unanswered).
    #[arg(long = "fault", value_name = "KIND=RATE", value_parser = parse_fault)]
    faults: Vec<(FaultKind, f64)>,
    /// Seed for fault decisions and latency jitter.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Added latency per request: MS, or MS:JITTER_MS for up to JITTER_MS more.
    #[arg(long, value_name = "MS[:JITTER_MS]", value_parser = parse_latency)]
    latency: Option<Latency>,
    /// An outage: from AFTER_S seconds after start, for DURATION_S seconds, every
    /// connection is accepted and closed at once.
    #[arg(long, value_name = "AFTER_S:DURATION_S", value_parser = parse_outage)]
    outage: Option<Outage>,
    /// Per-client limit on mints, e.g. 600/min (429 with Retry-After beyond it).
    #[arg(long, value_name = "N/UNIT", value_parser = parse_rate)]
    rate_limit_mint: Option<Rate>,
    /// Per-client limit on other API calls, e.g. 6000/min.
    #[arg(long, value_name = "N/UNIT", value_parser = parse_rate)]
    rate_limit_api: Option<Rate>,
    /// Do not serve /admin/stats.
    #[arg(long)]
    no_admin: bool,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) for --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Log level: error, warn, info, debug or trace.
    #[arg(long, default_value = "warn")]
    log_level: tracing::Level,
}

impl ServeArgs {
    fn config(self) -> Result<ServerConfig, CliError> {
        let read =
            |path: &PathBuf| std::fs::read(path).map_err(|e| CliError::io(path.display(), e));
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles {
                cert_pem: read(cert)?,
                key_pem: read(key)?,
            }),
            _ => None,
        };
        Ok(ServerConfig {
            addr: self.addr,
            data_dir: self.data,
            tokens: self.token.into_iter().filter(|t| !t.is_empty()).collect(),
            faults: self.faults,
            seed: self.seed,
            latency: self.latency.unwrap_or_default(),
            outage: self.outage,
            rate_limit_mint: self.rate_limit_mint,
            rate_limit_api: self.rate_limit_api,
            admin: !self.no_admin,
            tls,
            ..ServerConfig::default()
        })
    }
}

/// Runs the service until a signal asks it to stop.
pub fn run(args: ServeArgs) -> Result<bool, CliError> {
    tracing_subscriber::fmt()
        .with_max_level(args.log_level)
        .with_writer(std::io::stderr)
        .init();
    let config = args.config()?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| CliError::io("tokio runtime", e))?;
    runtime.block_on(async {
        let server = Server::start(config)
            .await
            .map_err(|e| CliError::Usage(e.to_string()))?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening on {}", server.url());
        if server.token_was_generated() {
            let _ = writeln!(
                out,
                "token: {} (generated; set --token or CHITTY_ID_TOKEN to choose)",
                server.token()
            );
        }
        let _ = out.flush();
        drop(out);
        wait_for_signal().await;
        eprintln!("shutting down");
        server.shutdown().await;
        Ok(true)
    })
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
