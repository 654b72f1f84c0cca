//! Fuzzes the call engine with arbitrary sequences of calls, answers, transport errors,
//! time-outs, cancellations and time jumps, checking its promises after every step: no
//! panic; at most K probes out while half-open; no mint sent again after it may have
//! reached the service unless its key is known to be honoured; nothing scheduled past a
//! call's deadline.
#![no_main]

use chittyid::EntityType;
use chittyid::engine::{
    Action, Call, Endpoint, Engine, EngineConfig, KeyPolicy, Operation, Response,
};
use chittyid::resilience::{BreakerState, Failure, Instant};
use chittyid::wire::MintRequest;
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

struct Tracked {
    call: Call,
    /// An attempt is out (sent, not yet reported).
    out: bool,
    /// That attempt is a half-open probe.
    probe: bool,
    /// A mint whose request may have reached the service, with no key known to be
    /// honoured.
    unsafe_to_resend: bool,
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, ops)) = data.split_first() else {
        return;
    };
    let config = EngineConfig {
        idempotency_keys: [KeyPolicy::Off, KeyPolicy::Learn, KeyPolicy::Honoured]
            [usize::from(first % 3)],
        ..EngineConfig::default()
    };
    let probes_allowed = u32::from(config.breaker.half_open_probes);
    let mut engine: Engine<8> = Engine::new(config, u64::from(first));
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
                    let call = engine.begin(operation, now);
                    calls.push(Tracked {
                        call,
                        out: false,
                        probe: false,
                        unsafe_to_resend: false,
                    });
                }
            }
            3 if !calls.is_empty() => {
                let t = &mut calls[pick];
                if t.out {
                    continue;
                }
                let endpoint = t.call.endpoint();
                let was_closed = engine.breaker_state(endpoint) == BreakerState::Closed;
                match engine.poll(&mut t.call, now, &mut buf) {
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
                    }
                    Action::WaitUntil(at) => {
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
                let failure = match op % 10 {
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
                        engine.on_response(&mut t.call, response, now);
                        matches!(status, 200 | 201 | 502 | 504 | 500).then_some(())
                    }
                    5 if arg & 1 == 0 => {
                        engine.on_transport_error(&mut t.call, Failure::NotSent, now);
                        None
                    }
                    5 => {
                        engine.on_transport_error(&mut t.call, Failure::NoResponse, now);
                        Some(())
                    }
                    6 => {
                        engine.on_timeout(&mut t.call, now);
                        Some(())
                    }
                    _ => {
                        engine.on_invalid_response(&mut t.call, now);
                        Some(())
                    }
                };
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
                engine.cancel(&mut t.call);
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
