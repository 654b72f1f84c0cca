//! The self-test that firmware runs on an emulated Cortex-M and the host runs beside
//! it: the shared vectors through the parser, the checksum's worked example, and the
//! engine through a breaker trip and recovery on a fake clock. Both write the same
//! report; a difference fails the run.

use core::fmt::Write;
use core::time::Duration;

use serde::Deserialize;

use crate::engine::{
    Action, CacheSlot, Endpoint, Engine, EngineConfig, Event, Fact, Observer, Response, Validation,
};
use crate::resilience::{BreakerState, Instant};
use crate::wire::Text;
use crate::{ChittyId, checksum};

#[derive(Deserialize)]
struct Vector {
    id: Text<64>,
    valid: bool,
    kind: Text<32>,
}

/// Remembers breaker transitions.
#[derive(Default)]
struct Transitions {
    seen: [Option<(BreakerState, BreakerState)>; 8],
    count: usize,
}

impl Observer for Transitions {
    fn on_event(&mut self, event: &Event) {
        if let Event::Breaker { transition, .. } = event
            && let Some(slot) = self.seen.get_mut(self.count)
        {
            *slot = Some((transition.from, transition.to));
            self.count += 1;
        }
    }
}

/// Runs the self-test over `vectors` (the text of `vectors.jsonl`), writing the report
/// to `out`. Returns `true` when everything agreed.
pub fn run(vectors: &[u8], out: &mut impl Write) -> bool {
    let vectors_ok = check_vectors(vectors, out);
    let checksum_ok = checksum::compute("031USA5537P26020") == Ok(38);
    let _ = writeln!(
        out,
        "checksum: worked example gives {:?}",
        checksum::compute("031USA5537P26020")
    );
    let engine_ok = breaker_trip_and_recovery(out);
    let pass = vectors_ok && checksum_ok && engine_ok;
    let _ = writeln!(out, "selftest: {}", if pass { "PASS" } else { "FAIL" });
    pass
}

fn check_vectors(vectors: &[u8], out: &mut impl Write) -> bool {
    let (mut total, mut agree) = (0u32, 0u32);
    let mut fingerprint: u32 = 0;
    for line in vectors
        .split(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
    {
        total += 1;
        let mut scratch = [0u8; 128];
        let Ok((vector, _)) = serde_json_core::from_slice_escaped::<Vector>(line, &mut scratch)
        else {
            let _ = writeln!(out, "vector {total}: unreadable");
            continue;
        };
        let (valid, kind) = match ChittyId::parse_bytes(vector.id.as_str().as_bytes()) {
            Ok(id) => (id.is_canonical(), id.kind().code()),
            Err(e) => (false, e.kind().code()),
        };
        if valid == vector.valid && kind == vector.kind.as_str() {
            agree += 1;
        } else {
            let _ = writeln!(
                out,
                "vector {total}: {:?} expected {} got {kind}",
                vector.id.as_str(),
                vector.kind.as_str()
            );
        }
        // A running fingerprint of every verdict, so the two reports compare in detail.
        for b in kind.bytes().chain([valid as u8]) {
            fingerprint = fingerprint.rotate_left(5) ^ u32::from(b);
        }
    }
    let _ = writeln!(
        out,
        "vectors: {total} checked, {agree} agree, {} disagree, fingerprint {fingerprint:08x}",
        total - agree
    );
    total > 0 && agree == total
}

fn breaker_trip_and_recovery(out: &mut impl Write) -> bool {
    let mut engine: Engine<[CacheSlot; 32], Transitions> =
        Engine::with_observer(EngineConfig::default(), 1, Transitions::default());
    let mut buf = [0u8; 320];
    let mut now = Instant::from_millis(1_000);
    let mut sent = 0u32;
    let id = b"03-1-USA-5537-P-2602-0-38";
    // The service is down: every request is refused.
    let mut fast = 0;
    for _ in 0..6 {
        let mut call = engine.begin_validate(id, now);
        let began = now;
        loop {
            match engine.poll(&mut call, now, &mut buf) {
                Action::Send { .. } => {
                    sent += 1;
                    engine.report(&mut call, Fact::NotSent, now);
                }
                // One call at a time: none follows another, but one would wait at most
                // until its deadline.
                Action::WaitUntil(at) | Action::Follow { until: at } => now = at,
                Action::Done(_) => break,
            }
        }
        if now == began {
            fast += 1;
        }
        now = now.saturating_add(Duration::from_millis(100));
    }
    // The service is back; after the reset time, probes close the breaker.
    now = now.saturating_add(engine.config().breaker.reset_timeout);
    let mut answered = 0;
    for _ in 0..3 {
        let mut call = engine.begin_validate(id, now);
        loop {
            match engine.poll(&mut call, now, &mut buf) {
                Action::Send { .. } => {
                    sent += 1;
                    let ok = Response::new(200, br#"{"valid":false}"#);
                    engine.report(&mut call, Fact::Answered(ok), now);
                }
                // One call at a time: none follows another, but one would wait at most
                // until its deadline.
                Action::WaitUntil(at) | Action::Follow { until: at } => now = at,
                Action::Done(Validation::Authoritative { id, .. }) => {
                    answered += 1;
                    // Each probe asks the service again.
                    engine.invalidate(id);
                    break;
                }
                Action::Done(_) => break,
            }
        }
    }
    let transitions = engine.observer();
    let _ = write!(
        out,
        "engine: {sent} requests, {fast} refused at once, {answered} answered after recovery;"
    );
    for (from, to) in transitions.seen.iter().flatten() {
        let _ = write!(out, " {from:?}->{to:?}");
    }
    let _ = writeln!(out);
    let closed = engine.breaker_state(Endpoint::Validate) == BreakerState::Closed;
    // Failures in a row open it; then the three probes.
    let trip = u32::from(engine.config().breaker.consecutive_failures);
    closed && answered == 3 && fast >= 3 && sent == trip + 3
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_self_test_passes_on_the_host() {
        let vectors = include_bytes!("../../../tests/data/vectors.jsonl");
        let mut report = std::string::String::new();
        let pass = super::run(vectors, &mut report);
        assert!(pass, "{report}");
        assert!(report.contains("1048 checked, 1048 agree"), "{report}");
    }
}
