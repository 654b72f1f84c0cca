//! How the ways a call can end without an answer read to people: `Display` and
//! `Error` for [`Unanswered`], [`MintError`] and [`HealthError`].

use core::fmt;

use super::answers::{HealthError, MintError, Unanswered};

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
        }
    }
}

impl core::error::Error for Unanswered {}

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

#[cfg(test)]
mod tests {
    extern crate std;
    use std::string::ToString;

    use super::*;
    use crate::engine::Failure;
    use crate::wire::WireError;

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
