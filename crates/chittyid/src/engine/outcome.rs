//! How a mint ends when it ends without an ID: what its caller is told, given what is
//! known about its attempts (may one have reached the service, which key did it carry,
//! may it be resent safely).

use super::Failure;
use super::answers::{MintError, Unanswered};
use super::call::Progress;
use crate::FallbackCode;
use crate::wire::ErrorBody;

/// The outcome of a mint that may have reached the service and got no usable answer.
pub(super) fn unknown(progress: &Progress, last: Failure, resend_safe: bool) -> MintError {
    MintError::OutcomeUnknown {
        last,
        attempts: progress.attempts,
        key: progress.key,
        resend_safe,
    }
}

/// The error of a mint whose last attempt failed and will not be retried.
/// `arrived_before` says whether an earlier attempt may have reached the service: then
/// nothing the last answer says can rule out an ID committed earlier, and the outcome
/// is unknown. Otherwise the last answer decides.
pub(super) fn mint_error(
    progress: &Progress,
    failure: Failure,
    error: Option<ErrorBody>,
    arrived_before: bool,
    resend_safe: bool,
) -> MintError {
    let attempts = progress.attempts;
    match (failure, progress.fallback) {
        _ if arrived_before => unknown(progress, failure, resend_safe),
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
        _ if progress.may_have_arrived => unknown(progress, failure, resend_safe),
        _ => MintError::Unavailable(Unanswered::Failed {
            last: failure,
            attempts,
        }),
    }
}
