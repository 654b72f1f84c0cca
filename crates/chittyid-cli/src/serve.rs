//! `chittyid serve`: the reference ID service, in the foreground, until SIGINT or SIGTERM:
//! its profile (by default it behaves like id.chitty.cc), its minting back end, and the
//! faults to inject at the front and at the back end.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use chittyid_server::config::{
    parse_fault, parse_latency, parse_outage, parse_profile, parse_rate,
};
use chittyid_server::{FaultKind, Latency, Outage, Profile, Rate, Server, ServerConfig, TlsFiles};
use clap::Args;

use crate::error::CliError;

/// Arguments of `chittyid serve`.
#[derive(Args, Debug)]
pub struct ServeArgs {
    /// How the service behaves. real (the default) behaves like id.chitty.cc: no token
    /// check, idempotency or rate limit at the front; every mint goes to a minting back
    /// end, and a back-end failure is an HTTP 200 answer with a fallback ID whose
    /// errorCode says why (MINT_REJECTED, RATE_LIMITED, INVALID_REQUEST,
    /// MINT_UNAVAILABLE, MINT_TIMEOUT); validation checks format and check value only.
    /// strict is what a service should do: its own 401, idempotency keys (a mint
    /// stored or replayed under an Idempotency-Key, and a health check that carries one,
    /// are answered with the header Idempotency-Key: <the same key>; real never sends
    /// it), 429 with Retry-After,
    /// "was this ID minted" on validation, GET /v1/validate/{id}.
    /// mint is a stand-in minting back end (POST /api/mint only) for a real front's
    /// --mint-backend.
    #[arg(long, default_value = "real", value_name = "real|strict|mint", value_parser = parse_profile)]
    profile: Profile,
    /// Real profile: forward mints to the back end at this URL (http://HOST:PORT,
    /// POST {URL}/api/mint with the caller's Authorization, no time-out) instead of the
    /// built-in one.
    #[arg(long, value_name = "URL")]
    mint_backend: Option<String>,
    /// Address to listen on; port 0 picks a free port. The first line of output names
    /// the address bound. An address other than loopback makes the service reachable
    /// from other machines (a warning says so).
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
    /// Inject a fault: KIND=RATE with RATE from 0 to 1 (repeatable). Front kinds (every
    /// profile; network and CDN trouble): reset (close without answering), status503,
    /// status429 (with Retry-After), timeout (hold past any client time-out), malformed
    /// (200 with a broken body), fallback (answer a fallback ID), drop-after-commit
    /// (commit the mint, then close unanswered), storage-fail (the store refuses
    /// writes: strict answers 503 STORAGE_UNAVAILABLE, real a 503 SECURITY_ERROR when it
    /// cannot keep a fallback's request). Back-end kinds (real and mint
    /// profiles; the real front answers a 200 fallback): backend-reject (401:
    /// MINT_REJECTED), backend-429 (RATE_LIMITED), backend-400 (INVALID_REQUEST),
    /// backend-503 (MINT_REJECTED), backend-down (no answer: MINT_UNAVAILABLE),
    /// backend-timeout (MINT_TIMEOUT), backend-not-json (MINT_UNAVAILABLE). Faults can
    /// be changed while running: POST /admin/faults with {"set":{"reset":0.3}},
    /// {"clear":true}, {"down":true,"downForMs":5000}, {"latency":"50:20"} or
    /// {"backendLatency":"2000"}; GET /admin/faults shows them.
    #[arg(long = "fault", value_name = "KIND=RATE", value_parser = parse_fault)]
    faults: Vec<(FaultKind, f64)>,
    /// Seed for fault decisions and latency jitter.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Added latency per request: MS, or MS:JITTER_MS for up to JITTER_MS more.
    #[arg(long, value_name = "MS[:JITTER_MS]", value_parser = parse_latency)]
    latency: Option<Latency>,
    /// Added latency per call at the minting back end (real and mint profiles) or per
    /// mint before it commits (strict): MS or MS:JITTER_MS. A slow back end still mints
    /// when its caller has given up.
    #[arg(long, value_name = "MS[:JITTER_MS]", value_parser = parse_latency)]
    backend_latency: Option<Latency>,
    /// An outage: from AFTER_S seconds after start, for DURATION_S seconds, every
    /// connection is accepted and closed at once.
    #[arg(long, value_name = "AFTER_S:DURATION_S", value_parser = parse_outage)]
    outage: Option<Outage>,
    /// Per-client limit on mints, e.g. 600/min (429 with Retry-After beyond it; strict
    /// profile only: the real front has no rate limit).
    #[arg(long, value_name = "N/UNIT", value_parser = parse_rate)]
    rate_limit_mint: Option<Rate>,
    /// Per-client limit on other API calls, e.g. 6000/min (strict profile only).
    #[arg(long, value_name = "N/UNIT", value_parser = parse_rate)]
    rate_limit_api: Option<Rate>,
    /// Do not serve /admin/stats and /admin/faults.
    #[arg(long)]
    no_admin: bool,
    /// Serve HTTPS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) for --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
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
        if self.mint_backend.is_some() && self.profile != Profile::Real {
            return Err(CliError::Usage(
                "--mint-backend needs --profile real".to_string(),
            ));
        }
        Ok(ServerConfig {
            profile: self.profile,
            mint_backend: self.mint_backend,
            backend_latency: self.backend_latency.unwrap_or_default(),
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
    let config = args.config()?;
    if !config.addr.ip().is_loopback() {
        eprintln!(
            "warning: listening on {} makes this reference service reachable from other \
             machines; use a loopback address (127.0.0.1) to keep it local",
            config.addr
        );
    }
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
