//! [`Failure`]: how one attempt failed, as the engine sees it at its edge, and what that
//! means: whether it counts against the breaker, whether another attempt may help, and
//! whether the service may have acted on the request.

use crate::FallbackCode;

/// How one attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Failure {
    /// The request cannot have reached the service: connection refused, name or TLS
    /// failure before any byte of the request was written.
    NotSent,
    /// The connection broke after the request was (perhaps partly) written and before
    /// any response: the service may have acted on it.
    NoResponse,
    /// No answer before the attempt's time-out: the service may have acted on it.
    TimedOut,
    /// An HTTP status that is not a success.
    Status(u16),
    /// An answer that could not be understood (broken framing or body).
    InvalidResponse,
    /// A 2xx mint answer that carries a fallback ID: the service's front is up, its
    /// minting back end failed with this code (`RATE_LIMITED`, `MINT_UNAVAILABLE`, …).
    Fallback(FallbackCode),
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Failure::NotSent => f.write_str("the request was not sent (no connection)"),
            Failure::NoResponse => f.write_str("the connection closed without an answer"),
            Failure::TimedOut => f.write_str("no answer in time"),
            Failure::Status(status) => write!(f, "HTTP status {status}"),
            Failure::InvalidResponse => f.write_str("an answer that is not valid HTTP"),
            Failure::Fallback(code) => write!(f, "a fallback ID with code {code}"),
        }
    }
}

impl Failure {
    /// Whether this outcome says the service is in trouble: transport errors, time-outs,
    /// 5xx and 429 count; 4xx answers such as 400, 401, 403, 404 and 422 do not (the
    /// service is up and said no), nor does a garbled answer.
    pub const fn counts_against_breaker(self) -> bool {
        match self {
            Failure::NotSent | Failure::NoResponse | Failure::TimedOut => true,
            Failure::Status(status) => status == 429 || status >= 500,
            Failure::InvalidResponse => false,
            // A refused token or request says nothing about the service's health.
            Failure::Fallback(code) => !matches!(
                code,
                FallbackCode::MINT_REJECTED | FallbackCode::INVALID_REQUEST
            ),
        }
    }

    /// Whether another attempt may help, for a call that is `idempotent` (a validation,
    /// a health check, or a mint that carries an idempotency key).
    ///
    /// A request that was never sent is always retried. 429 and 503 are explicit
    /// refusals, so nothing was done: retried too. A reset, a time-out, a 502/504 from a
    /// gateway or a garbled answer leave the outcome unknown: retried only when the call
    /// is idempotent, so that a mint is never committed twice.
    pub const fn is_retryable(self, idempotent: bool) -> bool {
        match self {
            Failure::NotSent => true,
            Failure::Status(429 | 503) => true,
            Failure::Status(502 | 504) => idempotent,
            Failure::Status(_) => false,
            Failure::NoResponse | Failure::TimedOut | Failure::InvalidResponse => idempotent,
            // The back end said "slow down" and minted nothing; the others are answers.
            Failure::Fallback(code) => code.get() == FallbackCode::RATE_LIMITED.get(),
        }
    }

    /// Whether the service may have acted on the request: a refusal it answered (4xx,
    /// 503, a fallback ID) says that it did not; a gateway's 502/504, a 500, a lost or
    /// unreadable answer leave it open.
    pub const fn may_have_reached_service(self) -> bool {
        !matches!(
            self,
            Failure::NotSent | Failure::Status(400..=499 | 503) | Failure::Fallback(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mint_without_key_is_retried_only_when_it_cannot_have_arrived() {
        for failure in [
            Failure::NoResponse,
            Failure::TimedOut,
            Failure::Status(502),
            Failure::Status(504),
        ] {
            assert!(!failure.is_retryable(false), "{failure:?}");
            assert!(failure.is_retryable(true), "{failure:?}");
        }
        for failure in [Failure::NotSent, Failure::Status(503), Failure::Status(429)] {
            assert!(failure.is_retryable(false), "{failure:?}");
        }
        for status in [400, 401, 403, 404, 422, 500] {
            assert!(!Failure::Status(status).is_retryable(true), "{status}");
        }
    }

    #[test]
    fn what_counts_against_the_breaker() {
        for status in [500, 502, 503, 504, 429] {
            assert!(Failure::Status(status).counts_against_breaker());
        }
        for status in [400, 401, 403, 404, 422] {
            assert!(!Failure::Status(status).counts_against_breaker());
        }
        assert!(Failure::TimedOut.counts_against_breaker());
        assert!(Failure::NoResponse.counts_against_breaker());
    }
}
