//! How calls end: a validation's verdict, a mint's error, a health check's error, and
//! why a call got no answer. Each kind of call ends in its own type.

use super::Failure;
use crate::resilience::Instant;
use crate::wire::{
    ErrorBody, HealthAnswer, IdempotencyKey, MintAnswer, MintRequest, Text, WireError,
};
use crate::{ChittyId, IdKind, ParseError};

/// How a validation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Validation {
    /// The text is not a well-formed ID; the network was not used.
    Malformed(ParseError),
    /// The service's verdict (fresh, or from the cache within its TTL).
    Authoritative {
        /// The ID.
        id: ChittyId,
        /// The verdict.
        valid: bool,
        /// The service's reason, when it gave one.
        reason: Option<Text<64>>,
        /// `true` when it came from the cache.
        cached: bool,
    },
    /// The ID is a fallback ID that the service has now replaced with a final one. The
    /// service says so once: the next validation of `old` will not tell `new` again.
    Replaced {
        /// The fallback ID asked about.
        old: ChittyId,
        /// The final ID that replaces it.
        new: ChittyId,
    },
    /// The ID is a fallback ID, an attempt may have reached the service and no usable
    /// answer came. The service may have replaced it, and says so only once, so the call
    /// was not sent again: the replacement, if any, cannot be learned by validating
    /// again.
    ReplacementUnknown {
        /// The fallback ID asked about.
        id: ChittyId,
        /// How the last attempt ended.
        last: Failure,
        /// Requests sent.
        attempts: u8,
    },
    /// The service could not be asked: only the local format check stands. Never a
    /// silent "valid".
    LocalOnly {
        /// The ID, well formed and with a correct check value.
        id: ChittyId,
        /// Its local kind (a fallback ID is pending, never final).
        kind: IdKind,
        /// Why the service was not asked, or did not answer.
        reason: Unanswered,
    },
}

/// Why a call got no answer from the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Unanswered {
    /// The endpoint's breaker is open (until then, if known).
    BreakerOpen {
        /// When a probe will be admitted.
        until: Option<Instant>,
    },
    /// The health monitor has given up on the service.
    ServiceDown,
    /// Attempts failed; this is how the last one did.
    Failed {
        /// The last failure.
        last: Failure,
        /// Requests sent.
        attempts: u8,
    },
    /// The call's deadline passed.
    DeadlineExceeded,
    /// The request did not fit the adapter's buffer, so it was not sent.
    BufferTooSmall,
    /// The caller abandoned the call.
    Cancelled,
}

/// Why a mint produced no ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum MintError {
    /// The service was not asked, or did not answer.
    Unavailable(Unanswered),
    /// A request may have reached the service, which may have committed an ID, but no
    /// usable answer came (none, a time-out, a gateway error, an unreadable 2xx). It is
    /// not sent again unless the service honours keys. When it does (`resend_safe`),
    /// resend later with [`super::Engine::begin_mint_with_key`] and `key` to learn the ID.
    OutcomeUnknown {
        /// How the last attempt ended.
        last: Failure,
        /// Requests sent.
        attempts: u8,
        /// The `Idempotency-Key` the requests carried, if any.
        key: Option<IdempotencyKey>,
        /// The service is known to honour keys: resending with `key` returns the ID it
        /// minted, if it minted one, and mints none twice. Without that, a resend may
        /// mint again.
        resend_safe: bool,
    },
    /// The service answered with a `MINT_REJECTED` fallback ID: its minting back end
    /// refused the request, which usually means the token is missing or wrong.
    TokenRefused {
        /// The fallback ID it handed out (pending, never final).
        fallback: ChittyId,
    },
    /// The service answered with an `INVALID_REQUEST` fallback ID: its minting back end
    /// refused the request's fields.
    RequestRefused {
        /// The fallback ID it handed out (pending, never final).
        fallback: ChittyId,
    },
    /// The service kept answering with `RATE_LIMITED` fallback IDs: its minting back end
    /// asked for fewer requests, and the retries allowed ran out.
    RateLimited {
        /// The last fallback ID it handed out (pending, never final).
        fallback: ChittyId,
        /// Requests sent.
        attempts: u8,
    },
    /// The request asks for the jurisdiction `ERR`, which marks fallback IDs: it is
    /// refused before anything is sent.
    ReservedJurisdiction,
    /// The service minted an ID that is not what was asked for (a region, jurisdiction,
    /// trust level or entity type differs). The ID is real and is handed on, never lost.
    Mismatch {
        /// The ID the service minted.
        id: ChittyId,
        /// What was asked for.
        asked: MintRequest,
    },
    /// The token is missing or wrong (401/403).
    Unauthorized {
        /// The status.
        status: u16,
    },
    /// The service refused the request (400, 422, …).
    Rejected {
        /// The status.
        status: u16,
        /// Its error body, if it sent one.
        error: Option<ErrorBody>,
    },
}

/// Why a health check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum HealthError {
    /// The service was not asked, or did not answer.
    Unavailable(Unanswered),
    /// It answered something unusable.
    InvalidAnswer(WireError),
}

/// How a mint ends: its ID (final, or pending as a fallback ID) or why there is none.
pub type MintResult = Result<MintAnswer, MintError>;

/// How a health check ends.
pub type HealthResult = Result<HealthAnswer, HealthError>;
