//! The seam between bytes and decisions, seen from outside: every hostile-service
//! behaviour against both adapters, the std client (hyper) and the firmware client
//! (embassy over `embedded-io-adapters`, the core's HTTP reader), with the same
//! settings and seed. Each must end every call the same way and leave the same breaker
//! states, because the core decides what each wire fact means; and each outcome is the
//! one named here for that behaviour.

use std::time::{Duration, Instant};

use chittyid::EntityType;
use chittyid::engine::{
    Endpoint, EngineConfig, Failure, HealthError, HealthResult, MintError, MintResult, Unanswered,
    Validation,
};
use chittyid::resilience::{BreakerState, Rng};
use chittyid::wire::{IdempotencyKey, MAX_BODY, MintRequest, WireError};
use chittyid_embassy::raw::CriticalSectionRawMutex;
use chittyid_test_support::calls::Outcome;
use chittyid_test_support::hostile::{self, DEADLINE, Hostile};
use chittyid_test_support::tcp::Tcp;

const SEED: u64 = 0x5EED;
const ID: &str = "03-1-USA-5537-P-2602-0-38";

/// A call a client makes.
#[derive(Debug, Clone, Copy)]
enum Step {
    Mint,
    Validate,
    Health,
}

/// What one client made of one hostile service: each call's outcome in turn, then
/// every breaker.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    outcomes: Vec<Outcome>,
    breakers: [BreakerState; 3],
}

impl Seen {
    fn mint(&self) -> MintResult {
        self.outcomes
            .iter()
            .find_map(|o| match o {
                Outcome::Mint(m) => Some(*m),
                _ => None,
            })
            .expect("a mint")
    }

    fn validation(&self) -> Validation {
        self.outcomes
            .iter()
            .find_map(|o| match o {
                Outcome::Validation(v) => Some(*v),
                _ => None,
            })
            .expect("a validation")
    }

    fn health(&self) -> HealthResult {
        self.outcomes
            .iter()
            .find_map(|o| match o {
                Outcome::Health(h) => Some(*h),
                _ => None,
            })
            .expect("a health check")
    }
}

/// Each behaviour is met with a mint, a validation and a health check.
const EVERY_KIND: [Step; 3] = [Step::Mint, Step::Validate, Step::Health];

/// The settings both clients get: the defaults, with attempts and calls short enough
/// that the slow behaviours (a drip, an answer that never ends) take seconds.
fn config() -> EngineConfig {
    let mut config = EngineConfig::new();
    config.attempt_timeout = Duration::from_millis(700);
    config.call_deadline = DEADLINE;
    config.retry.base_delay = Duration::from_millis(20);
    config
}

/// What differs between two clients only by who drew it or whose clock it is read
/// on: a mint's key (compared as present or not) and when an open breaker admits a
/// probe (compared as known or not).
fn comparable(outcome: Outcome) -> Outcome {
    let reason = |reason: Unanswered| match reason {
        Unanswered::BreakerOpen { until } => Unanswered::BreakerOpen {
            until: until.map(|_| chittyid::resilience::Instant::from_millis(0)),
        },
        other => other,
    };
    let placeholder = IdempotencyKey::generate(&mut Rng::new(0));
    match outcome {
        Outcome::Mint(Err(MintError::OutcomeUnknown {
            last,
            attempts,
            key,
            resend_safe,
        })) => Outcome::Mint(Err(MintError::OutcomeUnknown {
            last,
            attempts,
            key: key.map(|_| placeholder),
            resend_safe,
        })),
        Outcome::Mint(Err(MintError::Unavailable(why))) => {
            Outcome::Mint(Err(MintError::Unavailable(reason(why))))
        }
        Outcome::Validation(Validation::LocalOnly {
            id,
            kind,
            reason: why,
        }) => Outcome::Validation(Validation::LocalOnly {
            id,
            kind,
            reason: reason(why),
        }),
        Outcome::Health(Err(HealthError::Unavailable(why))) => {
            Outcome::Health(Err(HealthError::Unavailable(reason(why))))
        }
        other => other,
    }
}

async fn std_client(kind: Hostile, config: EngineConfig, steps: &[Step]) -> Seen {
    let addr = hostile::start(kind).await;
    let client = chittyid_std::Client::builder()
        .service_url(format!("http://{addr}"))
        .token("hostile-secret-token")
        .engine_config(config)
        .seed(SEED)
        .health_monitor(false)
        .build()
        .unwrap();
    let mut outcomes = Vec::new();
    for step in steps {
        outcomes.push(match step {
            Step::Mint => Outcome::Mint(client.mint(MintRequest::new(EntityType::Person)).await),
            Step::Validate => Outcome::Validation(client.validate(ID).await),
            Step::Health => Outcome::Health(client.health().await),
        });
    }
    Seen {
        outcomes: outcomes.into_iter().map(comparable).collect(),
        breakers: client.stats().breakers,
    }
}

async fn embassy_client(kind: Hostile, config: EngineConfig, steps: &[Step]) -> Seen {
    let addr = hostile::start(kind).await;
    let host = addr.to_string();
    // The firmware keeps as much of an answer as the std client does (a body of up to
    // MAX_BODY bytes after its head), so that both cut the same answers.
    let (mut request, mut response) = (vec![0u8; 1024], vec![0u8; MAX_BODY + 512]);
    let mut buffers = chittyid_embassy::Buffers {
        request: &mut request,
        response: &mut response,
    };
    let mut resources = chittyid_embassy::Resources::<CriticalSectionRawMutex, 32>::new();
    let mut settings = chittyid_embassy::Settings::new(&host)
        .and_then(|settings| settings.with_token("hostile-secret-token"))
        .expect("a valid host and token");
    settings.engine = config;
    let (client, _runner) = chittyid_embassy::new(settings, &mut resources, SEED);
    let mut connector = Tcp(addr);
    let mut outcomes = Vec::new();
    for step in steps {
        outcomes.push(match step {
            Step::Mint => Outcome::Mint(
                client
                    .mint(
                        &mut connector,
                        &mut buffers,
                        MintRequest::new(EntityType::Person),
                    )
                    .await,
            ),
            Step::Validate => Outcome::Validation(
                client
                    .validate(&mut connector, &mut buffers, ID.as_bytes())
                    .await,
            ),
            Step::Health => Outcome::Health(client.health(&mut connector, &mut buffers).await),
        });
    }
    Seen {
        outcomes: outcomes.into_iter().map(comparable).collect(),
        breakers: Endpoint::ALL.map(|e| client.breaker_state(e)),
    }
}

/// Both adapters against one behaviour, at once (each has its own service).
async fn both(
    kind: Hostile,
    config: EngineConfig,
    steps: &'static [Step],
) -> (Seen, Seen, Duration) {
    let began = Instant::now();
    let std = tokio::spawn(std_client(kind, config, steps));
    let embassy = tokio::spawn(embassy_client(kind, config, steps));
    let (std, embassy) = (std.await.unwrap(), embassy.await.unwrap());
    (std, embassy, began.elapsed())
}

fn local_only(seen: &Seen) -> Option<Unanswered> {
    match seen.validation() {
        Validation::LocalOnly { reason, .. } => Some(reason),
        _ => None,
    }
}

/// The outcome each behaviour must end in (beyond both adapters agreeing).
fn expected(kind: Hostile, seen: &Seen) -> Result<(), String> {
    let unknown_mint = |last: Failure| {
        matches!(
            seen.mint(),
            Err(MintError::OutcomeUnknown { last: l, attempts: 1, resend_safe: false, .. }) if l == last
        )
    };
    let validation_failed = |last: Failure| matches!(local_only(seen), Some(Unanswered::Failed { last: l, .. }) if l == last);
    let health_failed = |last: Failure| matches!(seen.health(), Err(HealthError::Unavailable(Unanswered::Failed { last: l, .. })) if l == last);
    let unusable = |error: fn(&WireError) -> bool| {
        unknown_mint(Failure::InvalidResponse)
            && validation_failed(Failure::InvalidResponse)
            && matches!(&seen.health(), Err(HealthError::InvalidAnswer(e)) if error(e))
    };
    let closed = seen.breakers == [BreakerState::Closed; 3];
    let ok = match kind {
        // An answer too large to keep is cut, and a cut 2xx is unusable.
        Hostile::HugeBody | Hostile::HugeJson => {
            unusable(|e| *e == WireError::BodyTooLarge) && closed
        }
        // No answer: the connection closed before a whole head.
        Hostile::CutHead => {
            unknown_mint(Failure::NoResponse)
                && validation_failed(Failure::NoResponse)
                && health_failed(Failure::NoResponse)
        }
        // Not HTTP as accepted: the service may have acted, nothing is usable.
        Hostile::EndlessHeaders
        | Hostile::WrongContentLength
        | Hostile::BrokenChunked
        | Hostile::Garbage => {
            unknown_mint(Failure::InvalidResponse)
                && validation_failed(Failure::InvalidResponse)
                && health_failed(Failure::InvalidResponse)
                && closed
        }
        // Nothing complete before each attempt's time-out: time-outs count against the
        // breaker, and the calls end at their deadline.
        Hostile::Drip | Hostile::MissingContentLength => {
            unknown_mint(Failure::TimedOut)
                && matches!(
                    local_only(seen),
                    Some(
                        Unanswered::Failed {
                            last: Failure::TimedOut,
                            ..
                        } | Unanswered::DeadlineExceeded
                    )
                )
                && matches!(
                    seen.health(),
                    Err(HealthError::Unavailable(
                        Unanswered::Failed {
                            last: Failure::TimedOut,
                            ..
                        } | Unanswered::DeadlineExceeded
                    ))
                )
        }
        // Complete answers whose bodies do not decode.
        Hostile::InvalidUtf8 | Hostile::DeepJson | Hostile::WrongCheckValue | Hostile::HtmlPage => {
            unusable(|e| !matches!(e, WireError::BodyTooLarge)) && closed
        }
        // A 503 whose body is too large to keep is still a 503.
        Hostile::Huge503 => {
            matches!(
                seen.mint(),
                Err(MintError::Unavailable(Unanswered::Failed {
                    last: Failure::Status(503),
                    ..
                }))
            ) && validation_failed(Failure::Status(503))
                && health_failed(Failure::Status(503))
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{kind:?}: {seen:#?}"))
    }
}

/// Runs `kinds` against both adapters with `config`; fails listing every behaviour the
/// adapters end differently, or not as named.
async fn agree(kinds: &[Hostile], config: EngineConfig) {
    let runs: Vec<_> = kinds
        .iter()
        .map(|&kind| (kind, tokio::spawn(both(kind, config, &EVERY_KIND))))
        .collect();
    let mut failures = Vec::new();
    for (kind, run) in runs {
        let (std, embassy, took) = run.await.unwrap();
        println!("{kind:?}: {took:?}\n  std     {std:?}\n  embassy {embassy:?}");
        if std != embassy {
            failures.push(format!(
                "{kind:?}: the adapters differ\n  std     {std:?}\n  embassy {embassy:?}"
            ));
        }
        if let Err(wrong) = expected(kind, &std) {
            failures.push(wrong);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_adapters_end_every_hostile_answer_alike_and_as_named() {
    agree(&Hostile::ALL, config()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_both_adapters_end_every_answer_that_does_not_stall_alike() {
    // No setting changed. The behaviours that only stall (a drip, an answer that never
    // ends, garbage on an open connection) would take the 30 s call deadline here, and
    // are covered above with short time-outs.
    let quick: Vec<Hostile> = Hostile::ALL
        .into_iter()
        .filter(|kind| {
            !matches!(
                kind,
                Hostile::Drip | Hostile::MissingContentLength | Hostile::Garbage
            )
        })
        .collect();
    agree(&quick, EngineConfig::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_defaults_a_503_too_large_to_keep_opens_both_breakers() {
    // No setting changed: the first validation spends every attempt on 503s, and by the
    // second ten 503s in a row have opened the breaker in both, though neither keeps the
    // body.
    let steps = &[Step::Validate, Step::Validate];
    let (std, embassy, _) = both(Hostile::Huge503, EngineConfig::default(), steps).await;
    assert_eq!(std, embassy);
    let attempts = EngineConfig::default().retry.max_attempts;
    assert!(
        matches!(
            std.validation(),
            Validation::LocalOnly {
                reason: Unanswered::Failed { last: Failure::Status(503), attempts: n },
                ..
            } if n == attempts
        ),
        "{std:?}"
    );
    assert_eq!(std.breakers[Endpoint::Validate.index()], BreakerState::Open);
}
