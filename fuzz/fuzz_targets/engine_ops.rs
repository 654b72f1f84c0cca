//! Fuzzes the call engine with arbitrary sequences of calls, facts (answers, some read
//! through the core's HTTP reader from raw bytes split at arbitrary points; transport
//! errors), time-outs, cancellations and time jumps, checking its promises after every
//! step: no
//! panic; at most K probes out while half-open; no mint sent again after it may have
//! reached the service unless its key is known to be honoured; nothing scheduled past a
//! call's deadline.
#![no_main]

use chittyid::EntityType;
use chittyid::engine::{
    Action, CacheSlot, Endpoint, Engine, EngineConfig, Fact, KeyPolicy, Response,
};
use chittyid::resilience::{BreakerState, Instant};
use chittyid::wire::{MintRequest, ResponseReader};
use chittyid_test_support::calls::{AnyCall, Operation};
use libfuzzer_sys::fuzz_target;

const STATUSES: [u16; 10] = [200, 201, 400, 401, 404, 422, 429, 500, 503, 504];
const BODIES: [&[u8]; 7] = [
    br#"{"valid":true}"#,
    br#"{"valid":false,"reason":"unknown"}"#,
    br#"{"success":true,"chittyId":"03-1-USA-5537-P-2602-0-38"}"#,
    br#"{"chittyId":"03-0-ERR-0001-T-2611-0-32","fallback":true}"#,
    br#"{"chittyId":"03-1-USA-5537-P-2602-0-39"}"#,
    br#"{"status":"ok"}"#,
    b"<html>bad gateway</html>",
];
const INPUTS: [&[u8]; 3] = [
    b"03-1-USA-5537-P-2602-0-38",
    b"03-1-USA-7165-T-2602-0-13",
    b"not an id",
];

/// Raw answers for the reader, cut into reads at points the input picks.
const RAW: [&[u8]; 4] = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"valid\":true}",
    b"HTTP/1.1 503 Unavailable\r\nRetry-After: 1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{}  \r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n\r\n{\"status\":\"ok\"}",
    b"HTTP/1.1 200 OK\r\nContent-Length: 900\r\n\r\n{\"chittyId\":",
];

/// Reads `raw` through the core's reader into `buf` in reads of `step` bytes, the peer
/// closing after the last.
fn read_raw<'b>(raw: &[u8], step: usize, buf: &'b mut [u8]) -> Fact<'b> {
    let mut reader = ResponseReader::new();
    let mut sent = 0;
    while !reader.is_finished() {
        let room = reader.unfilled(buf);
        let n = step.max(1).min(room.len()).min(raw.len() - sent);
        room[..n].copy_from_slice(&raw[sent..sent + n]);
        sent += n;
        reader.received(buf, n);
    }
    let buf: &'b [u8] = buf;
    reader.fact(buf)
}

struct Tracked {
    call: AnyCall,
    /// An attempt is out (sent, not yet reported).
    out: bool,
    /// That attempt is a half-open probe.
    probe: bool,
    /// When that attempt times out.
    timeout_at: Instant,
    /// A mint whose request may have reached the service, with no key known to be
    /// honoured.
    unsafe_to_resend: bool,
    /// The attempt timed out with no fact: the engine decides at the call's next poll,
    /// and is judged then (keys may have been learned meanwhile).
    timed_out: bool,
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, ops)) = data.split_first() else {
        return;
    };
    let mut config = EngineConfig::new();
    config.idempotency_keys =
        [KeyPolicy::Off, KeyPolicy::Learn, KeyPolicy::Honoured][usize::from(first % 3)];
    let probes_allowed = u32::from(config.breaker.half_open_probes);
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(config, u64::from(first));
    let mut now = Instant::from_millis(0);
    let mut calls: Vec<Tracked> = Vec::new();
    let mut buf = [0u8; 320];
    for pair in ops.chunks(2) {
        let (op, arg) = (pair[0], *pair.get(1).unwrap_or(&0));
        let pick = if calls.is_empty() {
            0
        } else {
            usize::from(arg) % calls.len()
        };
        match op % 10 {
            0..=2 => {
                if calls.len() < 16 {
                    let operation = match op % 10 {
                        0 => Operation::Validate(INPUTS[usize::from(arg) % INPUTS.len()]),
                        1 => Operation::Mint(MintRequest::new(EntityType::Person)),
                        _ if arg & 1 == 1 => Operation::HealthCheck,
                        _ => Operation::Health,
                    };
                    let call = AnyCall::begin(&mut engine, operation, now);
                    calls.push(Tracked {
                        call,
                        out: false,
                        probe: false,
                        timeout_at: now,
                        unsafe_to_resend: false,
                        timed_out: false,
                    });
                }
            }
            3 if !calls.is_empty() => {
                let t = &mut calls[pick];
                if t.out {
                    continue;
                }
                let endpoint = t.call.endpoint();
                if std::mem::take(&mut t.timed_out)
                    && endpoint == Endpoint::Mint
                    && !(t.call.idempotency_key().is_some() && engine.keys_honoured())
                {
                    // The attempt that timed out may have reached the service.
                    t.unsafe_to_resend = true;
                }
                let was_closed = engine.breaker_state(endpoint) == BreakerState::Closed;
                match t.call.poll(&mut engine, now, &mut buf) {
                    Action::Send {
                        request,
                        timeout_at,
                    } => {
                        assert!(!t.unsafe_to_resend, "a mint was sent again unsafely");
                        assert!(timeout_at <= t.call.deadline(), "attempt past the deadline");
                        if endpoint == Endpoint::Mint {
                            assert_eq!(
                                request.idempotency_key.is_some(),
                                config.idempotency_keys != KeyPolicy::Off
                            );
                        }
                        t.out = true;
                        t.probe = !was_closed;
                        t.timeout_at = timeout_at;
                    }
                    Action::WaitUntil(at) | Action::Follow { until: at } => {
                        assert!(at <= t.call.deadline(), "wait past the deadline")
                    }
                    Action::Done(_) => {}
                }
            }
            4..=7 if !calls.is_empty() => {
                let t = &mut calls[pick];
                if !t.out {
                    continue;
                }
                t.out = false;
                let key = t.call.idempotency_key().copied();
                let mut raw_buf = [0u8; 256];
                // Whether the request may have reached the service.
                let (fact, arrived) = match op % 10 {
                    4 => {
                        let status = STATUSES[usize::from(arg) % STATUSES.len()];
                        let body = BODIES[usize::from(arg / 16) % BODIES.len()];
                        // Sometimes the service echoes the key, saying it honours keys.
                        let echo = key.filter(|_| arg & 2 == 2);
                        let response = Response {
                            status,
                            retry_after: (arg & 1 == 1).then_some(&b"2"[..]),
                            idempotency_key: echo.as_ref().map(|k| k.as_str().as_bytes()),
                            body,
                            // Sometimes the adapter kept only the start of the body.
                            cut: arg & 4 == 4,
                        };
                        t.call.report(&mut engine, Fact::Answered(response), now);
                        (None, matches!(status, 200 | 201 | 502 | 504 | 500))
                    }
                    5 if arg & 1 == 0 => (Some(Fact::NotSent), false),
                    5 => (Some(Fact::Broken), true),
                    // No fact by the time-out: the next poll ends the attempt.
                    6 => (None, true),
                    _ if arg & 1 == 0 => (Some(Fact::NotHttp), true),
                    _ => {
                        let raw = RAW[usize::from(arg / 2) % RAW.len()];
                        let fact = read_raw(raw, usize::from(arg / 8), &mut raw_buf);
                        // As for op 4: an explicit refusal (429, 503) says nothing was done.
                        let arrived = match fact {
                            Fact::Answered(answer) => !matches!(answer.status, 429 | 503),
                            _ => true,
                        };
                        (Some(fact), arrived)
                    }
                };
                match fact {
                    Some(fact) => t.call.report(&mut engine, fact, now),
                    // The clock reaches the time-out; the call's next poll ends it.
                    None if op % 10 == 6 => {
                        now = now.max(t.timeout_at);
                        t.timed_out = true;
                        continue;
                    }
                    None => {}
                }
                let failure = arrived.then_some(());
                // Judged after the report, which may have taught the engine that keys are
                // honoured.
                let resendable = key.is_some() && engine.keys_honoured();
                if t.call.endpoint() == Endpoint::Mint && !resendable && failure.is_some() {
                    t.unsafe_to_resend = true;
                }
            }
            8 => now = now.saturating_add(core::time::Duration::from_millis(u64::from(arg) * 500)),
            9 if !calls.is_empty() => {
                let mut t = calls.swap_remove(pick);
                t.call.cancel(&mut engine);
            }
            _ => {}
        }
        for endpoint in Endpoint::ALL {
            if engine.breaker_state(endpoint) == BreakerState::HalfOpen {
                let probes = calls
                    .iter()
                    .filter(|t| t.out && t.probe && t.call.endpoint() == endpoint)
                    .count() as u32;
                assert!(probes <= probes_allowed, "{probes} probes out");
            }
        }
        calls.retain(|t| !t.call.is_finished());
    }
});
