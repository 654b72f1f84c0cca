//! The client's own rate limit, counted on the simulated clock (no timing): the rate
//! the default keeps under load, the typed error of a call that would wait past its
//! deadline, and the slow-down against a minting back end that limits. The sweep of
//! client rates against back-end limits is kept as a snapshot
//! (`tests/data/rate_limit_sweep.txt`; `CHITTYID_UPDATE_SNAPSHOT=1` writes a new one):
//! the evidence for the default of 10 mints a second.

mod sim;

use std::fmt::Write;

use chittyid::EntityType;
use chittyid::engine::{
    DEFAULT_MINT_RATE, Endpoint, EngineConfig, Event, MintError, MintResult, Unanswered,
};
use chittyid::resilience::RateLimit;
use chittyid::wire::{MintAnswer, MintRequest};
use sim::{Faults, Operation, Outcome, Sim};

fn mint() -> Operation<'static> {
    Operation::Mint(MintRequest::new(EntityType::Person))
}

fn result(outcome: Option<Outcome>) -> MintResult {
    match outcome {
        Some(Outcome::Mint(result)) => result,
        other => panic!("not a mint: {other:?}"),
    }
}

/// Mint requests sent in each second of the simulated clock.
fn per_second(sim: &Sim) -> Vec<u64> {
    let mut seconds = Vec::new();
    for &(endpoint, at) in &sim.send_times {
        if endpoint == Endpoint::Mint {
            let second = (at / 1000) as usize;
            if seconds.len() <= second {
                seconds.resize(second + 1, 0);
            }
            seconds[second] += 1;
        }
    }
    seconds
}

#[test]
fn the_default_keeps_ten_mints_a_second_under_load() {
    let mut sim = Sim::new(EngineConfig::default(), Faults::default(), 1);
    for _ in 0..300 {
        sim.start(mint());
    }
    sim.run();
    assert!(
        sim.clients
            .iter()
            .all(|c| matches!(result(c.outcome), Ok(MintAnswer::Minted(_))))
    );
    let seconds = per_second(&sim);
    // A burst of 10 and one every 100 ms: 19 in the first second, then 10 in each.
    assert_eq!(seconds[0], 19);
    assert!(
        seconds[1..seconds.len() - 1].iter().all(|&n| n == 10),
        "{seconds:?}"
    );
    assert_eq!(seconds.iter().sum::<u64>(), 300);
    let stats = sim.engine.stats();
    assert_eq!(stats.endpoint(Endpoint::Mint).paced, 290);
    assert_eq!(sim.count_events(|e| matches!(e, Event::Paced { .. })), 290);
}

#[test]
fn a_mint_that_would_wait_past_its_deadline_fails_at_once_with_a_typed_error() {
    let mut sim = Sim::new(EngineConfig::default(), Faults::default(), 1);
    for _ in 0..400 {
        sim.start(mint());
    }
    sim.run();
    let deadline = EngineConfig::default().call_deadline.as_millis() as u64;
    let throttled: Vec<_> = sim
        .clients
        .iter()
        .filter(|c| {
            matches!(
                result(c.outcome),
                Err(MintError::Unavailable(Unanswered::Throttled { until }))
                    if until.as_millis() >= deadline
            )
        })
        .collect();
    // 10 at once and one per 100 ms fill the 30 s deadline with 309 mints.
    assert_eq!(throttled.len(), 91);
    assert!(
        throttled.iter().all(|c| c.finished == Some(c.started)),
        "at once"
    );
    assert_eq!(sim.engine.stats().endpoint(Endpoint::Mint).throttled, 91);
    assert_eq!(sim.engine.stats().endpoint(Endpoint::Mint).attempts, 309);
}

#[test]
fn validations_are_not_limited_by_default_and_can_be() {
    let ids: Vec<Vec<u8>> = (0..50u32)
        .map(|n| {
            chittyid_test_support::ids::distinct(n)
                .to_string()
                .into_bytes()
        })
        .collect();
    let run = |config: EngineConfig| {
        let mut sim = Sim::new(config, Faults::default(), 1);
        for id in &ids {
            sim.start(Operation::Validate(id));
        }
        sim.run();
        sim.send_times.iter().map(|&(_, at)| at).max().unwrap()
    };
    assert_eq!(run(EngineConfig::default()), 0, "all at once");
    let mut limited = EngineConfig::default();
    limited.validate_rate = Some(RateLimit::per_second(20).with_burst(1));
    assert_eq!(run(limited), 49 * 50, "one per 50 ms");
}

/// One run of the sweep: `offered` mints, one every `every_ms`, against `faults`.
struct Run {
    minted: u64,
    /// `RATE_LIMITED` answers the service gave.
    limited_answers: u64,
    /// Mints that ended without an ID (rate limited after retries, or throttled).
    failed: u64,
    /// Mint requests sent.
    requests: u64,
    /// When the last mint ended, in ms.
    span_ms: u64,
    mean_latency_ms: u64,
}

fn run(rate: Option<RateLimit>, backend: Option<u32>, offered: u32, every_ms: u64) -> Run {
    let mut config = EngineConfig::default();
    config.mint_rate = rate;
    let faults = Faults {
        backend_mints_per_second: backend,
        latency_ms: 5,
        ..Faults::default()
    };
    let mut sim = Sim::new(config, faults, 7);
    for n in 0..offered {
        sim.now = u64::from(n) * every_ms;
        sim.start(mint());
        sim.run_until(sim.now + every_ms - 1);
    }
    sim.run();
    let minted = sim
        .clients
        .iter()
        .filter(|c| matches!(result(c.outcome), Ok(MintAnswer::Minted(_))))
        .count() as u64;
    let latency: u64 = sim
        .clients
        .iter()
        .map(|c| c.finished.unwrap() - c.started)
        .sum();
    Run {
        minted,
        limited_answers: sim.service.rate_limited,
        failed: u64::from(offered) - minted,
        requests: sim.engine.stats().endpoint(Endpoint::Mint).attempts,
        span_ms: sim.clients.iter().filter_map(|c| c.finished).max().unwrap(),
        mean_latency_ms: latency / u64::from(offered),
    }
}

fn rate_name(rate: Option<RateLimit>) -> String {
    match rate {
        None => "none".into(),
        Some(r) if r == DEFAULT_MINT_RATE => format!("{}/s (default)", r.requests),
        Some(r) => format!("{}/s", r.requests),
    }
}

#[test]
fn the_sweep_of_client_rates_against_back_end_limits_is_unchanged() {
    let rates = [
        None,
        Some(RateLimit::per_second(5)),
        Some(DEFAULT_MINT_RATE),
        Some(RateLimit::per_second(20)),
    ];
    let mut text = String::new();
    writeln!(
        text,
        "300 mints offered at 20/s; {:<15} {:<10} {:>6} {:>7} {:>6} {:>8} {:>8} {:>9}",
        "client limit", "back end", "minted", "limited", "failed", "requests", "span s", "mean ms"
    )
    .unwrap();
    let mut figures = Vec::new();
    for backend in [None, Some(5), Some(20)] {
        for rate in rates {
            let r = run(rate, backend, 300, 50);
            writeln!(
                text,
                "                          {:<15} {:<10} {:>6} {:>7} {:>6} {:>8} {:>8.1} {:>9}",
                rate_name(rate),
                backend.map_or("unlimited".into(), |b| format!("{b}/s")),
                r.minted,
                r.limited_answers,
                r.failed,
                r.requests,
                r.span_ms as f64 / 1000.0,
                r.mean_latency_ms
            )
            .unwrap();
            figures.push((rate, backend, r));
        }
    }
    sim::assert_snapshot("rate_limit_sweep.txt", &text);
    let find = |rate: Option<RateLimit>, backend: Option<u32>| {
        &figures
            .iter()
            .find(|(r, b, _)| *r == rate && *b == backend)
            .unwrap()
            .2
    };
    // Against a back end that limits below the client's rate, the default mints more
    // than a client with no limit (whose rate-limit answers open the breaker), and the
    // slow-down keeps rate-limit answers to a small share of its requests.
    let default = find(Some(DEFAULT_MINT_RATE), Some(5));
    let unlimited = find(None, Some(5));
    assert!(default.minted > unlimited.minted);
    assert!(
        default.limited_answers * 100 <= default.requests * 15,
        "{} of {} requests answered RATE_LIMITED",
        default.limited_answers,
        default.requests
    );
    // Against a back end that does not limit, the default costs nothing but time.
    assert_eq!(find(Some(DEFAULT_MINT_RATE), None).minted, 300);
}

#[test]
fn the_pace_slows_on_rate_limits_and_comes_back() {
    let faults = Faults {
        backend_mints_per_second: Some(3),
        ..Faults::default()
    };
    let mut sim = Sim::new(EngineConfig::default(), faults, 3);
    for _ in 0..30 {
        sim.start(mint());
    }
    sim.run();
    let slowed = sim.count_events(|e| matches!(e, Event::Pace { slowed: true, .. }));
    assert!(slowed > 0);
    assert_eq!(
        sim.engine.stats().endpoint(Endpoint::Mint).pace_slowdowns,
        slowed as u64
    );
    // Later mints, one at a time, answered without limits: the pace recovers in full.
    sim.service.faults.backend_mints_per_second = None;
    for _ in 0..40 {
        sim.now += 2_000;
        sim.call(mint());
    }
    let Some(Event::Pace { per_minute, .. }) = sim
        .engine
        .observer()
        .events
        .iter()
        .rev()
        .find(|e| matches!(e, Event::Pace { .. }))
    else {
        panic!("no pace event")
    };
    assert_eq!(*per_minute, 600, "back to 10 a second");
}
