//! The three kinds of call and what is particular to each: what a call asks, the
//! request it sends, how a 2xx answer decodes, and how it ends when no usable answer
//! came. Everything else (breakers, retries, budget, health, statistics) is shared and
//! lives in the engine, untyped, so that each kind adds only these few functions.

use super::Failure;
use crate::resilience::{Instant, Rng};
use crate::wire::{
    ErrorBody, IdempotencyKey, MintAnswer, MintRequest, Request, WireError, decode_health,
    decode_mint, decode_validate,
};
use crate::{ChittyId, FallbackCode, IdKind};

use super::answers::{HealthError, HealthResult, MintError, MintResult, Unanswered, Validation};
use super::call::Progress;
use super::coalesce::{Found, Share, SharedAnswers};
use super::config::KeyPolicy;
use super::endpoints::Endpoint;
use super::outcome;

/// How a call of any kind ends, as its outcome type: [`Validation`], [`MintResult`] or
/// [`HealthResult`]. Sealed: the engine's three kinds of call are all there are.
pub trait Answer: Kind {}

impl<T: Kind> Answer for T {}

/// Why a call ended without a usable answer, whatever its kind.
#[derive(Debug, Clone, Copy)]
pub enum End {
    /// The service was not asked, or did not answer.
    Unanswered(Unanswered),
    /// The last attempt failed and will not be retried. `arrived_before`: an earlier
    /// attempt may have reached the service.
    Failed {
        failure: Failure,
        arrived_before: bool,
    },
    /// A 2xx answer that cannot be used.
    Unusable(WireError),
}

/// What a 2xx answer says, for the engine's shared bookkeeping.
#[derive(Debug, Clone, Copy)]
pub enum Decoded<T> {
    /// The call's outcome; `pending` when the service's minting back end is in trouble
    /// (a fallback ID handed out: a failure for the breaker and the health monitor).
    Final { outcome: T, pending: bool },
    /// A fallback ID for a refused token or request, or a rate limit: a failed attempt.
    Refused {
        fallback: ChittyId,
        code: FallbackCode,
    },
    /// It cannot be used.
    Unusable(WireError),
}

/// The engine's key state a request may need.
pub struct Keys<'e> {
    pub policy: KeyPolicy,
    /// The service has shown it honours keys.
    pub learned: bool,
    /// The key health checks carry while the engine learns whether keys are honoured.
    pub probe: &'e mut Option<IdempotencyKey>,
    pub rng: &'e mut Rng,
}

/// What a validation asks: a well-formed ID; and whether it leads or follows other
/// validations of it.
#[derive(Debug, Clone, Copy)]
pub struct ValidateTarget {
    pub id: ChittyId,
    pub share: Share,
}

/// What a call that follows another finds when polled.
pub enum Following<T> {
    /// The leader is still asking; it ends by then.
    Wait(Instant),
    /// The leader's answer, this call's too.
    Answer(T),
}

/// What a mint asks.
#[derive(Debug, Clone, Copy)]
pub struct MintTarget {
    pub what: MintRequest,
    /// The caller gave the key: it says the service honours keys.
    pub by_caller: bool,
}

/// A health check; the monitor's own when `monitor`.
#[derive(Debug, Clone, Copy)]
pub struct HealthTarget {
    pub monitor: bool,
}

/// The per-kind part of a call (sealed: see [`Answer`]).
pub trait Kind: Copy + Send + Sized {
    /// What the call asks, kept until it ends.
    type Target: Copy + Send + core::fmt::Debug;
    /// Its endpoint: its breaker and statistics.
    const ENDPOINT: Endpoint;

    /// Whether a repeat is harmless (a mint only with a key the service honours).
    fn idempotent(_target: &Self::Target, _progress: &Progress, _keys_honoured: bool) -> bool {
        true
    }

    /// The service tells the answer only once (the validation of a fallback ID): not
    /// sent again once an attempt may have arrived.
    fn replaces_once(_target: &Self::Target) -> bool {
        false
    }

    /// The key the attempt's request carried, if any.
    fn sent_key<'k>(
        progress: &'k Progress,
        probe: Option<&'k IdempotencyKey>,
    ) -> Option<&'k IdempotencyKey>;

    /// Builds the attempt's request into `buf`, drawing a key where one is due.
    fn build<'b>(
        target: &Self::Target,
        progress: &mut Progress,
        keys: Keys<'_>,
        buf: &'b mut [u8],
    ) -> Result<Request<'b>, WireError>;

    /// What a complete 2xx body says.
    fn decode(target: &Self::Target, body: &[u8]) -> Decoded<Self>;

    /// The outcome of a call that ended without a usable answer; `error` is what the
    /// body of a last answer with a failed status names (kept out of `End`, which
    /// travels through every step and is small).
    fn conclude(
        target: &Self::Target,
        progress: &Progress,
        end: End,
        error: Option<ErrorBody>,
        keys_honoured: bool,
    ) -> Self;

    /// For the health monitor's own check, whether it passed.
    fn monitor_check(_target: &Self::Target, _outcome: &Self) -> Option<bool> {
        None
    }

    /// A call that follows another's (coalescing): what it finds. `None` for a call
    /// that does not follow: it goes on to send.
    fn follow<const N: usize>(
        _target: &mut Self::Target,
        _shared: &mut SharedAnswers<N>,
        _now: Instant,
        _deadline: Instant,
    ) -> Option<Following<Self>> {
        None
    }

    /// The call ended with `outcome`: a leader shares it with its followers.
    fn share<const N: usize>(
        _target: &Self::Target,
        _outcome: &Self,
        _shared: &mut SharedAnswers<N>,
    ) {
    }

    /// The call leaves without an answer to share (cancelled, or a follower past its
    /// deadline).
    fn leave<const N: usize>(_target: &Self::Target, _shared: &mut SharedAnswers<N>) {}

    /// `true` when the service answered (a shared answer counts as a success).
    fn is_service_answer(&self) -> bool {
        false
    }

    /// `true` when only the local format check stands (counted in the statistics).
    fn is_local_only(&self) -> bool {
        false
    }

    /// A fresh verdict to keep in the cache: the ID and whether it is valid.
    fn verdict(&self) -> Option<(ChittyId, bool)> {
        None
    }

    /// `true` for a fallback ID's replacement (counted in the statistics).
    fn is_replacement(&self) -> bool {
        false
    }
}

impl Kind for Validation {
    type Target = ValidateTarget;
    const ENDPOINT: Endpoint = Endpoint::Validate;

    fn replaces_once(target: &ValidateTarget) -> bool {
        matches!(target.id.kind(), IdKind::Fallback(_))
    }

    fn sent_key<'k>(_: &'k Progress, _: Option<&'k IdempotencyKey>) -> Option<&'k IdempotencyKey> {
        None
    }

    fn build<'b>(
        target: &ValidateTarget,
        _: &mut Progress,
        _: Keys<'_>,
        buf: &'b mut [u8],
    ) -> Result<Request<'b>, WireError> {
        Request::validate(target.id, buf)
    }

    fn decode(target: &ValidateTarget, body: &[u8]) -> Decoded<Validation> {
        let id = target.id;
        match decode_validate(body) {
            Ok(answer) => Decoded::Final {
                outcome: match answer.replaced_by {
                    Some(new) => Validation::Replaced { old: id, new },
                    None => Validation::Authoritative {
                        id,
                        valid: answer.valid,
                        reason: answer.reason,
                        cached: false,
                    },
                },
                pending: false,
            },
            Err(error) => Decoded::Unusable(error),
        }
    }

    fn conclude(
        target: &ValidateTarget,
        progress: &Progress,
        end: End,
        _: Option<ErrorBody>,
        _: bool,
    ) -> Validation {
        let id = target.id;
        let reason = match end {
            End::Unanswered(reason) => reason,
            End::Failed { failure, .. } => Unanswered::Failed {
                last: failure,
                attempts: progress.attempts,
            },
            End::Unusable(_) => Unanswered::Failed {
                last: Failure::InvalidResponse,
                attempts: progress.attempts,
            },
        };
        if progress.may_have_arrived && Validation::replaces_once(target) {
            // The service may have replaced it and said so in the answer that was lost.
            return Validation::ReplacementUnknown {
                id,
                last: progress.last_failure.unwrap_or(Failure::NoResponse),
                attempts: progress.attempts,
            };
        }
        Validation::LocalOnly {
            id,
            kind: id.kind(),
            reason,
        }
    }

    fn follow<const N: usize>(
        target: &mut ValidateTarget,
        shared: &mut SharedAnswers<N>,
        now: Instant,
        deadline: Instant,
    ) -> Option<Following<Validation>> {
        let Share::Follows(ticket) = target.share else {
            return None;
        };
        match shared.find(ticket) {
            Found::Asking if now < ticket.until => Some(Following::Wait(ticket.until)),
            Found::Answer(answer) => Some(Following::Answer(answer)),
            Found::Asking | Found::Gone => {
                // The leader left (or was dropped and is past its deadline), or its
                // answer made room for another: join again, to follow or to lead.
                target.share = shared.join(target.id, now, deadline);
                match target.share {
                    Share::Follows(ticket) => Some(Following::Wait(ticket.until)),
                    Share::Leads(_) | Share::Alone => None,
                }
            }
        }
    }

    fn share<const N: usize>(
        target: &ValidateTarget,
        outcome: &Validation,
        shared: &mut SharedAnswers<N>,
    ) {
        let Share::Leads(ticket) = target.share else {
            return;
        };
        match outcome {
            // The leader's own time ran out: its followers, who began later, ask again
            // with the time they have left.
            Validation::LocalOnly {
                reason:
                    Unanswered::DeadlineExceeded | Unanswered::Throttled { .. } | Unanswered::Cancelled,
                ..
            } => shared.leave(target.share),
            _ => shared.answer(ticket, *outcome),
        }
    }

    fn leave<const N: usize>(target: &ValidateTarget, shared: &mut SharedAnswers<N>) {
        shared.leave(target.share);
    }

    fn is_service_answer(&self) -> bool {
        matches!(
            self,
            Validation::Authoritative { .. } | Validation::Replaced { .. }
        )
    }

    fn is_local_only(&self) -> bool {
        matches!(self, Validation::LocalOnly { .. })
    }

    fn verdict(&self) -> Option<(ChittyId, bool)> {
        match *self {
            Validation::Authoritative {
                id,
                valid,
                cached: false,
                ..
            } => Some((id, valid)),
            _ => None,
        }
    }

    fn is_replacement(&self) -> bool {
        matches!(self, Validation::Replaced { .. })
    }
}

impl Kind for MintResult {
    type Target = MintTarget;
    const ENDPOINT: Endpoint = Endpoint::Mint;

    fn idempotent(target: &MintTarget, progress: &Progress, keys_honoured: bool) -> bool {
        progress.key.is_some() && (target.by_caller || keys_honoured)
    }

    fn sent_key<'k>(
        progress: &'k Progress,
        _: Option<&'k IdempotencyKey>,
    ) -> Option<&'k IdempotencyKey> {
        progress.key.as_ref()
    }

    fn build<'b>(
        target: &MintTarget,
        progress: &mut Progress,
        keys: Keys<'_>,
        buf: &'b mut [u8],
    ) -> Result<Request<'b>, WireError> {
        // The key is drawn at the first send, so that calls refused at once cost nothing.
        if progress.key.is_none() && keys.policy != KeyPolicy::Off {
            progress.key = Some(IdempotencyKey::generate(keys.rng));
        }
        Request::mint(&target.what, progress.key.as_ref(), buf)
    }

    fn decode(target: &MintTarget, body: &[u8]) -> Decoded<MintResult> {
        let asked = target.what;
        match decode_mint(body) {
            Ok(MintAnswer::Pending {
                id,
                code:
                    Some(
                        code @ (FallbackCode::RATE_LIMITED
                        | FallbackCode::MINT_REJECTED
                        | FallbackCode::INVALID_REQUEST),
                    ),
            }) => Decoded::Refused { fallback: id, code },
            Ok(pending @ MintAnswer::Pending { .. }) => Decoded::Final {
                outcome: Ok(pending),
                pending: true,
            },
            Ok(MintAnswer::Minted(id)) if differs(&asked, id) => Decoded::Final {
                // The ID is real and is handed on, never lost.
                outcome: Err(MintError::Mismatch { id, asked }),
                pending: false,
            },
            Ok(minted) => Decoded::Final {
                outcome: Ok(minted),
                pending: false,
            },
            Err(error) => Decoded::Unusable(error),
        }
    }

    #[inline]
    fn conclude(
        target: &MintTarget,
        progress: &Progress,
        end: End,
        error: Option<ErrorBody>,
        keys: bool,
    ) -> MintResult {
        let resend_safe = MintResult::idempotent(target, progress, keys);
        Err(match end {
            End::Unanswered(_) if progress.may_have_arrived => {
                let last = progress.last_failure.unwrap_or(Failure::NoResponse);
                outcome::unknown(progress, last, resend_safe)
            }
            End::Unanswered(reason) => MintError::Unavailable(reason),
            End::Failed {
                failure,
                arrived_before,
            } => outcome::mint_error(progress, failure, error, arrived_before, resend_safe),
            // The service may have minted: the answer is lost, not refused.
            End::Unusable(_) => outcome::unknown(progress, Failure::InvalidResponse, resend_safe),
        })
    }
}

impl Kind for HealthResult {
    type Target = HealthTarget;
    const ENDPOINT: Endpoint = Endpoint::Health;

    fn sent_key<'k>(
        _: &'k Progress,
        probe: Option<&'k IdempotencyKey>,
    ) -> Option<&'k IdempotencyKey> {
        probe
    }

    fn build<'b>(
        _: &HealthTarget,
        _: &mut Progress,
        keys: Keys<'_>,
        buf: &'b mut [u8],
    ) -> Result<Request<'b>, WireError> {
        // While the engine learns whether keys are honoured, checks carry its probe key
        // (a GET is harmless to repeat; a service that honours keys echoes it).
        if keys.learned {
            return Request::health(None, buf);
        }
        if keys.policy == KeyPolicy::Learn && keys.probe.is_none() {
            *keys.probe = Some(IdempotencyKey::generate(keys.rng));
        }
        Request::health(keys.probe.as_ref(), buf)
    }

    fn decode(_: &HealthTarget, body: &[u8]) -> Decoded<HealthResult> {
        match decode_health(body) {
            Ok(answer) => Decoded::Final {
                outcome: Ok(answer),
                pending: false,
            },
            Err(error) => Decoded::Unusable(error),
        }
    }

    fn conclude(
        _: &HealthTarget,
        progress: &Progress,
        end: End,
        _: Option<ErrorBody>,
        _: bool,
    ) -> HealthResult {
        Err(match end {
            End::Unanswered(reason) => HealthError::Unavailable(reason),
            End::Failed { failure, .. } => HealthError::Unavailable(Unanswered::Failed {
                last: failure,
                attempts: progress.attempts,
            }),
            End::Unusable(error) => HealthError::InvalidAnswer(error),
        })
    }

    fn monitor_check(target: &HealthTarget, outcome: &HealthResult) -> Option<bool> {
        target
            .monitor
            .then_some(matches!(outcome, Ok(answer) if answer.healthy))
    }
}

/// Whether a minted ID differs from the request in a field the request set.
fn differs(asked: &MintRequest, id: ChittyId) -> bool {
    asked.entity_type != id.entity_type()
        || asked.region.is_some_and(|r| r != id.region())
        || asked.jurisdiction.is_some_and(|j| j != id.jurisdiction())
        || asked.trust_level.is_some_and(|t| t != id.trust_level())
}
