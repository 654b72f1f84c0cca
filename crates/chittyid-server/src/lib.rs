//! # chittyid-server
//!
//! A reference ChittyID service on loopback, so that every test, benchmark and demo
//! talks to a real HTTP peer. It has three profiles ([`Profile`]):
//!
//! - **[`Profile::Real`]** (the default) behaves like id.chitty.cc as its public code
//!   does (`REAL-SERVICE.md`): a *front* with no authentication, idempotency or rate
//!   limits of its own, which forwards every mint to a minting *back end* (ChittyMint)
//!   and turns each back-end failure (401/403, 429, 400, 5xx, no answer) into an HTTP
//!   200 answer carrying a fallback ID, kept 7 days for replacement when it is
//!   validated; validation checks format and check value only; CORS on every answer.
//!   The back end is built in (same process, same store) unless
//!   [`ServerConfig::mint_backend`] names an external one speaking `POST /api/mint`.
//! - **[`Profile::Strict`]** ([`ServerConfig::strict`]) is what a service *should* do
//!   (spec section 5): its own 401, idempotency keys (echoed in an `Idempotency-Key`
//!   response header when honoured), 429 with `Retry-After`, "was this ID minted" on
//!   validation, body fields for region, jurisdiction and trust, and
//!   `GET /v1/validate/{id}`.
//! - **[`Profile::Mint`]** ([`ServerConfig::backend`]) is a stand-in ChittyMint:
//!   `POST /api/mint` only, for a real front to call.
//!
//! All profiles keep durable storage in redb, hostile-input limits, and seeded fault
//! injection, switchable while running ([`Server::faults`], or `POST /admin/faults`
//! when admin is on): front faults (resets, 503, 429, time-outs, malformed and fallback
//! answers, drop-after-commit, latency, outages), the store's `storage-fail` (writes
//! refused) and back-end faults (`backend-reject`, `backend-429`, `backend-400`,
//! `backend-503`, `backend-down`, `backend-timeout`, `backend-not-json`, back-end
//! latency, which the strict profile applies at its own mint).
//!
//! ```no_run
//! # async fn demo() -> Result<(), chittyid_server::ServerError> {
//! use chittyid_server::{FaultKind, Profile, Server, ServerConfig};
//!
//! let config = ServerConfig {
//!     addr: "127.0.0.1:0".parse().unwrap(),
//!     profile: Profile::Real, // the default: behaves like id.chitty.cc
//!     ..ServerConfig::default()
//! };
//! let server = Server::start(config).await?;
//! println!("listening on {}", server.url());
//! server.faults().set(FaultKind::Backend429, 1.0); // mints now answer RATE_LIMITED fallbacks
//! server.shutdown().await;
//! # Ok(()) }
//! ```

mod api;
mod auth;
mod backend;
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

/// RFC 3339 UTC time of Unix milliseconds, as the service writes it (the CLI shows
/// journal times the same way).
pub use clock::rfc3339;
pub use config::{ConfigError, FaultKind, Latency, Outage, Profile, Rate, ServerConfig, TlsFiles};
pub use faults::FaultState;
pub use stats::StatsSnapshot;

use api::AppState;
use backend::{Backend, External};
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
    /// The minting back end's URL could not be used.
    Backend(String),
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Bind(e) => write!(f, "could not listen: {e}"),
            ServerError::Storage(e) => write!(f, "could not open storage: {e}"),
            ServerError::Tls(e) => write!(f, "TLS: {e}"),
            ServerError::Backend(e) => f.write_str(e),
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
        let backend = match (&config.mint_backend, config.profile) {
            (Some(url), Profile::Real) => {
                Backend::External(External::new(url).map_err(ServerError::Backend)?)
            }
            _ => Backend::BuiltIn,
        };
        // Only the strict profile limits rates: the real front has no limits of its own.
        let strict = config.profile == Profile::Strict;
        let faults = Arc::new(Faults::new(
            config.faults.clone(),
            config.latency,
            config.backend_latency,
            config.outage,
            config.seed,
        ));
        let stats = Arc::new(Stats::default());
        let store = store.with_write_check(storage_fail_check(faults.clone(), stats.clone()));
        let state = Arc::new(AppState {
            profile: config.profile,
            backend,
            store,
            faults,
            stats,
            tokens: tokens.clone(),
            mint_limit: config
                .rate_limit_mint
                .filter(|_| strict)
                .map(RateLimiter::new),
            api_limit: config
                .rate_limit_api
                .filter(|_| strict)
                .map(RateLimiter::new),
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
        tracing::info!(%addr, tls = tls.is_some(), data = %dir.display(), profile = config.profile.name(), "serving");
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

    /// Changes faults while the service runs (tests and demos): `set(kind, rate)` for
    /// front and back-end kinds alike, `set_down(true)` for an outage, `set_latency`,
    /// `set_backend_latency`, `clear()`, and `state()` to read them.
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

    /// Starts an outage that ends by itself after `duration`.
    pub fn set_down_for(&self, duration: std::time::Duration) {
        self.0.set_down_for(duration);
    }

    /// Sets the latency added to every request at the front.
    pub fn set_latency(&self, latency: Latency) {
        self.0.set_latency(latency);
    }

    /// Sets the latency added to every call at the minting back end (real and mint
    /// profiles) or to every strict-profile mint before it commits; a slow back end
    /// still mints when its caller has given up.
    pub fn set_backend_latency(&self, latency: Latency) {
        self.0.set_backend_latency(latency);
    }

    /// Removes every fault and added latency, and ends a manual outage.
    pub fn clear(&self) {
        self.0.clear();
    }

    /// The faults in force.
    pub fn state(&self) -> FaultState {
        self.0.state()
    }
}

/// The store's write check: the `storage-fail` fault, counted when it hits.
fn storage_fail_check(faults: Arc<Faults>, stats: Arc<Stats>) -> store::WriteCheck {
    Arc::new(move || {
        let refused = faults.store_refuses();
        if refused {
            stats.fault(FaultKind::StorageFail);
        }
        refused
    })
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
