//! The service's settings and the parsers for its command-line forms: profiles
//! (`real`), faults (`reset=0.3`, `backend-429=1`), rates (`600/min`), latency (`50` or
//! `50:20`) and outages (`5:10`).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// How the service behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// Behaves like id.chitty.cc (as `REAL-SERVICE.md` describes it): a front with no
    /// authentication, idempotency or rate limits of its own, that forwards every mint
    /// to a minting back end and turns each back-end failure into an HTTP 200 answer
    /// carrying a fallback ID; validation checks format and check value only.
    #[default]
    Real,
    /// What a service *should* do (spec section 5): its own 401, idempotency keys,
    /// 429 with `Retry-After`, "was this ID minted" on validation, region,
    /// jurisdiction and trust from the body, and `GET /v1/validate/{id}`. A mint that
    /// carries an `Idempotency-Key` and was stored or replayed under it is answered
    /// with the response header `Idempotency-Key: <the same key>` (how a client learns
    /// that keys are honoured; the real profile never sends it). The back-end latency
    /// applies at the mint itself, which commits even when the caller has hung up.
    Strict,
    /// A stand-in for the minting back end (ChittyMint, mint.chitty.cc): only
    /// `POST /api/mint` (bearer token, durable mint, back-end faults) and `/health`,
    /// for a real-profile front started with `mint_backend` pointing at it.
    Mint,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 3] = [Profile::Real, Profile::Strict, Profile::Mint];

    /// The name used on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::Real => "real",
            Profile::Strict => "strict",
            Profile::Mint => "mint",
        }
    }
}

/// `real`, `strict` or `mint`.
pub fn parse_profile(text: &str) -> Result<Profile, ConfigError> {
    Profile::ALL
        .into_iter()
        .find(|p| p.name() == text)
        .ok_or_else(|| {
            bad(format!(
                "profile {text:?} unknown; one of real, strict, mint"
            ))
        })
}

/// A kind of injected fault. The first seven happen at the front (they model network
/// and CDN trouble, in every profile); [`FaultKind::StorageFail`] happens at the
/// service's own store (every profile); the `Backend*` kinds happen where the minting
/// back end is called (real profile) or answers (mint profile).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaultKind {
    /// Close the connection without answering.
    Reset,
    /// Answer 503.
    Status503,
    /// Answer 429 with `Retry-After`.
    Status429,
    /// Hold the request past any client time-out.
    Timeout,
    /// Answer 200 with a broken body.
    Malformed,
    /// Answer a mint with a fallback ID.
    Fallback,
    /// Commit a mint, then close the connection unanswered.
    DropAfterCommit,
    /// The store refuses writes: each write it hits fails with a storage error (the
    /// strict profile answers 503 `STORAGE_UNAVAILABLE`; the real front, when it cannot
    /// keep a fallback's request, 503 `SECURITY_ERROR`).
    StorageFail,
    /// The back end refuses the token: 401 (the front answers `MINT_REJECTED`).
    BackendReject,
    /// The back end answers 429 (the front answers `RATE_LIMITED`).
    Backend429,
    /// The back end answers 400 (the front answers `INVALID_REQUEST`).
    Backend400,
    /// The back end answers 503 (the front answers `MINT_REJECTED`).
    Backend503,
    /// The back end cannot be reached (the front answers `MINT_UNAVAILABLE`).
    BackendDown,
    /// The call to the back end fails with a time-out (the front answers `MINT_TIMEOUT`).
    BackendTimeout,
    /// The back end answers 200 with a body that is not JSON (`MINT_UNAVAILABLE`).
    BackendNotJson,
}

impl FaultKind {
    /// Every kind, in the order they are tried.
    pub const ALL: [FaultKind; 15] = [
        FaultKind::Reset,
        FaultKind::Status503,
        FaultKind::Status429,
        FaultKind::Timeout,
        FaultKind::Malformed,
        FaultKind::Fallback,
        FaultKind::DropAfterCommit,
        FaultKind::StorageFail,
        FaultKind::BackendReject,
        FaultKind::Backend429,
        FaultKind::Backend400,
        FaultKind::Backend503,
        FaultKind::BackendDown,
        FaultKind::BackendTimeout,
        FaultKind::BackendNotJson,
    ];

    /// Whether the fault only applies to mints (a fallback ID, a committed mint lost).
    pub const fn mint_only(self) -> bool {
        matches!(self, FaultKind::Fallback | FaultKind::DropAfterCommit)
    }

    /// Whether the fault happens at the store, on each write, rather than on a request.
    pub const fn at_store(self) -> bool {
        matches!(self, FaultKind::StorageFail)
    }

    /// Whether the fault happens at the minting back end rather than at the front.
    pub const fn is_backend(self) -> bool {
        matches!(
            self,
            FaultKind::BackendReject
                | FaultKind::Backend429
                | FaultKind::Backend400
                | FaultKind::Backend503
                | FaultKind::BackendDown
                | FaultKind::BackendTimeout
                | FaultKind::BackendNotJson
        )
    }

    /// The name used on the command line, in statistics and at `/admin/faults`.
    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::Reset => "reset",
            FaultKind::Status503 => "status503",
            FaultKind::Status429 => "status429",
            FaultKind::Timeout => "timeout",
            FaultKind::Malformed => "malformed",
            FaultKind::Fallback => "fallback",
            FaultKind::DropAfterCommit => "drop-after-commit",
            FaultKind::StorageFail => "storage-fail",
            FaultKind::BackendReject => "backend-reject",
            FaultKind::Backend429 => "backend-429",
            FaultKind::Backend400 => "backend-400",
            FaultKind::Backend503 => "backend-503",
            FaultKind::BackendDown => "backend-down",
            FaultKind::BackendTimeout => "backend-timeout",
            FaultKind::BackendNotJson => "backend-not-json",
        }
    }

    /// The kind of a name such as `reset` or `backend-429`.
    pub fn from_name(name: &str) -> Option<FaultKind> {
        FaultKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A setting that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn bad(message: impl Into<String>) -> ConfigError {
    ConfigError(message.into())
}

/// `KIND=RATE`, the rate a probability in `0.0..=1.0`.
pub fn parse_fault(text: &str) -> Result<(FaultKind, f64), ConfigError> {
    let (name, rate) = text.split_once('=').ok_or_else(|| {
        bad(format!(
            "fault {text:?}: expected KIND=RATE, e.g. reset=0.3"
        ))
    })?;
    let kind = FaultKind::from_name(name).ok_or_else(|| {
        let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
        bad(format!(
            "fault kind {name:?} unknown; one of {}",
            names.join(", ")
        ))
    })?;
    Ok((kind, parse_rate_fraction(rate)?))
}

/// A fault rate: a number from 0 to 1.
pub fn parse_rate_fraction(rate: &str) -> Result<f64, ConfigError> {
    rate.parse()
        .ok()
        .filter(|r: &f64| (0.0..=1.0).contains(r))
        .ok_or_else(|| {
            bad(format!(
                "fault rate {rate:?}: expected a number from 0 to 1"
            ))
        })
}

/// A rate limit: `count` requests per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed per period (the bucket's size).
    pub count: u32,
    /// The period.
    pub per: Duration,
}

/// `N/sec`, `N/min` or `N/hour`.
pub fn parse_rate(text: &str) -> Result<Rate, ConfigError> {
    let (count, unit) = text
        .split_once('/')
        .ok_or_else(|| bad(format!("rate {text:?}: expected N/min, N/sec or N/hour")))?;
    let count: u32 = count
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| bad(format!("rate {text:?}: N must be a positive whole number")))?;
    let per = match unit {
        "s" | "sec" | "second" => Duration::from_secs(1),
        "m" | "min" | "minute" => Duration::from_secs(60),
        "h" | "hour" => Duration::from_secs(3600),
        _ => return Err(bad(format!("rate {text:?}: unit must be sec, min or hour"))),
    };
    Ok(Rate { count, per })
}

/// Added latency: a base and a jitter (uniform `0..=jitter` on top).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    /// Always added.
    pub base: Duration,
    /// Up to this much more, at random.
    pub jitter: Duration,
}

/// `MS` or `MS:JITTER_MS`.
pub fn parse_latency(text: &str) -> Result<Latency, ConfigError> {
    let ms = |s: &str| {
        s.parse::<u64>()
            .ok()
            .filter(|&n| n <= 600_000)
            .map(Duration::from_millis)
            .ok_or_else(|| bad(format!("latency {text:?}: expected MS or MS:JITTER_MS")))
    };
    match text.split_once(':') {
        Some((base, jitter)) => Ok(Latency {
            base: ms(base)?,
            jitter: ms(jitter)?,
        }),
        None => Ok(Latency {
            base: ms(text)?,
            jitter: Duration::ZERO,
        }),
    }
}

/// A window after start-up during which every connection is accepted and closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// Seconds after start-up.
    pub after: Duration,
    /// Its length.
    pub duration: Duration,
}

/// `AFTER_S:DURATION_S` (seconds, fractions allowed).
pub fn parse_outage(text: &str) -> Result<Outage, ConfigError> {
    let secs = |s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && (0.0..=86_400.0).contains(v))
            .map(Duration::from_secs_f64)
            .ok_or_else(|| bad(format!("outage {text:?}: expected AFTER_S:DURATION_S")))
    };
    let (after, duration) = text
        .split_once(':')
        .ok_or_else(|| bad(format!("outage {text:?}: expected AFTER_S:DURATION_S")))?;
    Ok(Outage {
        after: secs(after)?,
        duration: secs(duration)?,
    })
}

/// PEM files for serving HTTPS.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert_pem: Vec<u8>,
    /// The private key.
    pub key_pem: Vec<u8>,
}

/// Everything the service needs to start. `ServerConfig::default()` behaves like
/// id.chitty.cc ([`Profile::Real`]) with a built-in minting back end;
/// [`ServerConfig::strict`] is what a service should do.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// How the service behaves (default [`Profile::Real`], like id.chitty.cc).
    pub profile: Profile,
    /// Real profile: the URL (`http://HOST:PORT`) of an external minting back end that
    /// speaks `POST /api/mint`; `None` for the built-in one (same process, same store).
    pub mint_backend: Option<String>,
    /// Where to listen (default `127.0.0.1:8787`; port 0 picks a free one).
    pub addr: SocketAddr,
    /// Storage directory; `None` for a temporary one, removed at shutdown.
    pub data_dir: Option<PathBuf>,
    /// Tokens that may mint, checked by the strict front or by the built-in back end
    /// (real and mint profiles). Empty: one is generated and printed.
    pub tokens: Vec<String>,
    /// Fault rates, front and back-end kinds alike.
    pub faults: Vec<(FaultKind, f64)>,
    /// Seed for fault decisions and jitter.
    pub seed: u64,
    /// Added latency at the front.
    pub latency: Latency,
    /// Added latency at the minting back end (real and mint profiles) or at the
    /// strict profile's mint, before it commits; the mint completes even when the
    /// caller has given up.
    pub backend_latency: Latency,
    /// An outage window.
    pub outage: Option<Outage>,
    /// Per-client limit on mints (strict profile only: the real front has none).
    pub rate_limit_mint: Option<Rate>,
    /// Per-client limit on other API calls (strict profile only).
    pub rate_limit_api: Option<Rate>,
    /// Serve `/admin/stats` and `/admin/faults`.
    pub admin: bool,
    /// Largest request body accepted.
    pub body_limit: usize,
    /// Largest `metadata` accepted, serialized.
    pub metadata_limit: usize,
    /// Time allowed for a request's headers.
    pub header_timeout: Duration,
    /// Time allowed for a request's body.
    pub body_timeout: Duration,
    /// How long a request held by the `timeout` fault is held.
    pub hold: Duration,
    /// Serve HTTPS with these.
    pub tls: Option<TlsFiles>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            profile: Profile::Real,
            mint_backend: None,
            backend_latency: Latency::default(),
            addr: SocketAddr::from(([127, 0, 0, 1], 8787)),
            data_dir: None,
            tokens: Vec::new(),
            faults: Vec::new(),
            seed: 1,
            latency: Latency::default(),
            outage: None,
            rate_limit_mint: None,
            rate_limit_api: None,
            admin: true,
            body_limit: 16 * 1024,
            metadata_limit: 10 * 1024,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            hold: Duration::from_secs(120),
            tls: None,
        }
    }
}

impl ServerConfig {
    /// The defaults with [`Profile::Strict`]: what a service should do.
    pub fn strict() -> ServerConfig {
        ServerConfig {
            profile: Profile::Strict,
            ..ServerConfig::default()
        }
    }

    /// The defaults with [`Profile::Mint`]: a stand-in minting back end.
    pub fn backend() -> ServerConfig {
        ServerConfig {
            profile: Profile::Mint,
            ..ServerConfig::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_command_line_forms() {
        assert_eq!(parse_fault("reset=0.3"), Ok((FaultKind::Reset, 0.3)));
        assert_eq!(
            parse_fault("drop-after-commit=1"),
            Ok((FaultKind::DropAfterCommit, 1.0))
        );
        assert!(parse_fault("reset=1.5").is_err());
        assert!(
            parse_fault("explode=0.1")
                .unwrap_err()
                .0
                .contains("status503")
        );
        assert_eq!(
            parse_rate("600/min"),
            Ok(Rate {
                count: 600,
                per: Duration::from_secs(60)
            })
        );
        assert!(parse_rate("0/min").is_err());
        assert!(parse_rate("5/fortnight").is_err());
        assert_eq!(
            parse_latency("50:20").unwrap().jitter,
            Duration::from_millis(20)
        );
        assert!(parse_latency("x").is_err());
        assert_eq!(
            parse_outage("5:10").unwrap().duration,
            Duration::from_secs(10)
        );
        assert!(parse_outage("5").is_err());
        assert_eq!(
            parse_fault("backend-429=1"),
            Ok((FaultKind::Backend429, 1.0))
        );
        assert_eq!(
            parse_fault("storage-fail=1"),
            Ok((FaultKind::StorageFail, 1.0))
        );
        assert!(FaultKind::StorageFail.at_store() && !FaultKind::StorageFail.is_backend());
        assert_eq!(parse_profile("strict"), Ok(Profile::Strict));
        assert!(parse_profile("lax").is_err());
        for kind in FaultKind::ALL {
            assert_eq!(FaultKind::from_name(kind.name()), Some(kind));
        }
    }
}
