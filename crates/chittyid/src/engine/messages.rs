//! How the ways a call can end without an answer read to people: `Display` and
//! `Error` for [`Unanswered`], [`MintError`] and [`HealthError`].

use core::fmt;

use super::call::{HealthError, MintError, Unanswered};

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

impl fmt::Display for MintError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MintError::Unavailable(why) => write!(f, "service unavailable: {why}"),
            MintError::OutcomeUnknown { last } => write!(
                f,
                "no answer ({last}) after the request may have reached the service; \
                 not retried without an idempotency key"
            ),
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
            MintError::InvalidAnswer(e) => write!(f, "unusable answer: {e}"),
        }
    }
}

impl core::error::Error for MintError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            MintError::Unavailable(why) => Some(why),
            MintError::InvalidAnswer(e) => Some(e),
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
    use crate::resilience::Failure;
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
                last: Failure::NoResponse
            }
            .to_string(),
            "no answer (the connection closed without an answer) after the request may \
             have reached the service; not retried without an idempotency key"
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
