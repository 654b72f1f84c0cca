//! `chittyid mint`: mint IDs (optionally many, concurrently), with a summary.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use chittyid::{EntityType, Jurisdiction, Region, TrustLevel};
use chittyid_std::{MintAnswer, MintError, MintRequest, Unanswered};
use clap::Args;
use serde_json::json;

use super::{ServiceArgs, quantile, runtime};
use crate::error::CliError;
use crate::progress::CountProgress;

/// Arguments of `chittyid mint`.
#[derive(Args, Debug)]
pub struct MintArgs {
    /// Entity type: person, place, thing, event or authority (or P, L, T, E, A).
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_entity)]
    entity_type: EntityType,
    /// Region 1-9.
    #[arg(long, value_parser = parse_region)]
    region: Option<Region>,
    /// Jurisdiction: three letters, e.g. USA.
    #[arg(long, value_parser = super::flags::parse_jurisdiction)]
    jurisdiction: Option<Jurisdiction>,
    /// Trust level 0-5.
    #[arg(long, value_parser = parse_trust)]
    trust: Option<TrustLevel>,
    /// How many IDs to mint.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    count: u32,
    /// The client's own limit on mint requests: N/sec, N/min or N/hour (a burst of N),
    /// or off. It slows down when the service answers RATE_LIMITED; a mint that would
    /// wait past its deadline fails at once.
    #[arg(long, value_name = "RATE", default_value = "10/sec", value_parser = super::flags::parse_rate)]
    rate: super::flags::Rate,
    /// How many mints in flight at once.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// One JSON line per ID, then a summary line.
    #[arg(long)]
    json: bool,
    /// Keep a mint journal in this file: each mint's request and idempotency key are
    /// written and synced before it is sent, its outcome when it is known (checksummed,
    /// chained records; see `chittyid journal`). Mints an earlier run left unanswered
    /// (a crash, kill -9) are first resent with their keys when the service honours
    /// keys, and printed as resolved.
    #[arg(long, value_name = "PATH")]
    journal: Option<std::path::PathBuf>,
    #[command(flatten)]
    service: ServiceArgs,
}

fn parse_entity(s: &str) -> Result<EntityType, String> {
    EntityType::from_name(s)
        .ok_or_else(|| format!("{s:?} is not person, place, thing, event or authority"))
}

fn parse_region(s: &str) -> Result<Region, String> {
    s.parse::<u8>()
        .ok()
        .filter(|d| (1..=9).contains(d))
        .and_then(Region::from_digit)
        .ok_or_else(|| format!("{s:?} is not a region 1-9"))
}

fn parse_trust(s: &str) -> Result<TrustLevel, String> {
    s.parse::<u8>()
        .ok()
        .and_then(TrustLevel::from_digit)
        .ok_or_else(|| format!("{s:?} is not a trust level 0-5"))
}

/// How one mint went, with its latency.
struct Minting {
    result: Result<MintAnswer, MintError>,
    ms: f64,
}

/// Runs the command; `Ok(true)` when every ID came back final.
pub fn run(args: MintArgs) -> Result<bool, CliError> {
    let mut builder = args.service.builder()?.mint_rate(args.rate.0);
    if let Some(path) = &args.journal {
        builder = builder.journal(path);
    }
    let client = builder.build().map_err(|e| match e {
        chittyid_std::BuildError::Journal(message) => CliError::Io {
            what: "mint journal".to_string(),
            source: std::io::Error::other(message),
        },
        other => CliError::Usage(other.to_string()),
    })?;
    let mut request = MintRequest::new(args.entity_type);
    request.region = args.region;
    request.jurisdiction = args.jurisdiction;
    request.trust_level = args.trust;
    let runtime = runtime()?;
    let results = runtime.block_on(async {
        // One health check first: a service that honours idempotency keys says so in its
        // answer, and then a mint whose answer is lost is resent with its key instead of
        // ending as an unknown outcome. Its own result does not matter here.
        let _ = client.health().await;
        if args.journal.is_some() {
            let resolution = client.resolve_journal().await;
            let _ = report_resolution(&mut std::io::stdout().lock(), &resolution, args.json);
        }
        let next = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        for _ in 0..args.concurrency.min(args.count) {
            let (client, next, sender) = (client.clone(), next.clone(), sender.clone());
            tokio::spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < args.count {
                    let began = Instant::now();
                    let result = client.mint(request).await;
                    let ms = began.elapsed().as_secs_f64() * 1000.0;
                    if sender.send(Minting { result, ms }).is_err() {
                        return;
                    }
                }
            });
        }
        drop(sender);
        let mut events = client.subscribe();
        let mut progress = CountProgress::new(args.count);
        let mut out = std::io::stdout().lock();
        let mut results = Vec::new();
        loop {
            tokio::select! {
                minting = receiver.recv() => {
                    let Some(minting) = minting else { break };
                    progress.clear();
                    let _ = report(&mut out, &minting, args.json);
                    let _ = out.flush();
                    results.push(minting);
                    progress.show(results.len() as u32);
                }
                Ok(event) = events.recv() => {
                    if let chittyid_std::Event::Paced { wait_ms, .. } = event {
                        progress.waiting(std::time::Duration::from_millis(wait_ms));
                        progress.show(results.len() as u32);
                    }
                }
            }
        }
        progress.clear();
        results
    });
    let stats = *client.stats().engine.endpoint(chittyid_std::Endpoint::Mint);
    let minted = results
        .iter()
        .filter(|m| matches!(m.result, Ok(MintAnswer::Minted(_))))
        .count();
    let pending = results
        .iter()
        .filter(|m| matches!(m.result, Ok(MintAnswer::Pending { .. })))
        .count();
    let failed = results.len() - minted - pending;
    let mut latencies: Vec<f64> = results.iter().map(|m| m.ms).collect();
    latencies.sort_by(f64::total_cmp);
    let (p50, p99) = (quantile(&latencies, 0.5), quantile(&latencies, 0.99));
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        let summary = json!({"summary": {
            "requested": args.count, "minted": minted, "pending": pending, "failed": failed,
            "attempts": stats.attempts, "rejected_by_breaker": stats.rejected_by_breaker,
            "rate_limit_waits": stats.paced, "rate_limit_wait_ms": stats.paced_ms,
            "throttled": stats.throttled,
            "p50_ms": (p50 * 10.0).round() / 10.0, "p99_ms": (p99 * 10.0).round() / 10.0,
        }});
        writeln!(out, "{summary}")
    } else {
        writeln!(
            out,
            "{minted} minted, {pending} pending, {failed} failed of {}; {} requests sent, {} refused by the breaker, {} waited {:.1} s in all for the rate limit; p50 {p50:.1} ms, p99 {p99:.1} ms",
            args.count,
            stats.attempts,
            stats.rejected_by_breaker,
            stats.paced,
            stats.paced_ms as f64 / 1000.0
        )
    };
    written.map_err(|e| CliError::io("standard output", e))?;
    Ok(minted == args.count as usize)
}

/// One mint's line: IDs (final or pending) on standard output; in text mode failures go
/// to standard error, in JSON mode every line is on standard output. A failure that
/// still carries an ID (a minted ID unlike the request, a fallback ID handed out with a
/// refusal) shows it: an ID the service handed out is never lost.
fn report(out: &mut impl Write, minting: &Minting, json: bool) -> std::io::Result<()> {
    match (&minting.result, json) {
        (Ok(MintAnswer::Minted(id)), false) => writeln!(out, "✓ {id}"),
        (Ok(MintAnswer::Minted(id)), true) => {
            writeln!(out, "{}", json!({"id": id.to_string(), "kind": "minted"}))
        }
        (Ok(MintAnswer::Pending { id, code }), false) => writeln!(
            out,
            "! {id}  pending: a fallback ID ({}), not a final ID",
            code.map_or("no code".to_string(), |c| c.to_string())
        ),
        (Ok(MintAnswer::Pending { id, code }), true) => writeln!(
            out,
            "{}",
            json!({"id": id.to_string(), "kind": "pending", "fallback_code": code.and_then(|c| c.name())})
        ),
        // A failure that carries an ID the service handed out keeps the ID with the IDs
        // on standard output; the message goes to standard error in either case.
        (Err(error), false) => {
            if let Some((id, what)) = handed_out(error) {
                writeln!(out, "✗ {id}  {what}")?;
            }
            writeln!(std::io::stderr().lock(), "✗ {}", describe(error))
        }
        (Err(error), true) => writeln!(out, "{}", error_json(error)),
    }
}

/// What the journal's resolution did: each mint of an earlier run resolved by a resend
/// with its key (its ID with the IDs, on standard output), and each still unresolved
/// (standard error in text mode).
fn report_resolution(
    out: &mut impl Write,
    resolution: &chittyid_std::journal::Resolution,
    json: bool,
) -> std::io::Result<()> {
    for resolved in &resolution.resolved {
        let mint = resolved.mint;
        match (&resolved.result, json) {
            (Ok(answer), true) => {
                let (id, kind) = match answer {
                    MintAnswer::Minted(id) => (id, "minted"),
                    MintAnswer::Pending { id, .. } => (id, "pending"),
                };
                let line = json!({"id": id.to_string(), "kind": kind, "resolved_mint": mint});
                writeln!(out, "{line}")?;
            }
            (Ok(MintAnswer::Minted(id)), false) => {
                writeln!(
                    out,
                    "✓ {id}  resolved journal mint {mint} (sent by an earlier run)"
                )?;
            }
            (Ok(MintAnswer::Pending { id, .. }), false) => writeln!(
                out,
                "! {id}  pending: resolved journal mint {mint} (sent by an earlier run)"
            )?,
            (Err(error), true) => {
                let mut value = error_json(error);
                if let Some(object) = value.as_object_mut() {
                    object.insert("resolved_mint".to_string(), json!(mint));
                }
                writeln!(out, "{value}")?;
            }
            (Err(error), false) => {
                if let Some((id, what)) = handed_out(error) {
                    writeln!(out, "✗ {id}  {what}; resolved journal mint {mint}")?;
                }
            }
        }
    }
    for (unresolved, why) in &resolution.unresolved {
        let mint = unresolved.mint;
        if json {
            let line = json!({"unresolved_mint": mint, "reason": why.to_string(),
                "idempotency_key": unresolved.key.map(|k| k.as_str().to_string())});
            writeln!(out, "{line}")?;
        } else {
            writeln!(
                std::io::stderr().lock(),
                "! journal mint {mint} is still unresolved: {why}"
            )?;
        }
    }
    Ok(())
}

/// A failed mint as one JSON object: the message, a stable code, and what is known.
fn error_json(error: &MintError) -> serde_json::Value {
    let mut value = json!({"error": describe(error), "code": error_code(error)});
    let fields = match error {
        MintError::Mismatch { id, .. } => json!({"id": id.to_string(), "kind": "mismatch"}),
        MintError::TokenRefused { fallback }
        | MintError::RequestRefused { fallback }
        | MintError::RateLimited { fallback, .. } => {
            json!({"fallback_id": fallback.to_string()})
        }
        MintError::OutcomeUnknown {
            attempts,
            key,
            resend_safe,
            ..
        } => json!({
            "attempts": attempts,
            "idempotency_key": key.map(|k| k.as_str().to_string()),
            "resend_safe": resend_safe,
        }),
        _ => json!({}),
    };
    if let (Some(value), serde_json::Value::Object(fields)) = (value.as_object_mut(), fields) {
        value.extend(fields);
    }
    value
}

/// The ID a failure carries, with what it is: a minted ID unlike the request, or the
/// fallback ID handed out with a refusal.
fn handed_out(error: &MintError) -> Option<(chittyid::ChittyId, &'static str)> {
    match *error {
        MintError::Mismatch { id, .. } => Some((id, "minted, but not what was asked")),
        MintError::TokenRefused { fallback }
        | MintError::RequestRefused { fallback }
        | MintError::RateLimited { fallback, .. } => Some((
            fallback,
            "pending fallback ID of a refused mint, not a final ID",
        )),
        _ => None,
    }
}

/// A stable name for each kind of mint failure, for scripts.
fn error_code(error: &MintError) -> &'static str {
    match error {
        MintError::Unavailable(Unanswered::Throttled { .. }) => "throttled",
        MintError::Unavailable(_) => "unavailable",
        MintError::OutcomeUnknown { .. } => "outcome_unknown",
        MintError::Unauthorized { .. } | MintError::TokenRefused { .. } => "token_refused",
        MintError::Rejected { .. } | MintError::RequestRefused { .. } => "rejected",
        MintError::RateLimited { .. } => "rate_limited",
        MintError::Mismatch { .. } => "mismatch",
        MintError::ReservedJurisdiction => "reserved_jurisdiction",
        _ => "other",
    }
}

/// A mint error for people, with the fix for a missing or wrong token.
pub fn describe(error: &MintError) -> String {
    match error {
        MintError::Unauthorized { .. } | MintError::TokenRefused { .. } => {
            format!("{error}; give the right token with --token or CHITTY_ID_TOKEN")
        }
        MintError::Unavailable(Unanswered::Throttled { .. }) => format!(
            "{error}; allow more with --rate (such as --rate 20/sec), or mint fewer at once"
        ),
        other => other.to_string(),
    }
}
