//! The call engine: one sans-IO state machine that combines the local parser, the
//! cache, the breakers, the retry policy, the health monitor and the wire protocol.
//!
//! A call begins with `now` and what it asks; it is typed by how it ends (a
//! [`Validation`], a [`MintResult`], a [`HealthResult`]). [`Engine::poll`] says what to
//! do (send this request, wait until then, done); the adapter carries it out and
//! reports what happened on the wire with [`Engine::report`], its one input besides
//! time: does not fit, not sent, broken, not HTTP, or an answer (see [`Fact`]). The
//! engine decides what each fact means, so every adapter behaves alike. Shared state is
//! touched only inside these short synchronous steps, so many calls can be in flight at
//! once.
//!
//! ```
//! use chittyid::engine::{Action, CacheSlot, Engine, EngineConfig, Fact, Response, Validation};
//! use chittyid::resilience::Instant;
//!
//! let mut engine: Engine<[CacheSlot; 32]> = Engine::new(EngineConfig::default(), 0x1234_5678);
//! let now = Instant::from_millis(0);
//! let mut call = engine.begin_validate(b"03-1-USA-5537-P-2602-0-38", now);
//! let mut buf = [0u8; 256];
//! let Action::Send { request, .. } = engine.poll(&mut call, now, &mut buf) else { panic!() };
//! assert_eq!(request.path, "/api/validate");
//! // … the adapter sends it and gets an answer …
//! let answer = Response::new(200, br#"{"valid":true}"#);
//! engine.report(&mut call, Fact::Answered(answer), now);
//! let Action::Done(verdict) = engine.poll(&mut call, now, &mut buf) else { panic!() };
//! assert!(matches!(verdict, Validation::Authoritative { valid: true, cached: false, .. }));
//! ```

mod answers;
mod attempt;
mod call;
mod coalesce;
mod config;
mod endpoints;
mod events;
mod failure;
mod kind;
mod outcome;
mod stats;

use core::time::Duration;

pub use answers::{HealthError, HealthResult, MintError, MintResult, Unanswered, Validation};
pub use call::{Action, Call};
pub use coalesce::SHARED_CALLS;
pub use config::{DEFAULT_MINT_RATE, EngineConfig, KeyPolicy};
pub use endpoints::Endpoint;
pub use events::{Event, NoObserver, Observer};
pub use failure::Failure;
pub use kind::Answer;
pub use stats::{EndpointStats, Histogram, LATENCY_BOUNDS_MS, Stats};

pub use crate::wire::{Fact, Response};

use attempt::{Front, Traits};
use call::{Phase, Progress, Stage};
use coalesce::SharedAnswers;
use endpoints::Endpoints;
use kind::{Decoded, End, Following, HealthTarget, Keys, MintTarget, ValidateTarget};

/// How long a mint waits after a `RATE_LIMITED` fallback before it tries again: the
/// minting back end asked for fewer requests, and an immediate retry would be another.
const RATE_LIMITED_BACKOFF: Duration = Duration::from_secs(1);

use crate::resilience::{
    Breaker, BreakerState, Cache, CacheEntry, HealthMonitor, HealthPoll, HealthState, Instant,
    Pacer, Permit, RetryBudget, Rng,
};
use crate::wire::{ErrorBody, IdempotencyKey, MintRequest, WireError};
use crate::{ChittyId, FallbackCode};

/// A cached service verdict.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    valid: bool,
}

/// One validation answer's room in the engine's cache. The cache lives in memory the
/// caller chooses: an array inline (`Engine<[CacheSlot; 32]>`, firmware), a `&mut`
/// slice, or a boxed slice (a service, sized at run time); see [`Engine::with_storage`].
pub type CacheSlot = CacheEntry<Verdict>;

/// Memory for the engine's cache: anything that lends a slice of [`CacheSlot`]s.
pub trait CacheStorage: AsRef<[CacheSlot]> + AsMut<[CacheSlot]> {}

impl<S: AsRef<[CacheSlot]> + AsMut<[CacheSlot]>> CacheStorage for S {}

/// The engine: every piece of shared state for calls to one service. `S` holds the
/// validation answers kept (one [`CacheSlot`] each); `O` receives events; `SHARED` is
/// how many IDs may each have a validation in flight that others follow (coalescing;
/// at most 255, default [`SHARED_CALLS`]).
pub struct Engine<S: CacheStorage, O: Observer = NoObserver, const SHARED: usize = SHARED_CALLS> {
    config: EngineConfig,
    breakers: Endpoints<Breaker>,
    /// The client's own rate limit, per endpoint.
    pacers: Endpoints<Pacer>,
    budget: RetryBudget,
    cache: Cache<Verdict, S>,
    /// Validations in flight that others follow.
    shared: SharedAnswers<SHARED>,
    health: HealthMonitor,
    stats: Stats,
    rng: Rng,
    /// The service has echoed an idempotency key: it honours keys.
    keys_learned: bool,
    /// The key health checks carry while `keys_learned` is not yet known.
    probe_key: Option<IdempotencyKey>,
    observer: O,
}

impl<const N: usize> Engine<[CacheSlot; N], NoObserver> {
    /// An engine with no observer and a cache of `N` answers inline. `seed` drives
    /// jitter and idempotency keys: it must differ between devices and between boots (a
    /// service remembers keys for a day, and answers a repeated key with the ID it
    /// minted for it), so take it from a hardware RNG or an OS source; there is
    /// deliberately no default.
    pub fn new(config: EngineConfig, seed: u64) -> Self {
        Engine::with_observer(config, seed, NoObserver)
    }
}

impl<const N: usize, O: Observer> Engine<[CacheSlot; N], O> {
    /// An engine that tells `observer` what happens, with a cache of `N` answers
    /// inline; `seed` as for [`Engine::new`].
    pub fn with_observer(config: EngineConfig, seed: u64, observer: O) -> Self {
        Engine::with_storage(config, [CacheSlot::default(); N], seed, observer)
    }
}

impl<S: CacheStorage, O: Observer, const SHARED: usize> Engine<S, O, SHARED> {
    /// An engine whose cache lives in `cache` (one answer per slot, whatever they held
    /// is overwritten; an empty slice keeps no answers), telling `observer` what
    /// happens; `seed` as for [`Engine::new`].
    ///
    /// ```
    /// use chittyid::engine::{CacheSlot, Engine, EngineConfig, NoObserver};
    ///
    /// // A service sizes its cache at run time, on the heap, and lets 64 distinct IDs
    /// // each have a validation in flight that others follow.
    /// let slots = vec![CacheSlot::default(); 10_000].into_boxed_slice();
    /// let engine: Engine<_, _, 64> =
    ///     Engine::with_storage(EngineConfig::default(), slots, 0x5EED, NoObserver);
    /// assert_eq!(engine.cache_capacity(), 10_000);
    /// ```
    pub fn with_storage(config: EngineConfig, cache: S, seed: u64, observer: O) -> Self {
        const { assert!(SHARED <= 255, "an engine's SHARED is at most 255") };
        Engine {
            breakers: Endpoints::new(|_| Breaker::new(config.breaker)),
            pacers: Endpoints::new(|endpoint| {
                Pacer::new(match endpoint {
                    Endpoint::Mint => config.mint_rate,
                    Endpoint::Validate => config.validate_rate,
                    Endpoint::Health => None,
                })
            }),
            budget: RetryBudget::new(config.retry.budget),
            cache: Cache::with_storage(cache),
            shared: SharedAnswers::new(),
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

    /// How many validation answers the cache holds at most.
    pub fn cache_capacity(&self) -> usize {
        self.cache.capacity()
    }

    /// Whether mints that may have reached the service are resent with their key: the
    /// settings say the service honours keys, or it has shown so (with
    /// [`KeyPolicy::Learn`], by echoing a key: a mint's, or the probe key that health
    /// checks carry while the engine learns).
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
        self.breakers.get(endpoint).state()
    }

    /// The health monitor's state.
    pub fn health_state(&self) -> HealthState {
        self.health.state()
    }

    /// When the health monitor's next check is due (`None` while one is out). The
    /// engine brings it forward after a failed attempt (a refusal, a lost answer, a
    /// minting back end handing out fallbacks); see [`Engine::take_health_wake`].
    pub fn next_health_check(&self) -> Option<Instant> {
        self.health.next_check()
    }

    /// `true` once after a step (a poll that found a time-out, a report) brought the
    /// health monitor's next check forward: an adapter's health task that sleeps until
    /// the old due time should be woken.
    pub fn take_health_wake(&mut self) -> bool {
        self.health.take_sooner()
    }

    /// `true` once after a step shared an answer with calls that follow another (or a
    /// leader left its followers): an adapter wakes the calls waiting after
    /// [`Action::Follow`], and they poll.
    pub fn take_shared_wake(&mut self) -> bool {
        self.shared.take_wake()
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

    /// Starts validating `text` at `now`. It is checked locally first: a malformed ID,
    /// or one whose answer is cached, is finished at once without the network. While
    /// another validation of the same ID is in flight, this one sends nothing and ends
    /// with that call's answer ([`Action::Follow`]), within its own deadline.
    pub fn begin_validate(&mut self, text: &[u8], now: Instant) -> Call<Validation> {
        self.stats.endpoint_mut(Endpoint::Validate).calls += 1;
        let id = match ChittyId::parse_bytes(text) {
            Ok(id) => id,
            Err(error) => {
                self.stats.malformed += 1;
                return Call::done(now, Validation::Malformed(error));
            }
        };
        if let Some(verdict) = self.cache.get(id, now) {
            self.stats.cached_answers += 1;
            let answer = Validation::Authoritative {
                id,
                valid: verdict.valid,
                reason: None,
                cached: true,
            };
            return Call::done(now, answer);
        }
        let deadline = now.saturating_add(self.config.call_deadline);
        let target = ValidateTarget {
            id,
            share: self.shared.join(id, now, deadline),
        };
        self.live(target, None, self.config.call_deadline, now)
    }

    /// Starts minting one ID at `now`. A request for the jurisdiction `ERR` (which
    /// marks fallback IDs) is refused at once.
    pub fn begin_mint(&mut self, what: MintRequest, now: Instant) -> Call<MintResult> {
        self.mint(what, None, now)
    }

    /// Starts sending a mint again with the key it was first sent with, after it ended
    /// in [`MintError::OutcomeUnknown`]: a service that honours `Idempotency-Key`
    /// answers with the ID it minted the first time. Only for such services.
    pub fn begin_mint_with_key(
        &mut self,
        what: MintRequest,
        key: IdempotencyKey,
        now: Instant,
    ) -> Call<MintResult> {
        self.mint(what, Some(key), now)
    }

    /// Starts a health check for the caller. It is not one of the health monitor's
    /// checks.
    pub fn begin_health(&mut self, now: Instant) -> Call<HealthResult> {
        self.stats.endpoint_mut(Endpoint::Health).calls += 1;
        let target = HealthTarget { monitor: false };
        self.live(target, None, self.config.call_deadline, now)
    }

    /// Starts the health monitor's own check: begin it when [`Engine::health_poll`]
    /// says [`HealthPoll::CheckNow`]. Its deadline is the monitor's time-out (default
    /// 5 s), not the call deadline, and its outcome moves the monitor.
    pub fn begin_health_check(&mut self, now: Instant) -> Call<HealthResult> {
        self.stats.endpoint_mut(Endpoint::Health).calls += 1;
        let budget = self.config.health.timeout.min(self.config.call_deadline);
        self.live(HealthTarget { monitor: true }, None, budget, now)
    }

    fn mint(
        &mut self,
        what: MintRequest,
        key: Option<IdempotencyKey>,
        now: Instant,
    ) -> Call<MintResult> {
        let stats = self.stats.endpoint_mut(Endpoint::Mint);
        stats.calls += 1;
        if what.jurisdiction.is_some_and(|j| j.is_fallback_marker()) {
            // `ERR` marks fallback IDs: no service mints it on request.
            stats.failed += 1;
            return Call::done(now, Err(MintError::ReservedJurisdiction));
        }
        let target = MintTarget {
            what,
            by_caller: key.is_some(),
        };
        self.live(target, key, self.config.call_deadline, now)
    }

    fn live<T: Answer>(
        &mut self,
        target: T::Target,
        key: Option<IdempotencyKey>,
        budget: Duration,
        now: Instant,
    ) -> Call<T> {
        Call::live(target, Progress::new(now, now.saturating_add(budget), key))
    }

    /// What to do next for `call` at `now`: send a request (built into `buf`, at least
    /// [`crate::wire::Request::MAX_PARTS`] bytes), wait, or take the outcome. Polling at or after an
    /// attempt's `timeout_at` with no fact reported ends that attempt as timed out.
    pub fn poll<'b, T: Answer>(
        &mut self,
        call: &mut Call<T>,
        now: Instant,
        buf: &'b mut [u8],
    ) -> Action<'b, T> {
        let target = match &mut call.stage {
            Stage::Done(outcome) => return Action::Done(*outcome),
            Stage::Live(target) => {
                match T::follow(target, &mut self.shared, now, call.progress.deadline) {
                    None => *target,
                    Some(following) => {
                        let target = *target;
                        return self.followed(call, target, following, now);
                    }
                }
            }
        };
        let permit = match self.front(
            self.traits::<T>(&target, &call.progress),
            &mut call.progress,
            now,
        ) {
            Front::Wait(at) => return Action::WaitUntil(at),
            Front::End(end) => return Action::Done(self.conclude(call, target, end, None, now)),
            Front::Admitted(permit) => permit,
        };
        let keys = Keys {
            policy: self.config.idempotency_keys,
            learned: self.keys_learned,
            probe: &mut self.probe_key,
            rng: &mut self.rng,
        };
        match T::build(&target, &mut call.progress, keys, buf) {
            Ok(request) => {
                let timeout_at = self.sent(T::ENDPOINT, &mut call.progress, permit, now);
                Action::Send {
                    request,
                    timeout_at,
                }
            }
            Err(_) => {
                let end = self.unsendable(T::ENDPOINT, &mut call.progress, permit, false);
                Action::Done(self.conclude(call, target, end, None, now))
            }
        }
    }

    /// A call that follows another's: it waits for the answer, within its own deadline.
    fn followed<T: Answer>(
        &mut self,
        call: &mut Call<T>,
        target: T::Target,
        following: Following<T>,
        now: Instant,
    ) -> Action<'static, T> {
        let deadline = call.progress.deadline;
        match following {
            Following::Answer(outcome) => {
                self.stats.coalesced += 1;
                // Counted as its own call's end, so that error ratios hold.
                let stats = self.stats.endpoint_mut(T::ENDPOINT);
                if outcome.is_service_answer() {
                    stats.succeeded += 1;
                } else {
                    stats.failed += 1;
                }
                Action::Done(self.finish(call, target, outcome, now))
            }
            Following::Wait(leader) if now < deadline => Action::Follow {
                until: leader.min(deadline),
            },
            Following::Wait(_) => {
                T::leave(&target, &mut self.shared);
                self.stats.endpoint_mut(T::ENDPOINT).failed += 1;
                let end = End::Unanswered(Unanswered::DeadlineExceeded);
                Action::Done(self.conclude(call, target, end, None, now))
            }
        }
    }

    /// Reports how the attempt in flight ended on the wire: the one input an adapter
    /// gives besides time. A fact for a call with no attempt in flight (finished,
    /// waiting, or already reported) changes nothing.
    pub fn report<T: Answer>(&mut self, call: &mut Call<T>, fact: Fact<'_>, now: Instant) {
        let Stage::Live(target) = call.stage else {
            return;
        };
        let Phase::InFlight { permit, .. } = call.progress.phase else {
            return;
        };
        let traits = self.traits::<T>(&target, &call.progress);
        let progress = &mut call.progress;
        let failure = match fact {
            Fact::Answered(response) => return self.answered(call, target, permit, response, now),
            Fact::DoesNotFit => {
                let end = self.unsendable(T::ENDPOINT, progress, permit, true);
                let _outcome = self.conclude(call, target, end, None, now);
                return;
            }
            Fact::NotSent => Failure::NotSent,
            Fact::Broken => Failure::NoResponse,
            Fact::NotHttp => Failure::InvalidResponse,
        };
        let end = self.attempt_failed(traits, progress, failure, None, now);
        if let Some(end) = end {
            let _outcome = self.conclude(call, target, end, None, now);
        }
    }

    /// Abandons a call (its caller went away): a probe slot it held is given back. A
    /// finished call is left as it is.
    pub fn cancel<T: Answer>(&mut self, call: &mut Call<T>) {
        let Stage::Live(target) = call.stage else {
            return;
        };
        if let Phase::InFlight { permit, .. } = call.progress.phase {
            self.breakers.get_mut(T::ENDPOINT).release(permit);
            // The request may have been written: for a mint, its outcome is unknown.
            call.progress.may_have_arrived = true;
        }
        T::leave(&target, &mut self.shared);
        let end = End::Unanswered(Unanswered::Cancelled);
        let outcome = T::conclude(&target, &call.progress, end, None, self.keys_honoured());
        if T::monitor_check(&target, &outcome).is_some() {
            self.health.abandon_check();
        }
        call.stage = Stage::Done(outcome);
    }

    /// What the adapter's health task should do at `now`: run a check (with
    /// [`Engine::begin_health_check`], whose outcome the engine feeds back to the
    /// monitor) or wait.
    pub fn health_poll(&mut self, now: Instant) -> HealthPoll {
        let (poll, transition) = self.health.poll(now);
        self.health_moved(transition);
        poll
    }

    fn traits<T: Answer>(&self, target: &T::Target, progress: &Progress) -> Traits {
        Traits {
            endpoint: T::ENDPOINT,
            idempotent: T::idempotent(target, progress, self.keys_honoured()),
            replaces_once: T::replaces_once(target),
        }
    }

    /// A head arrived: the service's answer, or a failed attempt.
    fn answered<T: Answer>(
        &mut self,
        call: &mut Call<T>,
        target: T::Target,
        permit: Permit,
        response: Response<'_>,
        now: Instant,
    ) {
        if let (Some(key), Some(echo)) = (
            T::sent_key(&call.progress, self.probe_key.as_ref()),
            response.idempotency_key,
        ) && echo == key.as_str().as_bytes()
        {
            // The service echoed the key: it honours keys (learned once, kept).
            self.keys_learned = true;
        }
        let traits = self.traits::<T>(&target, &call.progress);
        let progress = &mut call.progress;
        if !(200..300).contains(&response.status) {
            if let Some((end, error)) = self.status_failed(traits, progress, &response, now) {
                let _outcome = self.conclude(call, target, end, error, now);
            }
            return;
        }
        let end = if response.cut {
            // The same decision whichever adapter cut it, at whatever buffer size.
            self.answer_unusable(traits, progress, permit, WireError::BodyTooLarge, now)
        } else {
            match T::decode(&target, response.body) {
                Decoded::Final { outcome, pending } => {
                    self.succeeded(T::ENDPOINT, permit, pending, now);
                    if let Some((id, valid)) = outcome.verdict() {
                        self.remember(id, valid, now);
                    }
                    if outcome.is_replacement() {
                        self.stats.replacements += 1;
                    }
                    let _outcome = self.finish(call, target, outcome, now);
                    return;
                }
                Decoded::Refused { fallback, code } => {
                    progress.fallback = Some(fallback);
                    // A rate limit waits a while before the next try; a refusal is not
                    // retried.
                    let wait = (code == FallbackCode::RATE_LIMITED).then_some(RATE_LIMITED_BACKOFF);
                    self.attempt_failed(traits, progress, Failure::Fallback(code), wait, now)
                }
                Decoded::Unusable(error) => {
                    self.answer_unusable(traits, progress, permit, error, now)
                }
            }
        };
        if let Some(end) = end {
            let _outcome = self.conclude(call, target, end, None, now);
        }
    }

    /// Ends a call without a usable answer.
    // Inlined where space is cheap: called out of line, the outcome is built on the
    // stack in pieces and copied whole, a store-forwarding stall that made a refused mint
    // 25 ns instead of 18 (`cargo xtask bench`). Bare-metal builds keep one copy.
    #[cfg_attr(not(target_os = "none"), inline(always))]
    fn conclude<T: Answer>(
        &mut self,
        call: &mut Call<T>,
        target: T::Target,
        end: End,
        error: Option<ErrorBody>,
        now: Instant,
    ) -> T {
        let outcome = T::conclude(&target, &call.progress, end, error, self.keys_honoured());
        self.finish(call, target, outcome, now)
    }

    /// Ends a call with this outcome.
    fn finish<T: Answer>(
        &mut self,
        call: &mut Call<T>,
        target: T::Target,
        outcome: T,
        now: Instant,
    ) -> T {
        self.ended(T::ENDPOINT, &call.progress, outcome.is_local_only(), now);
        T::share(&target, &outcome, &mut self.shared);
        // Only the monitor's own checks are its checks (a user's health call is not).
        if let Some(healthy) = T::monitor_check(&target, &outcome) {
            self.monitor_checked(healthy, now);
        }
        call.stage = Stage::Done(outcome);
        outcome
    }
}

impl<S: CacheStorage, O: Observer, const SHARED: usize> core::fmt::Debug for Engine<S, O, SHARED> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Engine")
            .field("health", &self.health.state())
            .field("breakers", &self.breakers.map(Breaker::state))
            .field("cached", &self.cache.len())
            .finish_non_exhaustive()
    }
}
