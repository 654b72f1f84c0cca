//! How calls end: a validation's verdict, a mint's error, a health check's error, and
//! why a call got no answer. Each kind of call ends in its own type, and each error
//! type's `Display` (how it reads to people) and `Error` sit beside it.

use core::fmt;

use super::Failure;
use crate::resilience::Instant;
use crate::wire::{
    ErrorBody, HealthAnswer, IdempotencyKey, MintAnswer, MintRequest, Text, WireError,
};
use crate::{ChittyId, IdKind, ParseError};

/// How a validation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
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
#[non_exhaustive]
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
    /// The client's own rate limit would have held the call past its deadline: it
    /// ended at once rather than wait in vain.
    Throttled {
        /// When the rate limit would have let it go.
        until: Instant,
    },
}

impl fmt::Display for Unanswered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unanswered::BreakerOpen { .. } => f.write_str("the circuit breaker is open"),
            Unanswered::ServiceDown => {
                f.write_str("the health monitor has given up on the service")
            }
            Unanswered::Failed { last, attempts: 1 } => write!(f, "1 attempt failed: {last}"),
            Unanswered::Failed { last, attempts } => {
                write!(f, "{attempts} attempts failed, the last: {last}")
            }
            Unanswered::DeadlineExceeded => f.write_str("the call's deadline passed"),
            Unanswered::BufferTooSmall => f.write_str("the request does not fit the buffer"),
            Unanswered::Cancelled => f.write_str("the call was cancelled"),
            Unanswered::Throttled { .. } => {
                f.write_str("the client's rate limit would hold the call past its deadline")
            }
        }
    }
}

impl core::error::Error for Unanswered {}

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

/// "1 request" or "N requests".
struct Attempts(u8);

impl fmt::Display for Attempts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            1 => f.write_str("1 request"),
            n => write!(f, "{n} requests"),
        }
    }
}

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MintError::Unavailable(why) => write!(f, "service unavailable: {why}"),
            MintError::OutcomeUnknown {
                last,
                attempts,
                key,
                resend_safe,
            } => {
                write!(
                    f,
                    "outcome unknown: {} may have reached the service, which may have \
                     minted an ID, and no usable answer came (the last: {last})",
                    Attempts(*attempts)
                )?;
                match (key, resend_safe) {
                    (Some(key), true) => write!(
                        f,
                        "; the service honours keys: resend with Idempotency-Key {} to learn \
                         the ID",
                        key.as_str()
                    ),
                    (Some(key), false) => write!(
                        f,
                        "; not sent again, because the service is not known to honour keys \
                         and could mint twice (the requests carried Idempotency-Key {})",
                        key.as_str()
                    ),
                    (None, _) => f.write_str(
                        "; not sent again, because without an idempotency key the service \
                         would mint twice",
                    ),
                }
            }
            MintError::TokenRefused { fallback } => write!(
                f,
                "the service refused to mint (MINT_REJECTED), which usually means the token \
                 is missing or wrong: check the token (CHITTY_ID_TOKEN); it handed out the \
                 pending fallback ID {fallback}"
            ),
            MintError::RequestRefused { fallback } => write!(
                f,
                "the service refused the request's fields (INVALID_REQUEST); it handed out \
                 the pending fallback ID {fallback}"
            ),
            MintError::RateLimited { fallback, attempts } => write!(
                f,
                "the service's minting back end is rate limited (RATE_LIMITED) after {}; \
                 try again later; the last pending fallback ID: {fallback}",
                Attempts(*attempts)
            ),
            MintError::ReservedJurisdiction => f.write_str(
                "the jurisdiction ERR marks fallback IDs and cannot be asked for; give a \
                 country code such as USA",
            ),
            MintError::Mismatch { id, asked } => {
                write!(f, "the service minted {id}, which is not what was asked:")?;
                let mut sep = " ";
                if asked.entity_type != id.entity_type() {
                    write!(
                        f,
                        "{sep}type {} for {}",
                        id.entity_type().name(),
                        asked.entity_type.name()
                    )?;
                    sep = ", ";
                }
                if let Some(region) = asked.region.filter(|&r| r != id.region()) {
                    write!(
                        f,
                        "{sep}region {} for {}",
                        id.region().digit(),
                        region.digit()
                    )?;
                    sep = ", ";
                }
                if let Some(j) = asked.jurisdiction.filter(|&j| j != id.jurisdiction()) {
                    write!(f, "{sep}jurisdiction {} for {j}", id.jurisdiction())?;
                    sep = ", ";
                }
                if let Some(t) = asked.trust_level.filter(|&t| t != id.trust_level()) {
                    write!(
                        f,
                        "{sep}trust {} for {}",
                        id.trust_level().digit(),
                        t.digit()
                    )?;
                }
                Ok(())
            }
            MintError::Unauthorized { status } => {
                write!(
                    f,
                    "unauthorized (HTTP {status}): the token is missing or wrong"
                )
            }
            MintError::Rejected { status, error } => {
                write!(f, "rejected (HTTP {status})")?;
                match error.and_then(|e| e.message) {
                    Some(message) => write!(f, ": {message}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl core::error::Error for MintError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            MintError::Unavailable(why) => Some(why),
            _ => None,
        }
    }
}

/// Why a health check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum HealthError {
    /// The service was not asked, or did not answer.
    Unavailable(Unanswered),
    /// It answered something unusable.
    InvalidAnswer(WireError),
}

impl fmt::Display for HealthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealthError::Unavailable(why) => write!(f, "service unavailable: {why}"),
            HealthError::InvalidAnswer(e) => write!(f, "unusable answer: {e}"),
        }
    }
}

impl core::error::Error for HealthError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            HealthError::Unavailable(why) => Some(why),
            HealthError::InvalidAnswer(e) => Some(e),
        }
    }
}

/// How a mint ends: its ID (final, or pending as a fallback ID) or why there is none.
pub type MintResult = Result<MintAnswer, MintError>;

/// How a health check ends.
pub type HealthResult = Result<HealthAnswer, HealthError>;

#[cfg(test)]
mod tests {
    use std::string::ToString;

    use super::*;

    #[test]
    fn errors_read_as_sentences() {
        let failed = Unanswered::Failed {
            last: Failure::Status(503),
            attempts: 3,
        };
        assert_eq!(
            MintError::Unavailable(failed).to_string(),
            "service unavailable: 3 attempts failed, the last: HTTP status 503"
        );
        assert_eq!(
            MintError::OutcomeUnknown {
                last: Failure::NoResponse,
                attempts: 1,
                key: None,
                resend_safe: false,
            }
            .to_string(),
            "outcome unknown: 1 request may have reached the service, which may have minted \
             an ID, and no usable answer came (the last: the connection closed without an \
             answer); not sent again, because without an idempotency key the service would \
             mint twice"
        );
        let fallback: crate::ChittyId = "03-0-ERR-0003-T-2611-0-74".parse().unwrap();
        assert!(
            MintError::TokenRefused { fallback }
                .to_string()
                .contains("token is missing or wrong")
        );
        let asked = crate::wire::MintRequest {
            region: crate::Region::from_digit(3),
            ..crate::wire::MintRequest::new(crate::EntityType::Thing)
        };
        let id: crate::ChittyId = "03-1-USA-5537-P-2602-0-38".parse().unwrap();
        assert_eq!(
            MintError::Mismatch { id, asked }.to_string(),
            "the service minted 03-1-USA-5537-P-2602-0-38, which is not what was asked: \
             type person for thing, region 1 for 3"
        );
        assert_eq!(
            HealthError::InvalidAnswer(WireError::MissingId).to_string(),
            "unusable answer: answer carries no ID"
        );
        assert_eq!(
            Unanswered::Failed {
                last: Failure::TimedOut,
                attempts: 1
            }
            .to_string(),
            "1 attempt failed: no answer in time"
        );
    }
}
