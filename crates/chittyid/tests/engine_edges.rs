//! The engine's edges: a request that does not fit the engine's or the adapter's
//! buffer, a call abandoned mid-flight (its probe slot comes back, its outcome says
//! so), facts or cancellations that arrive for a call with nothing in flight, and a
//! clock that jumps forward (a device waking from sleep).

use chittyid::EntityType;
use chittyid::engine::{
    Action, CacheSlot, Endpoint, Engine, EngineConfig, Fact, MintError, Response, Unanswered,
    Validation,
};
use chittyid::resilience::{BreakerState, Instant};
use chittyid::wire::MintRequest;

const ID: &[u8] = b"03-1-USA-5537-P-2602-0-38";
/// A second production ID (CHITTYID.md section 2).
const OTHER_ID: &[u8] = b"03-1-USA-7165-T-2602-0-13";

#[test]
fn a_request_that_does_not_fit_is_not_sent_and_says_why() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let now = Instant::from_millis(0);
    let mut tiny = [0u8; 8];
    let mut call = engine.begin_validate(ID, now);
    let Action::Done(Validation::LocalOnly { reason, .. }) = engine.poll(&mut call, now, &mut tiny)
    else {
        panic!("a validation that cannot be sent is local-only");
    };
    assert_eq!(reason, Unanswered::BufferTooSmall);
    let mut call = engine.begin_mint(MintRequest::new(EntityType::Place), now);
    assert_eq!(
        engine.poll(&mut call, now, &mut tiny),
        Action::Done(Err(MintError::Unavailable(Unanswered::BufferTooSmall)))
    );
    assert_eq!(engine.stats().endpoint(Endpoint::Mint).attempts, 0);
}

/// Opens the validation breaker with refused connections.
fn open_validation_breaker(engine: &mut Engine<[CacheSlot; 8]>, buf: &mut [u8]) {
    let now = Instant::from_millis(0);
    while engine.breaker_state(Endpoint::Validate) != BreakerState::Open {
        let mut call = engine.begin_validate(ID, now);
        while let Action::Send { .. } = engine.poll(&mut call, now, buf) {
            engine.report(&mut call, Fact::NotSent, now);
        }
        // Backing off: given up (a call is driven to its end or cancelled).
        engine.cancel(&mut call);
    }
}

#[test]
fn a_cancelled_probe_frees_its_slot_and_ends_as_cancelled() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut buf = [0u8; 320];
    open_validation_breaker(&mut engine, &mut buf);
    let now = Instant::from_millis(61_000);
    let mut probe = engine.begin_validate(ID, now);
    assert!(matches!(
        engine.poll(&mut probe, now, &mut buf),
        Action::Send { .. }
    ));
    // Another ID (a validation of the same one would follow the probe instead).
    let mut waiting = engine.begin_validate(OTHER_ID, now);
    assert!(
        matches!(engine.poll(&mut waiting, now, &mut buf), Action::Done(_)),
        "the one slot is taken"
    );
    engine.cancel(&mut probe);
    assert!(matches!(
        engine.poll(&mut probe, now, &mut buf),
        Action::Done(Validation::LocalOnly {
            reason: Unanswered::Cancelled,
            ..
        })
    ));
    let mut next = engine.begin_validate(ID, now);
    assert!(
        matches!(engine.poll(&mut next, now, &mut buf), Action::Send { .. }),
        "the slot came back"
    );
}

#[test]
fn a_request_the_adapter_cannot_frame_ends_the_call_without_a_breaker_failure() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut buf = [0u8; 320];
    let now = Instant::from_millis(0);
    for _ in 0..20 {
        let mut call = engine.begin_validate(ID, now);
        assert!(matches!(
            engine.poll(&mut call, now, &mut buf),
            Action::Send { .. }
        ));
        engine.report(&mut call, Fact::DoesNotFit, now);
        assert!(matches!(
            engine.poll(&mut call, now, &mut buf),
            Action::Done(Validation::LocalOnly {
                reason: Unanswered::BufferTooSmall,
                ..
            })
        ));
        assert_eq!(call.attempts(), 0, "nothing was sent");
    }
    assert_eq!(
        engine.breaker_state(Endpoint::Validate),
        BreakerState::Closed
    );
    let validate = *engine.stats().endpoint(Endpoint::Validate);
    assert_eq!((validate.attempts, validate.failed), (0, 20));
}

#[test]
fn cancelling_a_finished_call_changes_nothing() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut buf = [0u8; 320];
    let now = Instant::from_millis(0);
    // A malformed validation is finished at once; cancelling it keeps its verdict.
    let mut malformed = engine.begin_validate(b"03-1-USA-5537-P-2602-0-39", now);
    engine.cancel(&mut malformed);
    let Action::Done(Validation::Malformed(error)) = engine.poll(&mut malformed, now, &mut buf)
    else {
        panic!("still malformed");
    };
    assert_eq!(error.kind().code(), "checksum_mismatch");
    // An answered one keeps its answer, and the statistics do not move.
    let mut answered = engine.begin_validate(ID, now);
    assert!(matches!(
        engine.poll(&mut answered, now, &mut buf),
        Action::Send { .. }
    ));
    let ok = Response::new(200, br#"{"valid":true}"#);
    engine.report(&mut answered, Fact::Answered(ok), now);
    let before = engine.stats();
    engine.cancel(&mut answered);
    assert_eq!(engine.stats(), before);
    assert!(matches!(
        engine.poll(&mut answered, now, &mut buf),
        Action::Done(Validation::Authoritative {
            valid: true,
            cached: false,
            ..
        })
    ));
    assert_eq!(
        engine.health_state(),
        chittyid::resilience::HealthState::Connected
    );
}

#[test]
fn a_fact_for_a_call_with_nothing_in_flight_changes_nothing() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut buf = [0u8; 320];
    let now = Instant::from_millis(0);
    let mut call = engine.begin_validate(ID, now);
    // Before its first poll nothing is out: a fact is ignored.
    engine.report(&mut call, Fact::Broken, now);
    assert_eq!(engine.stats().endpoint(Endpoint::Validate).failed, 0);
    assert!(matches!(
        engine.poll(&mut call, now, &mut buf),
        Action::Send { .. }
    ));
    let ok = Response::new(200, br#"{"valid":false}"#);
    engine.report(&mut call, Fact::Answered(ok), now);
    // A second report of the same attempt (a bug in an adapter) counts nothing twice.
    let before = engine.stats();
    engine.report(&mut call, Fact::Broken, now);
    engine.report(&mut call, Fact::Answered(ok), now);
    assert_eq!(engine.stats(), before);
    assert!(matches!(
        engine.poll(&mut call, now, &mut buf),
        Action::Done(Validation::Authoritative { valid: false, .. })
    ));
}

#[test]
fn a_clock_that_jumps_forward_after_sleep_ends_what_was_due_and_forgets_expired_answers() {
    // A device sleeps ten hours mid-call: the clock it passes in jumps.
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut buf = [0u8; 320];
    let before = Instant::from_millis(0);
    let after = Instant::from_millis(10 * 3_600_000);
    // A cached answer, and a call in flight.
    let mut cached = engine.begin_validate(ID, before);
    assert!(matches!(
        engine.poll(&mut cached, before, &mut buf),
        Action::Send { .. }
    ));
    engine.report(
        &mut cached,
        Fact::Answered(Response::new(200, br#"{"valid":true}"#)),
        before,
    );
    let other = b"03-1-USA-7165-T-2602-0-13";
    let mut out = engine.begin_validate(other, before);
    assert!(matches!(
        engine.poll(&mut out, before, &mut buf),
        Action::Send { .. }
    ));
    // After the jump the attempt is past its time-out and the call past its deadline: it
    // ends, saying so, and is not retried.
    let Action::Done(Validation::LocalOnly { reason, .. }) = engine.poll(&mut out, after, &mut buf)
    else {
        panic!("the call in flight ends");
    };
    assert_eq!(
        reason,
        Unanswered::Failed {
            last: chittyid::engine::Failure::TimedOut,
            attempts: 1
        }
    );
    // The cached answer has expired: the next validation asks the service.
    let mut again = engine.begin_validate(ID, after);
    assert!(matches!(
        engine.poll(&mut again, after, &mut buf),
        Action::Send { .. }
    ));
    engine.cancel(&mut again);
    // The health monitor's next check is due at once.
    assert!(engine.next_health_check().is_some_and(|due| due <= after));
}

#[test]
fn an_open_breaker_admits_a_probe_once_the_clock_has_jumped_past_its_reset() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut buf = [0u8; 320];
    open_validation_breaker(&mut engine, &mut buf);
    let after = Instant::from_millis(10 * 3_600_000);
    let mut probe = engine.begin_validate(ID, after);
    assert!(matches!(
        engine.poll(&mut probe, after, &mut buf),
        Action::Send { .. }
    ));
    assert_eq!(
        engine.breaker_state(Endpoint::Validate),
        BreakerState::HalfOpen
    );
}
