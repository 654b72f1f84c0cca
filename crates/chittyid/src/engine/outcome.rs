//! How a call ends when it ends without a usable answer: what a caller is told for each
//! operation, given what is known about the attempts (may one have reached the service,
//! which key did it carry, does the service honour keys).

use super::call::{Call, HealthError, MintError, Outcome, Phase, Target, Unanswered, Validation};
use crate::resilience::{Failure, Instant};
use crate::wire::ErrorBody;
use crate::{FallbackCode, IdKind};

/// `true` for the validation of a fallback ID: the service may replace it, and says so
/// only once, so such a call is not sent again once an attempt may have arrived.
pub(super) fn replaces_once(call: &Call) -> bool {
    matches!(call.target, Target::Validate(id) if matches!(id.kind(), IdKind::Fallback(_)))
}

/// The outcome of a mint that may have reached the service and got no usable answer.
pub(super) fn unknown(call: &Call, last: Failure, keys_honoured: bool) -> MintError {
    MintError::OutcomeUnknown {
        last,
        attempts: call.attempts,
        key: call.idempotency_key().copied(),
        resend_safe: call.target.idempotent(keys_honoured),
    }
}

/// How a call ends when the service was not asked or did not answer: a validation
/// keeps its local verdict, explicitly local-only (or, for a fallback ID the service
/// may have replaced, says that the replacement is unknown); a mint that may have
/// reached the service has an unknown outcome; other mints and health checks fail.
#[inline(always)]
pub(super) fn unanswered_outcome(call: &Call, reason: Unanswered, keys_honoured: bool) -> Outcome {
    let last = call.last_failure.unwrap_or(Failure::NoResponse);
    match call.target {
        Target::Mint { .. } if call.may_have_arrived => {
            Outcome::Mint(Err(unknown(call, last, keys_honoured)))
        }
        Target::Mint { .. } => Outcome::Mint(Err(MintError::Unavailable(reason))),
        Target::Health { .. } | Target::Malformed => {
            Outcome::Health(Err(HealthError::Unavailable(reason)))
        }
        Target::Validate(id) if call.may_have_arrived && replaces_once(call) => {
            Outcome::Validation(Validation::ReplacementUnknown {
                id,
                last,
                attempts: call.attempts,
            })
        }
        Target::Validate(id) => Outcome::Validation(Validation::LocalOnly {
            id,
            kind: id.kind(),
            reason,
        }),
    }
}

/// A call that ended before it began.
#[inline(always)]
pub(super) fn finished(target: Target, now: Instant, outcome: Outcome) -> Call {
    Call {
        target,
        started: now,
        deadline: now,
        attempts: 0,
        phase: Phase::Finished(outcome),
        last_failure: None,
        may_have_arrived: false,
        fallback: None,
    }
}

/// The error of a mint whose last attempt failed and will not be retried.
/// `arrived_before` says whether an earlier attempt may have reached the service: then
/// nothing the last answer says can rule out an ID committed earlier, and the outcome
/// is unknown. Otherwise the last answer decides.
pub(super) fn mint_error(
    call: &Call,
    failure: Failure,
    error: Option<ErrorBody>,
    arrived_before: bool,
    keys_honoured: bool,
) -> MintError {
    let attempts = call.attempts;
    match (failure, call.fallback) {
        _ if arrived_before => unknown(call, failure, keys_honoured),
        (Failure::Status(status @ (401 | 403)), _) => MintError::Unauthorized { status },
        (Failure::Status(status), _) if (400..500).contains(&status) && status != 429 => {
            MintError::Rejected { status, error }
        }
        (Failure::Fallback(FallbackCode::MINT_REJECTED), Some(fallback)) => {
            MintError::TokenRefused { fallback }
        }
        (Failure::Fallback(FallbackCode::INVALID_REQUEST), Some(fallback)) => {
            MintError::RequestRefused { fallback }
        }
        (Failure::Fallback(FallbackCode::RATE_LIMITED), Some(fallback)) => {
            MintError::RateLimited { fallback, attempts }
        }
        _ if call.may_have_arrived => unknown(call, failure, keys_honoured),
        _ => MintError::Unavailable(Unanswered::Failed {
            last: failure,
            attempts,
        }),
    }
}
