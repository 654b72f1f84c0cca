//! The circuit breaker against a plain reference model (proptest-state-machine): random
//! sequences of admissions, completions, cancellations and clock steps must leave both
//! in the same state, with the same open deadline and probe count.

use std::time::Duration;

use chittyid::resilience::{Breaker, BreakerConfig, BreakerState, Instant, Permit};
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};

/// The breaker the model describes: three failures in a second open it (the windowed
/// threshold, with failures in a row off), two probes, two successes close it.
fn config() -> BreakerConfig {
    let mut config = BreakerConfig::new();
    config.consecutive_failures = 0;
    config.failure_threshold = 3;
    config.window = Duration::from_millis(1_000);
    config.failure_rate = None;
    config.reset_timeout = Duration::from_millis(5_000);
    config.reset_growth = 2;
    config.max_reset_timeout = Duration::from_millis(20_000);
    config.half_open_probes = 2;
    config.close_after = 2;
    config
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ModelState {
    Closed,
    Open { until: u64 },
    HalfOpen,
}

#[derive(Debug, Clone, Copy)]
struct Ticket {
    probe: bool,
    epoch: u64,
}

/// The breaker as the issue states it, written plainly.
#[derive(Debug, Clone)]
struct Model {
    now: u64,
    state: ModelState,
    failures: Vec<u64>,
    reopenings: u32,
    probes: u32,
    successes: u32,
    epoch: u64,
    outstanding: Vec<Ticket>,
    last_admitted: Option<bool>,
}

#[derive(Debug, Clone)]
enum Step {
    Advance(u64),
    Admit,
    Complete { pick: usize, failed: bool },
    Cancel { pick: usize },
}

impl Model {
    fn enter(&mut self, state: ModelState) {
        self.state = state;
        self.epoch += 1;
        self.probes = 0;
        self.successes = 0;
        if state == ModelState::Closed {
            self.failures.clear();
        }
    }

    fn open(&mut self) {
        let reset = 5_000u64 * 2u64.pow(self.reopenings);
        self.reopenings += 1;
        self.enter(ModelState::Open {
            until: self.now + reset.min(20_000),
        });
    }

    fn admit(&mut self) {
        if let ModelState::Open { until } = self.state
            && self.now >= until
        {
            self.enter(ModelState::HalfOpen);
        }
        let ticket = match self.state {
            ModelState::Closed => Some(Ticket {
                probe: false,
                epoch: self.epoch,
            }),
            ModelState::HalfOpen if self.probes < 2 => {
                self.probes += 1;
                Some(Ticket {
                    probe: true,
                    epoch: self.epoch,
                })
            }
            _ => None,
        };
        self.last_admitted = Some(ticket.is_some());
        self.outstanding.extend(ticket);
    }

    fn complete(&mut self, ticket: Ticket, failed: bool) {
        if ticket.epoch != self.epoch {
            return;
        }
        if ticket.probe {
            self.probes -= 1;
        }
        match (self.state, failed) {
            (ModelState::Closed, true) => {
                self.failures.push(self.now);
                let recent = self
                    .failures
                    .iter()
                    .filter(|&&t| t + 1_000 >= self.now)
                    .count();
                if recent >= 3 {
                    self.open();
                }
            }
            (ModelState::HalfOpen, true) => self.open(),
            (ModelState::HalfOpen, false) => {
                self.successes += 1;
                if self.successes >= 2 {
                    self.reopenings = 0;
                    self.enter(ModelState::Closed);
                }
            }
            _ => {}
        }
    }
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model {
            now: 0,
            state: ModelState::Closed,
            failures: Vec::new(),
            reopenings: 0,
            probes: 0,
            successes: 0,
            epoch: 0,
            outstanding: Vec::new(),
            last_admitted: None,
        })
        .boxed()
    }

    fn transitions(_: &Model) -> BoxedStrategy<Step> {
        prop_oneof![
            2 => (0u64..3_000).prop_map(Step::Advance),
            3 => Just(Step::Admit),
            3 => (any::<usize>(), any::<bool>()).prop_map(|(pick, failed)| Step::Complete { pick, failed }),
            1 => any::<usize>().prop_map(|pick| Step::Cancel { pick }),
        ]
        .boxed()
    }

    fn apply(mut model: Model, step: &Step) -> Model {
        model.last_admitted = None;
        match *step {
            Step::Advance(ms) => model.now += ms,
            Step::Admit => model.admit(),
            Step::Complete { pick, failed } if !model.outstanding.is_empty() => {
                let ticket = model.outstanding.remove(pick % model.outstanding.len());
                model.complete(ticket, failed);
            }
            Step::Cancel { pick } if !model.outstanding.is_empty() => {
                let ticket = model.outstanding.remove(pick % model.outstanding.len());
                if ticket.probe && ticket.epoch == model.epoch {
                    model.probes -= 1;
                }
            }
            Step::Complete { .. } | Step::Cancel { .. } => {}
        }
        model
    }
}

struct Real {
    breaker: Breaker,
    now: u64,
    outstanding: Vec<Permit>,
}

struct BreakerTest;

impl StateMachineTest for BreakerTest {
    type SystemUnderTest = Real;
    type Reference = Reference;

    fn init_test(_: &Model) -> Real {
        Real {
            breaker: Breaker::new(config()),
            now: 0,
            outstanding: Vec::new(),
        }
    }

    fn apply(mut real: Real, model: &Model, step: Step) -> Real {
        let now = Instant::from_millis(real.now);
        match step {
            Step::Advance(ms) => real.now += ms,
            Step::Admit => {
                let (admitted, _) = real.breaker.admit(now);
                assert_eq!(
                    Some(admitted.is_ok()),
                    model.last_admitted,
                    "admission differs"
                );
                real.outstanding.extend(admitted.ok());
            }
            Step::Complete { pick, failed } if !real.outstanding.is_empty() => {
                let len = real.outstanding.len();
                let permit = real.outstanding.remove(pick % len);
                real.breaker.record(permit, failed, now);
            }
            Step::Cancel { pick } if !real.outstanding.is_empty() => {
                let len = real.outstanding.len();
                let permit = real.outstanding.remove(pick % len);
                real.breaker.release(permit);
            }
            Step::Complete { .. } | Step::Cancel { .. } => {}
        }
        real
    }

    fn check_invariants(real: &Real, model: &Model) {
        let expected = match model.state {
            ModelState::Closed => BreakerState::Closed,
            ModelState::Open { .. } => BreakerState::Open,
            ModelState::HalfOpen => BreakerState::HalfOpen,
        };
        assert_eq!(real.breaker.state(), expected);
        if let ModelState::Open { until } = model.state {
            assert_eq!(real.breaker.open_until(), Some(Instant::from_millis(until)));
        }
        assert_eq!(u32::from(real.breaker.probes_in_flight()), model.probes);
        assert!(
            real.breaker.probes_in_flight() <= config().half_open_probes,
            "probe limit"
        );
        assert_eq!(real.outstanding.len(), model.outstanding.len());
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn breaker_matches_its_reference_model(sequential 1..120 => BreakerTest);
}
