//! One call's state and the types that cross the engine's edge: what to do
//! ([`Action`]), what the adapter saw ([`Response`]), and how the call ended ([`Outcome`]).

use crate::resilience::{Failure, Instant, Permit};
use crate::wire::{
    ErrorBody, HealthAnswer, IdempotencyKey, MintAnswer, MintRequest, Request, Text, WireError,
};
use crate::{ChittyId, IdKind, ParseError};

use super::events::Endpoint;

/// What a call is asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation<'a> {
    /// Mint one ID.
    Mint(MintRequest),
    /// Send a mint again with the key it was first sent with, after it ended in
    /// [`MintError::OutcomeUnknown`]: a service that honours `Idempotency-Key` answers
    /// with the ID it minted the first time. Only for such services.
    MintWithKey(MintRequest, IdempotencyKey),
    /// Validate this text (checked locally first).
    Validate(&'a [u8]),
    /// Check the service's health, for the caller. It does not count as one of the
    /// health monitor's checks.
    Health,
    /// The health monitor's own check: begin it when [`super::Engine::health_poll`]
    /// says [`crate::resilience::HealthPoll::CheckNow`]. Its deadline is the monitor's
    /// time-out (default 5 s), not the call deadline, and its outcome moves the
    /// monitor.
    HealthCheck,
}

/// What the adapter must do next for a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "the adapter must carry out the action: send, wait, or take the outcome"]
pub enum Action<'b> {
    /// Send this request; report its end (answer, transport error, or time-out) no later
    /// than `timeout_at`.
    Send {
        /// The request.
        request: Request<'b>,
        /// When to give up waiting and report a time-out.
        timeout_at: Instant,
    },
    /// Nothing to do before this instant (a back-off); then poll again.
    WaitUntil(Instant),
    /// The call is over.
    Done(Outcome),
}

/// An HTTP answer as the adapter received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    /// The raw `Retry-After` header value, if any.
    pub retry_after: Option<&'a [u8]>,
    /// The raw `Idempotency-Key` header value, if any: a service that echoes the
    /// request's key says that it honours keys.
    pub idempotency_key: Option<&'a [u8]>,
    /// The body (the engine enforces its own size limit), or its start when `cut`.
    pub body: &'a [u8],
    /// The body was longer than the adapter keeps: `body` is only its start. The status
    /// still counts as the service's answer; a 2xx answer cut short is unusable.
    pub cut: bool,
}

impl<'a> Response<'a> {
    /// An answer with this status and body and no headers the engine reads.
    pub const fn new(status: u16, body: &'a [u8]) -> Response<'a> {
        Response {
            status,
            retry_after: None,
            idempotency_key: None,
            body,
            cut: false,
        }
    }
}

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
    /// resend later with [`Operation::MintWithKey`] and `key` to learn the ID.
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

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Outcome {
    /// A validation's verdict.
    Validation(Validation),
    /// A mint's ID (final or pending) or error.
    Mint(Result<MintAnswer, MintError>),
    /// A health check's answer or error.
    Health(Result<HealthAnswer, HealthError>),
}

/// The call's own operation, after the local steps.
#[derive(Debug, Clone, Copy)]
pub(super) enum Target {
    Mint {
        what: MintRequest,
        key: Option<IdempotencyKey>,
        /// The caller gave the key ([`Operation::MintWithKey`]): it says the service
        /// honours keys.
        by_caller: bool,
    },
    Validate(ChittyId),
    /// A health check (the monitor's own when `monitor`); while the engine is learning
    /// whether the service honours idempotency keys, it carries the engine's probe key
    /// (a GET is harmless to repeat).
    Health {
        monitor: bool,
    },
    /// A validation refused by the local parser (finished before it began).
    Malformed,
}

impl Target {
    pub(super) fn endpoint(&self) -> Endpoint {
        match self {
            Target::Mint { .. } => Endpoint::Mint,
            Target::Validate(_) | Target::Malformed => Endpoint::Validate,
            Target::Health { .. } => Endpoint::Health,
        }
    }

    /// Whether a repeat is harmless: validations and health checks always; mints only
    /// with an idempotency key that the service honours (`keys_honoured`, known from
    /// the settings or learned from its answers) or that the caller gave.
    pub(super) fn idempotent(&self, keys_honoured: bool) -> bool {
        match self {
            Target::Mint { key: None, .. } => false,
            Target::Mint {
                by_caller: true, ..
            } => true,
            Target::Mint { .. } => keys_honoured,
            _ => true,
        }
    }
}

/// Whether a minted ID differs from the request in a field the request set.
pub(super) fn differs(asked: &MintRequest, id: ChittyId) -> bool {
    asked.entity_type != id.entity_type()
        || asked.region.is_some_and(|r| r != id.region())
        || asked.jurisdiction.is_some_and(|j| j != id.jurisdiction())
        || asked.trust_level.is_some_and(|t| t != id.trust_level())
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Phase {
    /// Ready to send the next attempt.
    Ready,
    /// An attempt is out.
    InFlight { permit: Permit, timeout_at: Instant },
    /// Waiting before the next attempt.
    Backoff { until: Instant },
    /// Over.
    Finished(Outcome),
}

/// One call in progress. Many can be in flight against one engine; each is driven with
/// [`super::Engine::poll`] and the `on_*` reports. It is neither `Copy` nor `Clone`: a
/// copy reported as well as the original would count one attempt twice.
#[derive(Debug)]
#[must_use = "a call does nothing until it is polled, and holds a breaker slot while out"]
pub struct Call {
    pub(super) target: Target,
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
}

impl Call {
    /// Requests sent so far.
    pub fn attempts(&self) -> u8 {
        self.attempts
    }

    /// When the call must be over.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The endpoint it is for.
    pub fn endpoint(&self) -> Endpoint {
        self.target.endpoint()
    }

    /// The idempotency key of a mint, once its first request is built (if keys are on).
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        match &self.target {
            Target::Mint { key, .. } => key.as_ref(),
            _ => None,
        }
    }

    /// `true` once the call is over.
    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Finished(_))
    }
}
