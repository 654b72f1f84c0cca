//! The call engine: one sans-IO state machine that combines the local parser, the
//! cache, the breakers, the retry policy, the health monitor and the wire protocol.
//!
//! A call begins with `now` and an operation, and yields actions (send this request,
//! wait until then, done); the adapter carries them out and reports back answers,
//! transport errors and time-outs, each with `now`. Shared state is touched only inside
//! these short synchronous steps, so many calls can be in flight at once.
//!
//! ```
//! use chittyid::engine::{Action, Engine, EngineConfig, Operation, Outcome, Response, Validation};
//! use chittyid::resilience::Instant;
//!
//! let mut engine: Engine<32> = Engine::new(EngineConfig::default(), 0x1234_5678);
//! let now = Instant::from_millis(0);
//! let mut call = engine.begin(Operation::Validate(b"03-1-USA-5537-P-2602-0-38"), now);
//! let mut buf = [0u8; 256];
//! let Action::Send { request, .. } = engine.poll(&mut call, now, &mut buf) else { panic!() };
//! assert_eq!(request.path, "/api/validate");
//! // … the adapter sends it and gets an answer …
//! let answer = Response::new(200, br#"{"valid":true}"#);
//! engine.on_response(&mut call, answer, now);
//! let Action::Done(Outcome::Validation(verdict)) = engine.poll(&mut call, now, &mut buf) else { panic!() };
//! assert!(matches!(verdict, Validation::Authoritative { valid: true, cached: false, .. }));
//! ```

mod call;
mod config;
mod events;
mod messages;
mod outcome;
mod stats;

use core::time::Duration;

use call::differs;
use outcome::{finished, mint_error, unanswered_outcome};

/// How long a mint waits after a `RATE_LIMITED` fallback before it tries again: the
/// minting back end asked for fewer requests, and an immediate retry would be another.
const RATE_LIMITED_BACKOFF: Duration = Duration::from_secs(1);
pub use call::{
    Action, Call, HealthError, MintError, Operation, Outcome, Response, Unanswered, Validation,
};
pub use config::{EngineConfig, KeyPolicy};
pub use events::{Endpoint, Event, NoObserver, Observer};
pub use stats::{EndpointStats, Histogram, LATENCY_BOUNDS_MS, Stats};

use call::{Phase, Target};

use crate::resilience::{
    Breaker, BreakerState, Cache, Failure, HealthMonitor, HealthPoll, HealthState,
    HealthTransition, Instant, Permit, Rejection, RetryBudget, Rng, Transition, millis,
    parse_retry_after,
};
use crate::wire::{
    ErrorBody, IdempotencyKey, MintAnswer, Request, WireError, decode_error, decode_health,
    decode_mint, decode_validate,
};
use crate::{ChittyId, FallbackCode, IdKind};

/// A cached service verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Verdict {
    valid: bool,
}

/// The engine: every piece of shared state for calls to one service. `CACHE` is the
/// number of validation answers kept; `O` receives events.
pub struct Engine<const CACHE: usize, O: Observer = NoObserver> {
    config: EngineConfig,
    breakers: [Breaker; 3],
    budget: RetryBudget,
    cache: Cache<Verdict, CACHE>,
    health: HealthMonitor,
    stats: Stats,
    rng: Rng,
    /// The service has echoed an idempotency key: it honours keys.
    keys_learned: bool,
    /// The key health checks carry while `keys_learned` is not yet known.
    probe_key: Option<IdempotencyKey>,
    observer: O,
}

impl<const CACHE: usize> Engine<CACHE, NoObserver> {
    /// An engine with no observer. `seed` drives jitter and idempotency keys: it must
    /// differ between devices and between boots (a service remembers keys for a day, and
    /// answers a repeated key with the ID it minted for it), so take it from a hardware
    /// RNG or an OS source; there is deliberately no default.
    pub fn new(config: EngineConfig, seed: u64) -> Self {
        Engine::with_observer(config, seed, NoObserver)
    }
}

impl<const CACHE: usize, O: Observer> Engine<CACHE, O> {
    /// An engine that tells `observer` what happens; `seed` as for [`Engine::new`].
    pub fn with_observer(config: EngineConfig, seed: u64, observer: O) -> Self {
        Engine {
            breakers: [
                Breaker::new(config.breaker),
                Breaker::new(config.breaker),
                Breaker::new(config.breaker),
            ],
            budget: RetryBudget::new(config.retry.budget),
            cache: Cache::new(),
            health: HealthMonitor::new(config.health),
            stats: Stats::default(),
            rng: Rng::new(seed),
            keys_learned: false,
            probe_key: None,
            config,
            observer,
        }
    }

    /// The settings.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Whether this call's request may be sent again after an attempt that may have
    /// reached the service: not a mint unless its key is honoured, and not the
    /// validation of a fallback ID, whose replacement the service tells only once.
    fn resendable(&self, call: &Call) -> bool {
        call.target.idempotent(self.keys_honoured())
            && !(call.may_have_arrived && outcome::replaces_once(call))
    }

    /// Whether mints that may have reached the service are resent with their key: the
    /// settings say the service honours keys, or it has shown so (with
    /// [`KeyPolicy::Learn`], by echoing a key in a mint answer).
    pub fn keys_honoured(&self) -> bool {
        match self.config.idempotency_keys {
            KeyPolicy::Off => false,
            KeyPolicy::Learn => self.keys_learned,
            KeyPolicy::Honoured => true,
        }
    }

    /// The counters, cache counters included.
    pub fn stats(&self) -> Stats {
        let mut stats = self.stats;
        stats.cache = self.cache.stats();
        stats
    }

    /// An endpoint's breaker state.
    pub fn breaker_state(&self, endpoint: Endpoint) -> BreakerState {
        self.breakers[endpoint as usize].state()
    }

    /// The health monitor's state.
    pub fn health_state(&self) -> HealthState {
        self.health.state()
    }

    /// When the health monitor's next check is due (`None` while one is out). The
    /// engine brings it forward after a failed attempt (a refusal, a lost answer, a
    /// minting back end handing out fallbacks); an adapter's health task that sleeps
    /// until the due time should wake when this moves earlier.
    pub fn next_health_check(&self) -> Option<Instant> {
        self.health.next_check()
    }

    /// The observer.
    pub fn observer(&self) -> &O {
        &self.observer
    }

    /// The observer, to drain what it gathered.
    pub fn observer_mut(&mut self) -> &mut O {
        &mut self.observer
    }

    /// Drops a cached validation answer.
    pub fn invalidate(&mut self, id: ChittyId) -> bool {
        self.cache.invalidate(id)
    }

    /// Starts a call at `now`. A validation is checked locally first: a malformed ID,
    /// or one whose answer is cached, is finished at once without the network.
    pub fn begin(&mut self, operation: Operation<'_>, now: Instant) -> Call {
        // The monitor's check has the monitor's time-out; every other call the deadline.
        let budget = match operation {
            Operation::HealthCheck => self.config.health.timeout.min(self.config.call_deadline),
            _ => self.config.call_deadline,
        };
        let deadline = now.saturating_add(budget);
        let endpoint = match operation {
            Operation::Mint(_) | Operation::MintWithKey(..) => Endpoint::Mint,
            Operation::Validate(_) => Endpoint::Validate,
            Operation::Health | Operation::HealthCheck => Endpoint::Health,
        };
        self.stats.endpoints[endpoint as usize].calls += 1;
        if let Operation::Mint(what) | Operation::MintWithKey(what, _) = operation
            && what.jurisdiction.is_some_and(|j| j.is_fallback_marker())
        {
            // `ERR` marks fallback IDs: no service mints it on request.
            self.stats.endpoints[endpoint as usize].failed += 1;
            let target = Target::Mint {
                what,
                key: None,
                by_caller: false,
            };
            let refused = Outcome::Mint(Err(MintError::ReservedJurisdiction));
            return finished(target, now, refused);
        }
        let target = match operation {
            // The key is drawn at the first send, so that calls refused at once cost nothing.
            Operation::Mint(what) => Target::Mint {
                what,
                key: None,
                by_caller: false,
            },
            Operation::MintWithKey(what, key) => Target::Mint {
                what,
                key: Some(key),
                by_caller: true,
            },
            Operation::Health => Target::Health { monitor: false },
            Operation::HealthCheck => Target::Health { monitor: true },
            Operation::Validate(text) => match ChittyId::parse_bytes(text) {
                Err(error) => {
                    self.stats.malformed += 1;
                    let outcome = Outcome::Validation(Validation::Malformed(error));
                    return finished(Target::Malformed, now, outcome);
                }
                Ok(id) => Target::Validate(id),
            },
        };
        if let Target::Validate(id) = target
            && let Some(verdict) = self.cache.get(id, now)
        {
            self.stats.cached_answers += 1;
            let answer = Validation::Authoritative {
                id,
                valid: verdict.valid,
                reason: None,
                cached: true,
            };
            return finished(target, now, Outcome::Validation(answer));
        }
        Call {
            target,
            started: now,
            deadline,
            attempts: 0,
            phase: Phase::Ready,
            last_failure: None,
            may_have_arrived: false,
            fallback: None,
        }
    }

    /// What to do next for `call` at `now`. A request is built into `buf`.
    pub fn poll<'b>(&mut self, call: &mut Call, now: Instant, buf: &'b mut [u8]) -> Action<'b> {
        match call.phase {
            Phase::Finished(outcome) => return Action::Done(outcome),
            Phase::InFlight { timeout_at, .. } => {
                if now < timeout_at {
                    return Action::WaitUntil(timeout_at);
                }
                self.on_timeout(call, now);
                if let Phase::Finished(outcome) = call.phase {
                    return Action::Done(outcome);
                }
            }
            Phase::Backoff { until } if now < until => return Action::WaitUntil(until),
            Phase::Backoff { .. } | Phase::Ready => {}
        }
        if let Phase::Backoff { .. } = call.phase {
            call.phase = Phase::Ready;
        }
        if now >= call.deadline {
            return self.finish_unanswered(call, Unanswered::DeadlineExceeded, now);
        }
        let endpoint = call.target.endpoint();
        if self.health.is_failed() && endpoint != Endpoint::Health {
            return self.finish_unanswered(call, Unanswered::ServiceDown, now);
        }
        let (admitted, transition) = self.breakers[endpoint as usize].admit(now);
        self.breaker_moved(endpoint, transition);
        let permit = match admitted {
            Ok(permit) => permit,
            Err(rejection) => {
                let until = match rejection {
                    Rejection::Open { until } => Some(until),
                    Rejection::ProbesBusy => None,
                };
                self.stats.endpoints[endpoint as usize].rejected_by_breaker += 1;
                self.observer.on_event(&Event::Rejected { endpoint, until });
                return self.finish_unanswered(call, Unanswered::BreakerOpen { until }, now);
            }
        };
        self.send(call, permit, now, buf)
    }

    /// Puts an admitted attempt on the wire: draws a key where one is due, builds the
    /// request into `buf`. Kept out of [`Engine::poll`] so that its fast paths (done,
    /// waiting, refused) stay small.
    #[inline(never)]
    fn send<'b>(
        &mut self,
        call: &mut Call,
        permit: Permit,
        now: Instant,
        buf: &'b mut [u8],
    ) -> Action<'b> {
        let endpoint = call.target.endpoint();
        match &mut call.target {
            Target::Mint {
                key: key @ None, ..
            } if self.config.idempotency_keys != KeyPolicy::Off => {
                *key = Some(IdempotencyKey::generate(&mut self.rng));
            }
            _ => {}
        }
        if let (Target::Health { .. }, None, KeyPolicy::Learn, false) = (
            &call.target,
            self.probe_key,
            self.config.idempotency_keys,
            self.keys_learned,
        ) {
            self.probe_key = Some(IdempotencyKey::generate(&mut self.rng));
        }
        let built = match &call.target {
            Target::Mint { what, key, .. } => Request::mint(what, key.as_ref(), buf),
            Target::Validate(id) => Request::validate(*id, buf),
            Target::Health { .. } if self.keys_learned => Request::health(None, buf),
            Target::Health { .. } => Request::health(self.probe_key.as_ref(), buf),
            Target::Malformed => Request::health(None, buf),
        };
        let Ok(request) = built else {
            return self.not_sendable(call, permit, now);
        };
        if call.attempts == 0 {
            // Calls count towards the retry budget when they first load the service.
            self.budget.on_call(now);
        }
        call.attempts = call.attempts.saturating_add(1);
        self.stats.endpoints[endpoint as usize].attempts += 1;
        let timeout_at = now
            .saturating_add(self.config.attempt_timeout)
            .min(call.deadline);
        call.phase = Phase::InFlight { permit, timeout_at };
        Action::Send {
            request,
            timeout_at,
        }
    }

    /// Reports the answer to the attempt in flight.
    pub fn on_response(&mut self, call: &mut Call, response: Response<'_>, now: Instant) {
        let Phase::InFlight { permit, .. } = call.phase else {
            return;
        };
        let endpoint = call.target.endpoint();
        let sent_key = match &call.target {
            Target::Mint { key, .. } => key.as_ref(),
            Target::Health { .. } => self.probe_key.as_ref(),
            _ => None,
        };
        if let (Some(key), Some(echo)) = (sent_key, response.idempotency_key)
            && echo == key.as_str().as_bytes()
        {
            // The service echoed the key: it honours keys (learned once, kept).
            self.keys_learned = true;
        }
        if !(200..300).contains(&response.status) {
            let retry_after = response.retry_after.and_then(parse_retry_after);
            let error = decode_error(response.body);
            return self.attempt_failed(
                call,
                Failure::Status(response.status),
                retry_after,
                error,
                now,
            );
        }
        if response.cut {
            // The same decision whichever adapter cut it, at whatever buffer size.
            return self.answer_unusable(call, WireError::BodyTooLarge, now);
        }
        let decoded = match call.target {
            Target::Mint { what, .. } => match decode_mint(response.body) {
                Ok(MintAnswer::Pending { id, code }) => {
                    return self.fallback_answer(call, id, code, now);
                }
                Ok(MintAnswer::Minted(id)) if differs(&what, id) => {
                    Ok(Outcome::Mint(Err(MintError::Mismatch { id, asked: what })))
                }
                answer => answer.map(|answer| Outcome::Mint(Ok(answer))),
            },
            Target::Health { .. } | Target::Malformed => {
                decode_health(response.body).map(|answer| Outcome::Health(Ok(answer)))
            }
            Target::Validate(id) => decode_validate(response.body).map(|answer| {
                Outcome::Validation(match answer.replaced_by {
                    Some(new) => Validation::Replaced { old: id, new },
                    None => Validation::Authoritative {
                        id,
                        valid: answer.valid,
                        reason: answer.reason,
                        cached: false,
                    },
                })
            }),
        };
        let outcome = match decoded {
            Ok(outcome) => outcome,
            Err(error) => return self.answer_unusable(call, error, now),
        };
        let transition = self.breakers[endpoint as usize].record(permit, false, now);
        self.breaker_moved(endpoint, transition);
        let health = self.health.on_passive_success(now);
        self.health_moved(health);
        if let Outcome::Validation(Validation::Replaced { .. }) = outcome {
            self.stats.replacements += 1;
        }
        // A fallback ID's verdict is not kept: the service may replace it at any time.
        if let Outcome::Validation(Validation::Authoritative { id, valid, .. }) = outcome
            && !matches!(id.kind(), IdKind::Fallback(_))
        {
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
        self.stats.endpoints[endpoint as usize].succeeded += 1;
        self.finish(call, outcome, now);
    }

    /// A 2xx mint answer with a fallback ID. A refused token or request and a rate
    /// limit are failed attempts (the last one retried); any other code is a pending ID
    /// for the caller, and a failure of the minting endpoint for the breaker and the
    /// health monitor, because the back end that mints is in trouble.
    fn fallback_answer(
        &mut self,
        call: &mut Call,
        id: ChittyId,
        code: Option<FallbackCode>,
        now: Instant,
    ) {
        let Phase::InFlight { permit, .. } = call.phase else {
            return;
        };
        call.fallback = Some(id);
        if let Some(
            code @ (FallbackCode::RATE_LIMITED
            | FallbackCode::MINT_REJECTED
            | FallbackCode::INVALID_REQUEST),
        ) = code
        {
            // A rate limit waits a while before the next try; a refusal is not retried.
            let wait = (code == FallbackCode::RATE_LIMITED).then_some(RATE_LIMITED_BACKOFF);
            return self.attempt_failed(call, Failure::Fallback(code), wait, None, now);
        }
        let endpoint = call.target.endpoint();
        let transition = self.breakers[endpoint as usize].record(permit, true, now);
        self.breaker_moved(endpoint, transition);
        self.health.on_passive_failure(now);
        self.stats.pending_mints += 1;
        self.stats.endpoints[endpoint as usize].succeeded += 1;
        self.finish(
            call,
            Outcome::Mint(Ok(MintAnswer::Pending { id, code })),
            now,
        );
    }

    /// Reports that the attempt in flight failed before any answer: `NotSent` when no
    /// byte of the request left, `NoResponse` when it may have.
    pub fn on_transport_error(&mut self, call: &mut Call, failure: Failure, now: Instant) {
        if let Phase::InFlight { .. } = call.phase {
            self.attempt_failed(call, failure, None, None, now);
        }
    }

    /// Reports that the attempt in flight got an answer that is not valid HTTP (the
    /// service may have acted on the request).
    pub fn on_invalid_response(&mut self, call: &mut Call, now: Instant) {
        if let Phase::InFlight { .. } = call.phase {
            self.attempt_failed(call, Failure::InvalidResponse, None, None, now);
        }
    }

    /// Reports that the attempt in flight got no answer by its `timeout_at`.
    pub fn on_timeout(&mut self, call: &mut Call, now: Instant) {
        if let Phase::InFlight { .. } = call.phase {
            self.attempt_failed(call, Failure::TimedOut, None, None, now);
        }
    }

    /// Reports that the adapter could not put the attempt in flight on the wire because
    /// the request does not fit its own buffer. Nothing was sent, so the attempt is not
    /// counted and the breaker does not hold it against the service; retrying cannot
    /// help, so the call ends with [`Unanswered::BufferTooSmall`].
    pub fn on_not_sendable(&mut self, call: &mut Call, now: Instant) {
        let Phase::InFlight { permit, .. } = call.phase else {
            return;
        };
        call.attempts = call.attempts.saturating_sub(1);
        let attempts = &mut self.stats.endpoints[call.target.endpoint() as usize].attempts;
        *attempts = attempts.saturating_sub(1);
        // The call is over; the adapter's next poll returns its outcome.
        let _over = self.not_sendable(call, permit, now);
    }

    /// Ends a call whose request does not fit a buffer, giving its breaker slot back.
    fn not_sendable(&mut self, call: &mut Call, permit: Permit, now: Instant) -> Action<'static> {
        self.breakers[call.target.endpoint() as usize].release(permit);
        self.finish_unanswered(call, Unanswered::BufferTooSmall, now)
    }

    /// Abandons a call (its caller went away): a probe slot it held is given back.
    pub fn cancel(&mut self, call: &mut Call) {
        if let Phase::InFlight { permit, .. } = call.phase {
            self.breakers[call.target.endpoint() as usize].release(permit);
            // The request may have been written: for a mint, its outcome is unknown.
            call.may_have_arrived = true;
        }
        if !call.is_finished() {
            if let Target::Health { monitor: true } = call.target {
                self.health.abandon_check();
            }
            let outcome = unanswered_outcome(call, Unanswered::Cancelled, self.keys_honoured());
            call.phase = Phase::Finished(outcome);
        }
    }

    /// What the adapter's health task should do at `now`: run a check (with
    /// [`Operation::Health`], whose outcome the engine feeds back to the monitor) or wait.
    pub fn health_poll(&mut self, now: Instant) -> HealthPoll {
        let (poll, transition) = self.health.poll(now);
        self.health_moved(transition);
        poll
    }

    /// A 2xx answer that cannot be used: for a keyless mint the service may have acted,
    /// so it is final; otherwise it is a failed attempt like any other.
    fn answer_unusable(&mut self, call: &mut Call, error: WireError, now: Instant) {
        let Phase::InFlight { permit, .. } = call.phase else {
            return;
        };
        let endpoint = call.target.endpoint();
        let transition = self.breakers[endpoint as usize].record(permit, false, now);
        self.breaker_moved(endpoint, transition);
        call.last_failure = Some(Failure::InvalidResponse);
        call.may_have_arrived = true;
        if self.resendable(call) && self.retry(call, Failure::InvalidResponse, None, now) {
            return;
        }
        self.stats.endpoints[endpoint as usize].failed += 1;
        let outcome = match call.target {
            // The service may have minted: the answer is lost, not refused.
            Target::Mint { .. } => Outcome::Mint(Err(outcome::unknown(
                call,
                Failure::InvalidResponse,
                self.keys_honoured(),
            ))),
            Target::Health { .. } | Target::Malformed => {
                Outcome::Health(Err(HealthError::InvalidAnswer(error)))
            }
            Target::Validate(id) => {
                self.stats.local_only += 1;
                Outcome::Validation(Validation::LocalOnly {
                    id,
                    kind: id.kind(),
                    reason: Unanswered::Failed {
                        last: Failure::InvalidResponse,
                        attempts: call.attempts,
                    },
                })
            }
        };
        self.finish(call, outcome, now);
    }

    fn attempt_failed(
        &mut self,
        call: &mut Call,
        failure: Failure,
        retry_after: Option<Duration>,
        error: Option<ErrorBody>,
        now: Instant,
    ) {
        let Phase::InFlight { permit, .. } = call.phase else {
            return;
        };
        let endpoint = call.target.endpoint();
        let arrived_before = call.may_have_arrived;
        call.last_failure = Some(failure);
        if failure.may_have_reached_service() {
            call.may_have_arrived = true;
        }
        let against = failure.counts_against_breaker();
        let transition = self.breakers[endpoint as usize].record(permit, against, now);
        self.breaker_moved(endpoint, transition);
        if against {
            self.health.on_passive_failure(now);
        } else {
            let moved = self.health.on_passive_success(now);
            self.health_moved(moved);
        }
        if failure.is_retryable(self.resendable(call))
            && self.retry(call, failure, retry_after, now)
        {
            return;
        }
        self.stats.endpoints[endpoint as usize].failed += 1;
        let outcome = match call.target {
            Target::Mint { .. } => Outcome::Mint(Err(mint_error(
                call,
                failure,
                error,
                arrived_before,
                self.keys_honoured(),
            ))),
            _ => {
                let unanswered = Unanswered::Failed {
                    last: failure,
                    attempts: call.attempts,
                };
                self.finish_unanswered_quiet(call, unanswered, now);
                return;
            }
        };
        self.finish(call, outcome, now);
    }

    /// Schedules another attempt if attempts, budget and deadline allow.
    fn retry(
        &mut self,
        call: &mut Call,
        failure: Failure,
        retry_after: Option<Duration>,
        now: Instant,
    ) -> bool {
        let endpoint = call.target.endpoint();
        let retry = &self.config.retry;
        if call.attempts >= retry.max_attempts.max(1) {
            return false;
        }
        let delay = match retry_after {
            Some(asked) => retry.retry_after(asked),
            None => retry.jittered_delay(u32::from(call.attempts), &mut self.rng),
        };
        let until = now.saturating_add(delay);
        if until >= call.deadline {
            return false;
        }
        if !self.budget.try_withdraw(now) {
            self.stats.endpoints[endpoint as usize].retries_denied += 1;
            return false;
        }
        self.stats.endpoints[endpoint as usize].retries += 1;
        call.phase = Phase::Backoff { until };
        self.observer.on_event(&Event::Retry {
            endpoint,
            attempt: call.attempts + 1,
            delay_ms: millis(delay),
            failure,
        });
        true
    }

    #[inline(always)]
    fn finish_unanswered(
        &mut self,
        call: &mut Call,
        reason: Unanswered,
        now: Instant,
    ) -> Action<'static> {
        self.stats.endpoints[call.target.endpoint() as usize].failed += 1;
        Action::Done(self.finish_unanswered_quiet(call, reason, now))
    }

    #[inline(always)]
    fn finish_unanswered_quiet(
        &mut self,
        call: &mut Call,
        reason: Unanswered,
        now: Instant,
    ) -> Outcome {
        let outcome = unanswered_outcome(call, reason, self.keys_honoured());
        if let Outcome::Validation(Validation::LocalOnly { .. }) = outcome {
            self.stats.local_only += 1;
        }
        self.finish(call, outcome, now);
        outcome
    }

    #[inline]
    fn finish(&mut self, call: &mut Call, outcome: Outcome, now: Instant) {
        let endpoint = call.target.endpoint();
        if call.attempts > 0 {
            let latency = millis(now.saturating_since(call.started));
            self.stats.endpoints[endpoint as usize]
                .latency
                .record(latency);
        }
        // Only the monitor's own checks are its checks (a user's health call is not),
        // and every one of them ends one, sent or not, so that it never waits for ever.
        if let (Outcome::Health(result), Target::Health { monitor: true }) = (outcome, call.target)
        {
            let healthy = matches!(result, Ok(answer) if answer.healthy);
            self.stats.health_checks += 1;
            if healthy {
                self.stats.health_checks_passed += 1;
            } else {
                self.stats.health_checks_failed += 1;
            }
            let moved = self.health.on_check(healthy, now, &mut self.rng);
            self.health_moved(moved);
        }
        call.phase = Phase::Finished(outcome);
    }

    #[inline]
    fn breaker_moved(&mut self, endpoint: Endpoint, transition: Option<Transition>) {
        if let Some(transition) = transition {
            if transition.to == BreakerState::Open {
                self.stats.endpoints[endpoint as usize].breaker_openings += 1;
            }
            self.observer.on_event(&Event::Breaker {
                endpoint,
                transition,
            });
        }
    }

    fn health_moved(&mut self, transition: Option<HealthTransition>) {
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

impl<const CACHE: usize, O: Observer> core::fmt::Debug for Engine<CACHE, O> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Engine")
            .field("health", &self.health.state())
            .field("breakers", &self.breakers.each_ref().map(Breaker::state))
            .field("cached", &self.cache.len())
            .finish_non_exhaustive()
    }
}
