//! # chittyid-server
//!
//! A faithful reference ChittyID service on loopback, so that every test, benchmark and
//! demo talks to a real HTTP peer: the service's API (spec section 5), durable storage in
//! redb, bearer tokens, idempotency keys, rate limits, hostile-input limits, and seeded
//! fault injection (resets, 503, 429, time-outs, malformed and fallback answers,
//! drop-after-commit, latency, outages).
//!
//! ```no_run
//! # async fn demo() -> Result<(), chittyid_server::ServerError> {
//! use chittyid_server::{Server, ServerConfig};
//!
//! let mut config = ServerConfig::default();
//! config.addr = "127.0.0.1:0".parse().unwrap();
//! let server = Server::start(config).await?;
//! println!("listening on {}", server.url());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod auth;
mod clock;
pub mod config;
mod conn;
mod faults;
mod ratelimit;
mod stats;
mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

pub use config::{ConfigError, FaultKind, Latency, Outage, Rate, ServerConfig, TlsFiles};
pub use stats::StatsSnapshot;

use api::AppState;
use faults::Faults;
use ratelimit::RateLimiter;
use stats::Stats;
use store::Store;

/// Why the service could not start.
#[derive(Debug)]
pub enum ServerError {
    /// The address could not be bound.
    Bind(std::io::Error),
    /// The storage could not be opened.
    Storage(String),
    /// The TLS files could not be used.
    Tls(String),
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Bind(e) => write!(f, "could not listen: {e}"),
            ServerError::Storage(e) => write!(f, "could not open storage: {e}"),
            ServerError::Tls(e) => write!(f, "TLS: {e}"),
        }
    }
}

impl std::error::Error for ServerError {}

/// A temporary storage directory, removed when the server is dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running service.
pub struct Server {
    addr: SocketAddr,
    tls: bool,
    token: String,
    token_generated: bool,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    _temp: Option<TempDir>,
}

impl Server {
    /// Opens the storage, binds the address and starts serving in the background.
    pub async fn start(config: ServerConfig) -> Result<Server, ServerError> {
        let (dir, temp) = match &config.data_dir {
            Some(dir) => (dir.clone(), None),
            None => {
                // Unique per process and per server: tests start many at once.
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let dir = std::env::temp_dir().join(format!(
                    "chittyid-server-{}-{}-{n}",
                    std::process::id(),
                    clock::unix_millis()
                ));
                (dir.clone(), Some(TempDir(dir)))
            }
        };
        let store = Store::open(&dir)
            .map_err(|e| ServerError::Storage(format!("{}: {e}", dir.display())))?;
        let (tokens, token_generated) = if config.tokens.is_empty() {
            (vec![generate_token(config.seed)], true)
        } else {
            (config.tokens.clone(), false)
        };
        let tls = config.tls.as_ref().map(tls_acceptor).transpose()?;
        let state = Arc::new(AppState {
            store,
            faults: Faults::new(
                config.faults.clone(),
                config.latency,
                config.outage,
                config.seed,
            ),
            stats: Stats::default(),
            tokens: tokens.clone(),
            mint_limit: config.rate_limit_mint.map(RateLimiter::new),
            api_limit: config.rate_limit_api.map(RateLimiter::new),
            body_limit: config.body_limit,
            metadata_limit: config.metadata_limit,
            body_timeout: config.body_timeout,
            hold: config.hold,
        });
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(ServerError::Bind)?;
        let addr = listener.local_addr().map_err(ServerError::Bind)?;
        let router = api::router(state.clone(), config.admin);
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(conn::accept_loop(
            listener,
            router,
            state.clone(),
            tls.clone(),
            config.header_timeout,
            stopped,
        ));
        tracing::info!(%addr, tls = tls.is_some(), data = %dir.display(), "serving");
        Ok(Server {
            addr,
            tls: tls.is_some(),
            token: tokens[0].clone(),
            token_generated,
            state,
            stop,
            task,
            _temp: temp,
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` or `https://ADDR`.
    pub fn url(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }

    /// A token that may mint.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// `true` when the token was generated because none was configured.
    pub fn token_was_generated(&self) -> bool {
        self.token_generated
    }

    /// Changes faults while the service runs (tests and demos): `set(kind, rate)`,
    /// `set_down(true)` for an outage, `clear()`.
    pub fn faults(&self) -> FaultControl<'_> {
        FaultControl(&self.state.faults)
    }

    /// The service's counters.
    pub fn stats(&self) -> StatsSnapshot {
        self.state.stats.snapshot()
    }

    /// Stops accepting, lets open requests finish (up to 5 s), and returns.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Changes a running service's faults.
pub struct FaultControl<'a>(&'a Faults);

impl FaultControl<'_> {
    /// Sets the rate (0 to 1) of one kind of fault; 0 removes it.
    pub fn set(&self, kind: FaultKind, rate: f64) {
        self.0.set(kind, rate);
    }

    /// Starts or ends an outage: every connection is accepted and closed at once.
    pub fn set_down(&self, down: bool) {
        self.0.set_down(down);
    }

    /// Removes every fault and ends a manual outage.
    pub fn clear(&self) {
        self.0.clear();
    }
}

/// A token of 32 hex digits from the seed and the clock.
fn generate_token(seed: u64) -> String {
    let mut rng =
        chittyid::resilience::Rng::new(seed ^ clock::unix_millis() ^ u64::from(std::process::id()));
    format!("{:016x}{:016x}", rng.next_u64(), rng.next_u64())
}

fn tls_acceptor(files: &TlsFiles) -> Result<TlsAcceptor, ServerError> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&files.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| ServerError::Tls(format!("certificate: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(&files.key_pem)
        .map_err(|e| ServerError::Tls(format!("key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServerError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServerError::Tls(e.to_string()))?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}
