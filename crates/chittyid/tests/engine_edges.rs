//! The engine's edges: a request that does not fit the engine's or the adapter's
//! buffer, and a call abandoned mid-flight (its probe slot comes back, its outcome says
//! so).

use chittyid::EntityType;
use chittyid::engine::{
    Action, Endpoint, Engine, EngineConfig, MintError, Operation, Outcome, Unanswered, Validation,
};
use chittyid::resilience::{BreakerState, Failure, Instant};
use chittyid::wire::MintRequest;

const ID: &[u8] = b"03-1-USA-5537-P-2602-0-38";

#[test]
fn a_request_that_does_not_fit_is_not_sent_and_says_why() {
    let mut engine: Engine<8> = Engine::new(EngineConfig::default(), 7);
    let now = Instant::from_millis(0);
    let mut tiny = [0u8; 8];
    let mut call = engine.begin(Operation::Validate(ID), now);
    let Action::Done(Outcome::Validation(Validation::LocalOnly { reason, .. })) =
        engine.poll(&mut call, now, &mut tiny)
    else {
        panic!("a validation that cannot be sent is local-only");
    };
    assert_eq!(reason, Unanswered::BufferTooSmall);
    let mut call = engine.begin(Operation::Mint(MintRequest::new(EntityType::Place)), now);
    assert_eq!(
        engine.poll(&mut call, now, &mut tiny),
        Action::Done(Outcome::Mint(Err(MintError::Unavailable(
            Unanswered::BufferTooSmall
        ))))
    );
    assert_eq!(
        engine.stats().endpoints[Endpoint::Mint as usize].attempts,
        0
    );
}

#[test]
fn a_cancelled_probe_frees_its_slot_and_ends_as_cancelled() {
    let mut engine: Engine<8> = Engine::new(EngineConfig::default(), 7);
    let mut buf = [0u8; 320];
    let mut now = Instant::from_millis(0);
    while engine.breaker_state(Endpoint::Validate) != BreakerState::Open {
        let mut call = engine.begin(Operation::Validate(ID), now);
        while let Action::Send { .. } = engine.poll(&mut call, now, &mut buf) {
            engine.on_transport_error(&mut call, Failure::NotSent, now);
        }
    }
    now = Instant::from_millis(61_000);
    let mut probe = engine.begin(Operation::Validate(ID), now);
    assert!(matches!(
        engine.poll(&mut probe, now, &mut buf),
        Action::Send { .. }
    ));
    let mut waiting = engine.begin(Operation::Validate(ID), now);
    assert!(
        matches!(engine.poll(&mut waiting, now, &mut buf), Action::Done(_)),
        "the one slot is taken"
    );
    engine.cancel(&mut probe);
    assert!(matches!(
        engine.poll(&mut probe, now, &mut buf),
        Action::Done(Outcome::Validation(Validation::LocalOnly {
            reason: Unanswered::Cancelled,
            ..
        }))
    ));
    let mut next = engine.begin(Operation::Validate(ID), now);
    assert!(
        matches!(engine.poll(&mut next, now, &mut buf), Action::Send { .. }),
        "the slot came back"
    );
}

#[test]
fn a_request_the_adapter_cannot_frame_ends_the_call_without_a_breaker_failure() {
    let mut engine: Engine<8> = Engine::new(EngineConfig::default(), 7);
    let mut buf = [0u8; 320];
    let now = Instant::from_millis(0);
    for _ in 0..20 {
        let mut call = engine.begin(Operation::Validate(ID), now);
        assert!(matches!(
            engine.poll(&mut call, now, &mut buf),
            Action::Send { .. }
        ));
        engine.on_not_sendable(&mut call, now);
        assert!(matches!(
            engine.poll(&mut call, now, &mut buf),
            Action::Done(Outcome::Validation(Validation::LocalOnly {
                reason: Unanswered::BufferTooSmall,
                ..
            }))
        ));
        assert_eq!(call.attempts(), 0, "nothing was sent");
    }
    assert_eq!(
        engine.breaker_state(Endpoint::Validate),
        BreakerState::Closed
    );
    let validate = engine.stats().endpoints[Endpoint::Validate as usize];
    assert_eq!((validate.attempts, validate.failed), (0, 20));
}
