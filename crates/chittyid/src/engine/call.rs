//! One call's state: what the adapter must do next ([`Action`]), and the [`Call`]
//! itself, typed by how it ends.

use super::Failure;
use crate::ChittyId;
use crate::resilience::{Instant, Permit};
use crate::wire::{IdempotencyKey, Request};

use super::endpoints::Endpoint;
use super::kind::Kind;

/// What the adapter must do next for a call whose outcome is a `T`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the adapter must carry out the action: send, wait, or take the outcome"]
#[allow(
    clippy::exhaustive_enums,
    reason = "an adapter must carry out every action: a new one must break its loop"
)]
pub enum Action<'b, T> {
    /// Send this request, then report how it ended with [`super::Engine::report`];
    /// if nothing has ended by `timeout_at`, poll then: the attempt times out.
    Send {
        /// The request.
        request: Request<'b>,
        /// When the attempt times out.
        timeout_at: Instant,
    },
    /// Nothing to do before this instant (a back-off, the rate limit, or an attempt's
    /// time-out); then poll again.
    WaitUntil(Instant),
    /// Another call is asking the service the same thing, and its answer will be this
    /// call's too: nothing to send. Poll again when [`super::Engine::take_shared_wake`]
    /// says an answer was shared (after any call's step), or at `until`, whichever
    /// comes first.
    Follow {
        /// The earlier of this call's deadline and the other call's.
        until: Instant,
    },
    /// The call is over.
    Done(T),
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Phase {
    /// Ready to send the next attempt.
    Ready,
    /// An attempt is out.
    InFlight { permit: Permit, timeout_at: Instant },
    /// Waiting before the next attempt.
    Backoff { until: Instant },
    /// Waiting for the rate limit, the next attempt's moment booked.
    Paced { until: Instant },
}

/// What is known about a call's attempts, whatever its kind.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub(super) started: Instant,
    pub(super) deadline: Instant,
    pub(super) attempts: u8,
    pub(super) phase: Phase,
    /// How the last attempt failed, if one did.
    pub(super) last_failure: Option<Failure>,
    /// An attempt may have reached the service and been acted on.
    pub(super) may_have_arrived: bool,
    /// The last fallback ID a mint was answered with.
    pub(super) fallback: Option<ChittyId>,
    /// The `Idempotency-Key` a mint's requests carry, once drawn or given.
    pub(super) key: Option<IdempotencyKey>,
}

impl Progress {
    pub(super) fn new(now: Instant, deadline: Instant, key: Option<IdempotencyKey>) -> Progress {
        Progress {
            started: now,
            deadline,
            attempts: 0,
            phase: Phase::Ready,
            last_failure: None,
            may_have_arrived: false,
            fallback: None,
            key,
        }
    }
}

/// A call's own part: what it asks, until it ends; then how it ended.
#[derive(Debug)]
pub(super) enum Stage<T: Kind> {
    Live(T::Target),
    Done(T),
}

/// One call in progress, typed by how it ends: a [`super::Validation`], a
/// [`super::MintResult`] or a [`super::HealthResult`]. Many can be in flight against
/// one engine; each is driven with [`super::Engine::poll`] and
/// [`super::Engine::report`]. It is neither `Copy` nor `Clone`: a copy reported as well
/// as the original would count one attempt twice.
#[derive(Debug)]
#[must_use = "a call does nothing until it is polled, and holds a breaker slot while out"]
pub struct Call<T: Kind> {
    pub(super) progress: Progress,
    pub(super) stage: Stage<T>,
}

impl<T: Kind> Call<T> {
    pub(super) fn live(target: T::Target, progress: Progress) -> Call<T> {
        Call {
            progress,
            stage: Stage::Live(target),
        }
    }

    /// A call that ended before it began (refused locally, or answered from the cache).
    pub(super) fn done(now: Instant, outcome: T) -> Call<T> {
        Call {
            progress: Progress::new(now, now, None),
            stage: Stage::Done(outcome),
        }
    }

    /// Requests sent so far.
    pub fn attempts(&self) -> u8 {
        self.progress.attempts
    }

    /// When the call must be over.
    pub fn deadline(&self) -> Instant {
        self.progress.deadline
    }

    /// The endpoint it is for.
    pub fn endpoint(&self) -> Endpoint {
        T::ENDPOINT
    }

    /// The idempotency key of a mint, once its first request is built (if keys are on).
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.progress.key.as_ref()
    }

    /// `true` once the call is over.
    pub fn is_finished(&self) -> bool {
        matches!(self.stage, Stage::Done(_))
    }

    /// How the call ended, once it is over (the same outcome [`Action::Done`] gave).
    pub fn outcome(&self) -> Option<T> {
        match self.stage {
            Stage::Done(outcome) => Some(outcome),
            Stage::Live(_) => None,
        }
    }
}
