//! Calls of any kind behind one type, for harnesses that mix them (the simulation, the
//! scripted-service tests): the engine's calls are typed by their outcome, and these
//! wrap each kind so that one loop drives them all.

use chittyid::engine::{
    Action, Answer, CacheStorage, Call, Endpoint, Engine, Fact, HealthResult, MintResult, Observer,
    Validation,
};
use chittyid::resilience::Instant;
use chittyid::wire::{IdempotencyKey, MintRequest};

/// What a call asks.
#[derive(Debug, Clone, Copy)]
pub enum Operation<'a> {
    /// Validate this text.
    Validate(&'a [u8]),
    /// Mint one ID.
    Mint(MintRequest),
    /// Resend a mint with its key.
    MintWithKey(MintRequest, IdempotencyKey),
    /// A health check for the caller.
    Health,
    /// The health monitor's own check.
    HealthCheck,
}

/// How a call ended, whatever its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A validation's verdict.
    Validation(Validation),
    /// A mint's ID or error.
    Mint(MintResult),
    /// A health check's answer or error.
    Health(HealthResult),
}

/// A call of any kind.
#[derive(Debug)]
pub enum AnyCall {
    /// A validation.
    Validate(Call<Validation>),
    /// A mint.
    Mint(Call<MintResult>),
    /// A health check.
    Health(Call<HealthResult>),
}

fn wrap<T: Answer>(action: Action<'_, T>, into: fn(T) -> Outcome) -> Action<'_, Outcome> {
    match action {
        Action::Send {
            request,
            timeout_at,
        } => Action::Send {
            request,
            timeout_at,
        },
        Action::WaitUntil(at) => Action::WaitUntil(at),
        Action::Follow { until } => Action::Follow { until },
        Action::Done(outcome) => Action::Done(into(outcome)),
    }
}

impl AnyCall {
    /// Begins `operation` at `now`.
    pub fn begin<S: CacheStorage, O: Observer, const SHARED: usize>(
        engine: &mut Engine<S, O, SHARED>,
        operation: Operation<'_>,
        now: Instant,
    ) -> AnyCall {
        match operation {
            Operation::Validate(text) => AnyCall::Validate(engine.begin_validate(text, now)),
            Operation::Mint(what) => AnyCall::Mint(engine.begin_mint(what, now)),
            Operation::MintWithKey(what, key) => {
                AnyCall::Mint(engine.begin_mint_with_key(what, key, now))
            }
            Operation::Health => AnyCall::Health(engine.begin_health(now)),
            Operation::HealthCheck => AnyCall::Health(engine.begin_health_check(now)),
        }
    }

    /// [`Engine::poll`], with the outcome wrapped.
    pub fn poll<'b, S: CacheStorage, O: Observer, const SHARED: usize>(
        &mut self,
        engine: &mut Engine<S, O, SHARED>,
        now: Instant,
        buf: &'b mut [u8],
    ) -> Action<'b, Outcome> {
        match self {
            AnyCall::Validate(call) => wrap(engine.poll(call, now, buf), Outcome::Validation),
            AnyCall::Mint(call) => wrap(engine.poll(call, now, buf), Outcome::Mint),
            AnyCall::Health(call) => wrap(engine.poll(call, now, buf), Outcome::Health),
        }
    }

    /// [`Engine::report`].
    pub fn report<S: CacheStorage, O: Observer, const SHARED: usize>(
        &mut self,
        engine: &mut Engine<S, O, SHARED>,
        fact: Fact<'_>,
        now: Instant,
    ) {
        match self {
            AnyCall::Validate(call) => engine.report(call, fact, now),
            AnyCall::Mint(call) => engine.report(call, fact, now),
            AnyCall::Health(call) => engine.report(call, fact, now),
        }
    }

    /// [`Engine::cancel`].
    pub fn cancel<S: CacheStorage, O: Observer, const SHARED: usize>(
        &mut self,
        engine: &mut Engine<S, O, SHARED>,
    ) {
        match self {
            AnyCall::Validate(call) => engine.cancel(call),
            AnyCall::Mint(call) => engine.cancel(call),
            AnyCall::Health(call) => engine.cancel(call),
        }
    }

    /// Requests sent so far.
    pub fn attempts(&self) -> u8 {
        match self {
            AnyCall::Validate(call) => call.attempts(),
            AnyCall::Mint(call) => call.attempts(),
            AnyCall::Health(call) => call.attempts(),
        }
    }

    /// When the call must be over.
    pub fn deadline(&self) -> Instant {
        match self {
            AnyCall::Validate(call) => call.deadline(),
            AnyCall::Mint(call) => call.deadline(),
            AnyCall::Health(call) => call.deadline(),
        }
    }

    /// The endpoint it is for.
    pub fn endpoint(&self) -> Endpoint {
        match self {
            AnyCall::Validate(call) => call.endpoint(),
            AnyCall::Mint(call) => call.endpoint(),
            AnyCall::Health(call) => call.endpoint(),
        }
    }

    /// `true` once the call is over.
    pub fn is_finished(&self) -> bool {
        match self {
            AnyCall::Validate(call) => call.is_finished(),
            AnyCall::Mint(call) => call.is_finished(),
            AnyCall::Health(call) => call.is_finished(),
        }
    }

    /// The idempotency key of a mint, once drawn.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        match self {
            AnyCall::Mint(call) => call.idempotency_key(),
            _ => None,
        }
    }
}
