//! The engine's shared steps, the same for every kind of call: admitting an attempt
//! (deadline, health, the client's rate limit, breaker), putting it on the wire, and deciding after each fact
//! whether the call goes on (a retry) or ends. Untyped, so that it exists once in an
//! image whatever kinds of call the firmware makes.

use core::time::Duration;

use super::Failure;
use super::call::{Phase, Progress};
use super::endpoints::Endpoint;
use super::events::{Event, Observer};
use super::kind::End;
use super::{CacheStorage, Engine, Unanswered, Verdict};
use crate::resilience::{
    BreakerState, HealthState, Instant, Permit, Rejection, Transition, millis,
};
use crate::wire::http1::parse_retry_after;
use crate::wire::{ErrorBody, Response, WireError, decode_error};
use crate::{ChittyId, FallbackCode, IdKind};

/// What is known of a call's kind for the shared steps, at one moment (whether keys
/// are honoured may change during a call).
#[derive(Debug, Clone, Copy)]
pub(super) struct Traits {
    pub endpoint: Endpoint,
    /// A repeat is harmless.
    pub idempotent: bool,
    /// The service tells the answer once: not resent once an attempt may have arrived.
    pub replaces_once: bool,
}

impl Traits {
    /// Whether the request may be sent again after an attempt that may have reached the
    /// service.
    fn resendable(self, progress: &Progress) -> bool {
        self.idempotent && !(progress.may_have_arrived && self.replaces_once)
    }
}

/// What [`Engine::poll`] does next, before the request is built.
pub(super) enum Front {
    /// Wait until then.
    Wait(Instant),
    /// The call is over.
    End(End),
    /// An attempt may go out, holding this breaker permit.
    Admitted(Permit),
}

impl<S: CacheStorage, O: Observer, const SHARED: usize> Engine<S, O, SHARED> {
    /// Time passed: an attempt out past its time-out ends as timed out; a back-off
    /// that is over lets the next attempt out if the deadline, the health monitor, the
    /// rate limit and the breaker allow it.
    // Inlined into `poll` where space is cheap, for the reason `Engine::conclude` gives.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    pub(super) fn front(&mut self, traits: Traits, progress: &mut Progress, now: Instant) -> Front {
        // The rate limit booked this attempt's moment already.
        let mut booked = false;
        match progress.phase {
            Phase::InFlight { timeout_at, .. } => {
                if now < timeout_at {
                    return Front::Wait(timeout_at);
                }
                if let Some(end) =
                    self.attempt_failed(traits, progress, Failure::TimedOut, None, now)
                {
                    return Front::End(end);
                }
                // The time-out was the wait: the next attempt goes now.
            }
            Phase::Backoff { until } | Phase::Paced { until } if now < until => {
                return Front::Wait(until);
            }
            Phase::Paced { .. } => booked = true,
            Phase::Backoff { .. } | Phase::Ready => {}
        }
        progress.phase = Phase::Ready;
        let endpoint = traits.endpoint;
        let refused = if now >= progress.deadline {
            Unanswered::DeadlineExceeded
        } else if self.health.is_failed() && endpoint != Endpoint::Health {
            Unanswered::ServiceDown
        } else if let Some(until) = self.pace(endpoint, booked, progress, now) {
            if until >= progress.deadline {
                self.stats.endpoint_mut(endpoint).throttled += 1;
                Unanswered::Throttled { until }
            } else {
                return Front::Wait(until);
            }
        } else {
            let (admitted, transition) = self.breakers.get_mut(endpoint).admit(now);
            self.breaker_moved(endpoint, transition);
            match admitted {
                Ok(permit) => return Front::Admitted(permit),
                Err(rejection) => {
                    let until = match rejection {
                        Rejection::Open { until } => Some(until),
                        Rejection::ProbesBusy => None,
                    };
                    self.stats.endpoint_mut(endpoint).rejected_by_breaker += 1;
                    self.observer.on_event(&Event::Rejected { endpoint, until });
                    Unanswered::BreakerOpen { until }
                }
            }
        };
        self.stats.endpoint_mut(endpoint).failed += 1;
        Front::End(End::Unanswered(refused))
    }

    /// The rate limit's say on an attempt about to go: `None` when it may go now
    /// (booked), or the moment it may go. A moment before the deadline is booked and
    /// waited for; one at or after it is not booked (the call ends). An open breaker
    /// refuses the attempt first, without using the rate.
    fn pace(
        &mut self,
        endpoint: Endpoint,
        booked: bool,
        progress: &mut Progress,
        now: Instant,
    ) -> Option<Instant> {
        let pacer = self.pacers.get_mut(endpoint);
        let refused_by_breaker = self
            .breakers
            .get(endpoint)
            .open_until()
            .is_some_and(|until| now < until);
        if booked || !pacer.is_limited() || refused_by_breaker {
            return None;
        }
        let ready = pacer.ready_at(now);
        if ready <= now {
            let _now = pacer.book(now);
            return None;
        }
        if ready < progress.deadline {
            let until = pacer.book(now);
            progress.phase = Phase::Paced { until };
            let wait_ms = until.millis_since(now);
            let stats = self.stats.endpoint_mut(endpoint);
            stats.paced += 1;
            stats.paced_ms = stats.paced_ms.saturating_add(wait_ms);
            self.observer.on_event(&Event::Paced {
                endpoint,
                until,
                wait_ms,
            });
        }
        Some(ready)
    }

    /// An answer came: a rate limit (`limited`: a 429, a `RATE_LIMITED` fallback) slows
    /// the endpoint's pace down, any other answer lets it recover. Called from the
    /// untyped steps only (a failed attempt, an unusable or a usable answer), so that it
    /// exists once in an image.
    fn paced_answer(&mut self, endpoint: Endpoint, limited: bool, now: Instant) {
        let pacer = self.pacers.get_mut(endpoint);
        let changed = if limited {
            pacer.slow_down(now)
        } else {
            pacer.recover()
        };
        if let (true, Some(per_minute)) = (changed, pacer.per_minute()) {
            if limited {
                self.stats.endpoint_mut(endpoint).pace_slowdowns += 1;
            }
            self.observer.on_event(&Event::Pace {
                endpoint,
                per_minute,
                slowed: limited,
            });
        }
    }

    /// The admitted attempt's request is built: it is in flight until its time-out.
    pub(super) fn sent(
        &mut self,
        endpoint: Endpoint,
        progress: &mut Progress,
        permit: Permit,
        now: Instant,
    ) -> Instant {
        if progress.attempts == 0 {
            // Calls count towards the retry budget when they first load the service.
            self.budget.on_call(now);
        }
        progress.attempts = progress.attempts.saturating_add(1);
        self.stats.endpoint_mut(endpoint).attempts += 1;
        let timeout_at = now
            .saturating_add(self.config.attempt_timeout)
            .min(progress.deadline);
        progress.phase = Phase::InFlight { permit, timeout_at };
        timeout_at
    }

    /// The request does not fit a buffer (the engine's, or the adapter's when `built`,
    /// which undoes the attempt's count): nothing was sent, the breaker slot is given
    /// back, and no retry can help.
    pub(super) fn unsendable(
        &mut self,
        endpoint: Endpoint,
        progress: &mut Progress,
        permit: Permit,
        built: bool,
    ) -> End {
        let stats = self.stats.endpoint_mut(endpoint);
        if built {
            progress.attempts = progress.attempts.saturating_sub(1);
            stats.attempts = stats.attempts.saturating_sub(1);
        }
        stats.failed += 1;
        self.breakers.get_mut(endpoint).release(permit);
        End::Unanswered(Unanswered::BufferTooSmall)
    }

    /// An attempt failed: counted by the breaker and the health monitor as the failure
    /// says, then retried if it may be and attempts, budget and deadline allow. `None`
    /// while the call goes on.
    pub(super) fn attempt_failed(
        &mut self,
        traits: Traits,
        progress: &mut Progress,
        failure: Failure,
        retry_after: Option<Duration>,
        now: Instant,
    ) -> Option<End> {
        let Phase::InFlight { permit, .. } = progress.phase else {
            return None;
        };
        let endpoint = traits.endpoint;
        let arrived_before = progress.may_have_arrived;
        progress.last_failure = Some(failure);
        if failure.may_have_reached_service() {
            progress.may_have_arrived = true;
        }
        if let Failure::Status(_) | Failure::Fallback(_) = failure {
            // An answer: a rate limit slows the pace down, any other lets it recover.
            let limited = matches!(
                failure,
                Failure::Status(429) | Failure::Fallback(FallbackCode::RATE_LIMITED)
            );
            self.paced_answer(endpoint, limited, now);
        }
        let against = failure.counts_against_breaker();
        let transition = self.breakers.get_mut(endpoint).record(permit, against, now);
        self.breaker_moved(endpoint, transition);
        if against {
            self.health.on_passive_failure(now);
        } else {
            let moved = self.health.on_passive_success(now);
            self.health_moved(moved);
        }
        if failure.is_retryable(traits.resendable(progress))
            && self.retry(endpoint, progress, failure, retry_after, now)
        {
            return None;
        }
        self.stats.endpoint_mut(endpoint).failed += 1;
        Some(End::Failed {
            failure,
            arrived_before,
        })
    }

    /// An answer with a status other than 2xx: a failed attempt, with the wait the
    /// service asked for. If the call ends, the error its body names goes with it.
    pub(super) fn status_failed(
        &mut self,
        traits: Traits,
        progress: &mut Progress,
        response: &Response<'_>,
        now: Instant,
    ) -> Option<(End, Option<ErrorBody>)> {
        let retry_after = response.retry_after.and_then(parse_retry_after);
        let failure = Failure::Status(response.status);
        let end = self.attempt_failed(traits, progress, failure, retry_after, now)?;
        Some((end, decode_error(response.body)))
    }

    /// A 2xx answer that cannot be used: the service is up (no failure for the
    /// breaker), and it may have acted, so the call is retried only if resendable.
    pub(super) fn answer_unusable(
        &mut self,
        traits: Traits,
        progress: &mut Progress,
        permit: Permit,
        error: WireError,
        now: Instant,
    ) -> Option<End> {
        let endpoint = traits.endpoint;
        self.paced_answer(endpoint, false, now);
        let transition = self.breakers.get_mut(endpoint).record(permit, false, now);
        self.breaker_moved(endpoint, transition);
        progress.last_failure = Some(Failure::InvalidResponse);
        progress.may_have_arrived = true;
        if traits.resendable(progress)
            && self.retry(endpoint, progress, Failure::InvalidResponse, None, now)
        {
            return None;
        }
        self.stats.endpoint_mut(endpoint).failed += 1;
        Some(End::Unusable(error))
    }

    /// A usable 2xx answer. `pending`: a fallback ID the minting back end handed out
    /// because it is in trouble, a failure for the breaker and the health monitor.
    pub(super) fn succeeded(
        &mut self,
        endpoint: Endpoint,
        permit: Permit,
        pending: bool,
        now: Instant,
    ) {
        self.paced_answer(endpoint, false, now);
        let transition = self.breakers.get_mut(endpoint).record(permit, pending, now);
        self.breaker_moved(endpoint, transition);
        if pending {
            self.health.on_passive_failure(now);
            self.stats.pending_mints += 1;
        } else {
            let moved = self.health.on_passive_success(now);
            self.health_moved(moved);
        }
        self.stats.endpoint_mut(endpoint).succeeded += 1;
    }

    /// Keeps a fresh verdict (a fallback ID's is never kept: the service may replace
    /// it at any time).
    pub(super) fn remember(&mut self, id: ChittyId, valid: bool, now: Instant) {
        if matches!(id.kind(), IdKind::Fallback(_)) {
            return;
        }
        let ttl = if valid {
            self.config.valid_ttl
        } else {
            self.config.invalid_ttl
        };
        if let Some(evicted) = self.cache.insert(id, Verdict { valid }, ttl, now) {
            self.observer
                .on_event(&Event::CacheEviction { id: evicted.key });
        }
    }

    /// Schedules another attempt if attempts, budget and deadline allow.
    fn retry(
        &mut self,
        endpoint: Endpoint,
        progress: &mut Progress,
        failure: Failure,
        retry_after: Option<Duration>,
        now: Instant,
    ) -> bool {
        let retry = &self.config.retry;
        if progress.attempts >= retry.max_attempts.max(1) {
            return false;
        }
        let delay = match retry_after {
            Some(asked) => retry.retry_after(asked),
            None => retry.jittered_delay(u32::from(progress.attempts), &mut self.rng),
        };
        let until = now.saturating_add(delay);
        if until >= progress.deadline {
            return false;
        }
        if !self.budget.try_withdraw(now) {
            self.stats.endpoint_mut(endpoint).retries_denied += 1;
            return false;
        }
        self.stats.endpoint_mut(endpoint).retries += 1;
        progress.phase = Phase::Backoff { until };
        self.observer.on_event(&Event::Retry {
            endpoint,
            attempt: progress.attempts + 1,
            delay_ms: millis(delay),
            failure,
        });
        true
    }

    /// A call is over: its latency is kept if it loaded the service.
    pub(super) fn ended(
        &mut self,
        endpoint: Endpoint,
        progress: &Progress,
        local_only: bool,
        now: Instant,
    ) {
        if progress.attempts > 0 {
            let latency = now.millis_since(progress.started);
            self.stats.endpoint_mut(endpoint).latency.record(latency);
        }
        if local_only {
            self.stats.local_only += 1;
        }
    }

    /// One of the health monitor's own checks is over, sent or not (so that it never
    /// waits for ever).
    pub(super) fn monitor_checked(&mut self, healthy: bool, now: Instant) {
        self.stats.health_checks += 1;
        if healthy {
            self.stats.health_checks_passed += 1;
        } else {
            self.stats.health_checks_failed += 1;
        }
        let moved = self.health.on_check(healthy, now, &mut self.rng);
        self.health_moved(moved);
    }

    pub(super) fn breaker_moved(
        &mut self,
        endpoint: Endpoint,
        transition: Option<Transition<BreakerState>>,
    ) {
        if let Some(transition) = transition {
            if transition.to == BreakerState::Open {
                self.stats.endpoint_mut(endpoint).breaker_openings += 1;
            }
            self.observer.on_event(&Event::Breaker {
                endpoint,
                transition,
            });
        }
    }

    pub(super) fn health_moved(&mut self, transition: Option<Transition<HealthState>>) {
        let Some(transition) = transition else { return };
        if transition.to == HealthState::Connected {
            self.stats.connections += 1;
            if matches!(
                transition.from,
                HealthState::Reconnecting | HealthState::Failed
            ) {
                self.stats.reconnections += 1;
            }
        }
        self.observer.on_event(&Event::Health(transition));
        if transition.to == HealthState::Failed {
            self.observer.on_event(&Event::MaxReconnectAttemptsReached);
        }
    }
}
