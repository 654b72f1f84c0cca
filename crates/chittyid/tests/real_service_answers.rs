//! How the engine reads what id.chitty.cc really answers (REAL-SERVICE.md): 200
//! fallbacks typed by their `errorCode`, the replacement answer given once, a minted ID
//! that is not what was asked for, and mints that may have arrived at a service that
//! does not honour idempotency keys. Answers are fed by hand, one attempt at a time.

use chittyid::engine::{
    Action, CacheSlot, CacheStorage, Endpoint, Engine, EngineConfig, Fact, Failure, KeyPolicy,
    MintError, Response, Unanswered, Validation,
};
use chittyid::resilience::{BreakerState, Instant};
use chittyid::wire::{MintAnswer, MintRequest};
use chittyid::{ChittyId, EntityType, FallbackCode, Jurisdiction, Region};
use chittyid_test_support::calls::{AnyCall, Operation, Outcome};

/// A fallback answer as the real front sends it, for `code` (`0001` …) and `name`.
fn fallback_body(id: &str, name: &str) -> String {
    format!(
        r#"{{"success":true,"chittyId":"{id}","fallback":true,"errorCode":"{name}","message":"ChittyMint unavailable. Issued fallback ID with error code {name}.","components":{{"region":"0","jurisdiction":"ERR"}},"geo":{{"region":"0","regionName":"Error/Pending","jurisdiction":"ERR","source":"fallback"}},"trust":{{"level":0,"source":"fallback","verified":false}},"timestamp":"2026-11-02T10:00:00Z","service":"id.chitty.cc","mintedBy":"fallback"}}"#
    )
}

const UNAVAILABLE: &str = "03-0-ERR-0001-T-2611-0-32";
const REJECTED: &str = "03-0-ERR-0003-T-2611-0-74";
const RATE_LIMITED: &str = "03-0-ERR-0007-T-2611-0-61";

/// Drives one call, answering every attempt with `answer(attempt)` (a time-out is
/// no fact: the clock moves to the attempt's `timeout_at`), moving the clock through
/// back-offs; returns the outcome and the requests sent.
fn drive<S: CacheStorage>(
    engine: &mut Engine<S>,
    operation: Operation<'_>,
    now: &mut u64,
    mut answer: impl FnMut(u8) -> Result<(u16, String), Failure>,
) -> (Outcome, u8) {
    let mut call = AnyCall::begin(engine, operation, Instant::from_millis(*now));
    let mut buf = [0u8; 512];
    loop {
        let at = Instant::from_millis(*now);
        let timeout_at = match call.poll(engine, at, &mut buf) {
            Action::Done(outcome) => return (outcome, call.attempts()),
            // One call at a time: none follows another.
            Action::WaitUntil(until) | Action::Follow { until } => {
                *now = until.as_millis();
                continue;
            }
            Action::Send { timeout_at, .. } => timeout_at,
        };
        let fact = match answer(call.attempts()) {
            Ok((status, body)) => {
                let response = Response::new(status, body.as_bytes());
                call.report(engine, Fact::Answered(response), at);
                continue;
            }
            Err(Failure::NotSent) => Fact::NotSent,
            Err(Failure::InvalidResponse) => Fact::NotHttp,
            Err(Failure::TimedOut) => {
                *now = timeout_at.as_millis();
                continue;
            }
            Err(Failure::NoResponse) => Fact::Broken,
            Err(other) => panic!("{other} is an answer, not a wire fact"),
        };
        call.report(engine, fact, at);
    }
}

fn thing() -> Operation<'static> {
    Operation::Mint(MintRequest::new(EntityType::Thing))
}

#[test]
fn a_refused_token_is_an_error_that_says_so_and_is_not_retried() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut now = 0;
    let (outcome, attempts) = drive(&mut engine, thing(), &mut now, |_| {
        Ok((200, fallback_body(REJECTED, "MINT_REJECTED")))
    });
    assert_eq!(
        outcome,
        Outcome::Mint(Err(MintError::TokenRefused {
            fallback: REJECTED.parse().unwrap()
        }))
    );
    assert_eq!(attempts, 1);
    // The service is up and said no: nothing against the breaker, however often.
    for _ in 0..20 {
        drive(&mut engine, thing(), &mut now, |_| {
            Ok((200, fallback_body(REJECTED, "MINT_REJECTED")))
        });
    }
    assert_eq!(engine.breaker_state(Endpoint::Mint), BreakerState::Closed);
}

#[test]
fn a_rate_limit_backs_off_and_is_retried_and_then_says_rate_limited() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut now = 0;
    let (outcome, attempts) = drive(&mut engine, thing(), &mut now, |attempt| {
        if attempt == 1 {
            Ok((200, fallback_body(RATE_LIMITED, "RATE_LIMITED")))
        } else {
            Ok((
                200,
                r#"{"success":true,"chittyId":"03-1-USA-5537-T-2602-0-66"}"#.into(),
            ))
        }
    });
    assert_eq!(attempts, 2);
    assert!(now > 0, "the retry waited");
    let Outcome::Mint(Ok(MintAnswer::Minted(id))) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(id.entity_type(), EntityType::Thing);

    let (outcome, attempts) = drive(&mut engine, thing(), &mut now, |_| {
        Ok((200, fallback_body(RATE_LIMITED, "RATE_LIMITED")))
    });
    assert_eq!(
        outcome,
        Outcome::Mint(Err(MintError::RateLimited {
            fallback: RATE_LIMITED.parse().unwrap(),
            attempts
        }))
    );
    assert_eq!(attempts, engine.config().retry.max_attempts);
}

#[test]
fn an_outage_of_the_minting_back_end_is_a_pending_id_and_a_breaker_failure() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut now = 0;
    let (outcome, attempts) = drive(&mut engine, thing(), &mut now, |_| {
        Ok((200, fallback_body(UNAVAILABLE, "MINT_UNAVAILABLE")))
    });
    assert_eq!(
        outcome,
        Outcome::Mint(Ok(MintAnswer::Pending {
            id: UNAVAILABLE.parse().unwrap(),
            code: Some(FallbackCode::MINT_UNAVAILABLE)
        }))
    );
    assert_eq!(attempts, 1, "a pending ID is an answer: never retried");
    // Each one counts against the breaker: a back end that only hands out fallbacks
    // opens it, where a 200 used to look healthy.
    let mut pending = 1;
    while engine.breaker_state(Endpoint::Mint) == BreakerState::Closed && pending < 100 {
        drive(&mut engine, thing(), &mut now, |_| {
            Ok((200, fallback_body(UNAVAILABLE, "MINT_UNAVAILABLE")))
        });
        pending += 1;
    }
    assert_eq!(engine.breaker_state(Endpoint::Mint), BreakerState::Open);
    assert_eq!(engine.stats().pending_mints, pending);
}

#[test]
fn a_replacement_reaches_the_caller_once_and_is_never_cached() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut now = 0;
    let new = "03-1-USA-5537-T-2602-0-66";
    let replaced = format!(
        r#"{{"success":true,"replaced":true,"oldId":"{UNAVAILABLE}","newId":"{new}","message":"Fallback ID replaced"}}"#
    );
    let (outcome, attempts) = drive(
        &mut engine,
        Operation::Validate(UNAVAILABLE.as_bytes()),
        &mut now,
        |_| Ok((200, replaced.clone())),
    );
    assert_eq!(
        outcome,
        Outcome::Validation(Validation::Replaced {
            old: UNAVAILABLE.parse().unwrap(),
            new: new.parse().unwrap()
        })
    );
    assert_eq!(attempts, 1);
    assert_eq!(engine.stats().replacements, 1);
    // The service answers the second time without the new ID; it is asked again (not
    // served from the cache), and its verdict on a fallback ID is not cached either.
    let kept = r#"{"success":true,"valid":false,"isError":true,"errorCode":"0001","errorName":"MINT_UNAVAILABLE","canReplace":true}"#;
    for _ in 0..2 {
        let (outcome, attempts) = drive(
            &mut engine,
            Operation::Validate(UNAVAILABLE.as_bytes()),
            &mut now,
            |_| Ok((200, kept.into())),
        );
        assert!(matches!(
            outcome,
            Outcome::Validation(Validation::Authoritative {
                valid: false,
                cached: false,
                ..
            })
        ));
        assert_eq!(attempts, 1);
    }
}

#[test]
fn a_minted_id_that_is_not_what_was_asked_is_a_typed_outcome_that_keeps_the_id() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut now = 0;
    let asked = MintRequest::new(EntityType::Thing)
        .with_region(Region::Europe)
        .with_jurisdiction(Jurisdiction::new(*b"GBR").unwrap());
    // What a service that ignores the fields answers: its own defaults.
    let (outcome, _) = drive(&mut engine, Operation::Mint(asked), &mut now, |_| {
        Ok((
            200,
            r#"{"success":true,"chittyId":"03-1-USA-5537-T-2602-0-66"}"#.into(),
        ))
    });
    let id: ChittyId = "03-1-USA-5537-T-2602-0-66".parse().unwrap();
    assert_eq!(
        outcome,
        Outcome::Mint(Err(MintError::Mismatch { id, asked }))
    );
}

#[test]
fn without_keys_a_mint_that_may_have_arrived_is_sent_once_and_its_outcome_is_unknown() {
    // The default learns whether keys are honoured; this service has not shown it.
    assert_eq!(EngineConfig::default().idempotency_keys, KeyPolicy::Learn);
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut now = 0;
    for failure in [Failure::TimedOut, Failure::NoResponse] {
        let (outcome, attempts) = drive(&mut engine, thing(), &mut now, |_| Err(failure));
        // The key that was sent is given, and marked as not safe to resend with.
        let Outcome::Mint(Err(MintError::OutcomeUnknown {
            last,
            attempts: 1,
            key: Some(_),
            resend_safe: false,
        })) = outcome
        else {
            panic!("{outcome:?}");
        };
        assert_eq!((last, attempts), (failure, 1));
    }
    // An unreadable 2xx likewise: the service may have minted.
    let (outcome, attempts) = drive(&mut engine, thing(), &mut now, |_| {
        Ok((200, r#"{"success":true,"chittyId":"03-1-US"#.into()))
    });
    assert!(
        matches!(
            outcome,
            Outcome::Mint(Err(MintError::OutcomeUnknown {
                last: Failure::InvalidResponse,
                resend_safe: false,
                ..
            }))
        ),
        "{outcome:?}"
    );
    assert_eq!(attempts, 1);
    // But a refusal the service answered is not unknown: it did not mint.
    let (outcome, _) = drive(&mut engine, thing(), &mut now, |_| Ok((401, String::new())));
    assert_eq!(
        outcome,
        Outcome::Mint(Err(MintError::Unauthorized { status: 401 }))
    );
    // A 502 from a gateway likewise (the service behind it may have minted).
    let (outcome, attempts) = drive(&mut engine, thing(), &mut now, |_| {
        Ok((502, "<html>bad gateway</html>".into()))
    });
    assert!(matches!(
        outcome,
        Outcome::Mint(Err(MintError::OutcomeUnknown { attempts: 1, .. }))
    ));
    assert_eq!(attempts, 1);
}

#[test]
fn with_keys_a_mint_that_ends_unanswered_after_it_may_have_arrived_gives_its_key() {
    let mut config = EngineConfig::new();
    config.idempotency_keys = KeyPolicy::Honoured;
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(config, 7);
    let mut now = 0;
    // The first attempt may have been committed; the rest are refused by a 503.
    let (outcome, attempts) = drive(&mut engine, thing(), &mut now, |attempt| {
        if attempt == 1 {
            Err(Failure::NoResponse)
        } else {
            Ok((503, String::new()))
        }
    });
    let Outcome::Mint(Err(MintError::OutcomeUnknown {
        key: Some(key),
        last: Failure::Status(503),
        resend_safe: true,
        ..
    })) = outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!(attempts, engine.config().retry.max_attempts);
    // Resent with the same key, the service (which honours it) answers the first ID.
    let mut call = engine.begin_mint_with_key(
        MintRequest::new(EntityType::Thing),
        key,
        Instant::from_millis(now),
    );
    let mut buf = [0u8; 512];
    let Action::Send { request, .. } = engine.poll(&mut call, Instant::from_millis(now), &mut buf)
    else {
        panic!("a resend is sent");
    };
    assert_eq!(request.idempotency_key, Some(key.as_str()));
}

#[test]
fn with_keys_a_mint_refused_by_the_breaker_after_it_may_have_arrived_is_unknown_not_unavailable() {
    let mut config = EngineConfig::new();
    config.idempotency_keys = KeyPolicy::Honoured;
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(config, 7);
    let mut now = 0;
    // Every attempt may have arrived; the breaker opens part-way through a call.
    let mut last = None;
    while engine.breaker_state(Endpoint::Mint) == BreakerState::Closed {
        last = Some(drive(&mut engine, thing(), &mut now, |_| {
            Err(Failure::NoResponse)
        }));
    }
    let (outcome, attempts) = last.unwrap();
    // The call that opened it was cut short by the breaker, not by its attempts.
    assert!(attempts < engine.config().retry.max_attempts, "{attempts}");
    assert!(engine.stats().endpoint(Endpoint::Mint).rejected_by_breaker >= 1);
    assert!(
        matches!(
            outcome,
            Outcome::Mint(Err(MintError::OutcomeUnknown {
                key: Some(_),
                resend_safe: true,
                ..
            }))
        ),
        "{outcome:?}"
    );
}

#[test]
fn a_validation_that_ends_local_only_after_unusable_answers_is_counted_as_local_only() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut now = 0;
    let (outcome, attempts) = drive(
        &mut engine,
        Operation::Validate(b"03-1-USA-5537-P-2602-0-38"),
        &mut now,
        |_| Ok((200, r#"{"success":true,"chittyId":"03-1-US"#.into())),
    );
    let attempts_allowed = engine.config().retry.max_attempts;
    assert!(
        matches!(
            outcome,
            Outcome::Validation(Validation::LocalOnly {
                reason: Unanswered::Failed {
                    last: Failure::InvalidResponse,
                    attempts: n,
                },
                ..
            }) if n == attempts_allowed
        ),
        "{outcome:?}"
    );
    assert_eq!(attempts, attempts_allowed);
    assert_eq!(engine.stats().local_only, 1);
}

#[test]
fn a_fallback_validation_whose_answer_was_lost_is_not_sent_again() {
    // The service may have replaced the fallback ID (it says so once): a second
    // request would get "not replaced", and the new ID would be lost behind a
    // wrong verdict. The call ends saying that the replacement is unknown.
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let mut now = 0;
    let kept = r#"{"success":true,"valid":false,"isError":true,"errorCode":"0001","errorName":"MINT_UNAVAILABLE","canReplace":true}"#;
    let (outcome, attempts) = drive(
        &mut engine,
        Operation::Validate(UNAVAILABLE.as_bytes()),
        &mut now,
        |attempt| {
            if attempt == 1 {
                Err(Failure::NoResponse)
            } else {
                Ok((200, kept.into()))
            }
        },
    );
    assert_eq!(attempts, 1);
    assert_eq!(
        outcome,
        Outcome::Validation(Validation::ReplacementUnknown {
            id: UNAVAILABLE.parse().unwrap(),
            last: Failure::NoResponse,
            attempts: 1
        })
    );
    // A refusal that proves nothing was done (a 503) is still retried.
    let (outcome, attempts) = drive(
        &mut engine,
        Operation::Validate(UNAVAILABLE.as_bytes()),
        &mut now,
        |attempt| {
            if attempt == 1 {
                Ok((503, String::new()))
            } else {
                Ok((200, kept.into()))
            }
        },
    );
    assert_eq!(attempts, 2);
    assert!(matches!(
        outcome,
        Outcome::Validation(Validation::Authoritative { valid: false, .. })
    ));
}

#[test]
fn the_fallback_jurisdiction_is_refused_before_anything_is_sent() {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 7);
    let asked = MintRequest::new(EntityType::Thing).with_jurisdiction(Jurisdiction::ERR);
    let mut now = 0;
    let (outcome, attempts) = drive(&mut engine, Operation::Mint(asked), &mut now, |_| {
        panic!("nothing is sent")
    });
    assert_eq!(
        (outcome, attempts),
        (Outcome::Mint(Err(MintError::ReservedJurisdiction)), 0)
    );
}
