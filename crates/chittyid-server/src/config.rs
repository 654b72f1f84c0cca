//! The service's settings and the parsers for its command-line forms: faults
//! (`reset=0.3`), rates (`600/min`), latency (`50` or `50:20`) and outages (`5:10`).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A kind of injected fault.
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
}

impl FaultKind {
    /// Every kind, in the order they are tried.
    pub const ALL: [FaultKind; 7] = [
        FaultKind::Reset,
        FaultKind::Status503,
        FaultKind::Status429,
        FaultKind::Timeout,
        FaultKind::Malformed,
        FaultKind::Fallback,
        FaultKind::DropAfterCommit,
    ];

    /// Whether the fault only applies to mints (a fallback ID, a committed mint lost).
    pub const fn mint_only(self) -> bool {
        matches!(self, FaultKind::Fallback | FaultKind::DropAfterCommit)
    }

    /// The name used on the command line and in statistics.
    pub const fn name(self) -> &'static str {
        match self {
            FaultKind::Reset => "reset",
            FaultKind::Status503 => "status503",
            FaultKind::Status429 => "status429",
            FaultKind::Timeout => "timeout",
            FaultKind::Malformed => "malformed",
            FaultKind::Fallback => "fallback",
            FaultKind::DropAfterCommit => "drop-after-commit",
        }
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
    let kind = FaultKind::ALL
        .into_iter()
        .find(|k| k.name() == name)
        .ok_or_else(|| {
            let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
            bad(format!(
                "fault kind {name:?} unknown; one of {}",
                names.join(", ")
            ))
        })?;
    let rate: f64 = rate
        .parse()
        .ok()
        .filter(|r: &f64| (0.0..=1.0).contains(r))
        .ok_or_else(|| {
            bad(format!(
                "fault rate {rate:?}: expected a number from 0 to 1"
            ))
        })?;
    Ok((kind, rate))
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

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen (default `127.0.0.1:8787`; port 0 picks a free one).
    pub addr: SocketAddr,
    /// Storage directory; `None` for a temporary one, removed at shutdown.
    pub data_dir: Option<PathBuf>,
    /// Tokens that may mint. Empty: one is generated and printed.
    pub tokens: Vec<String>,
    /// Fault rates.
    pub faults: Vec<(FaultKind, f64)>,
    /// Seed for fault decisions and jitter.
    pub seed: u64,
    /// Added latency.
    pub latency: Latency,
    /// An outage window.
    pub outage: Option<Outage>,
    /// Per-client limit on mints.
    pub rate_limit_mint: Option<Rate>,
    /// Per-client limit on other API calls.
    pub rate_limit_api: Option<Rate>,
    /// Serve `/admin/stats`.
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
    }
}
