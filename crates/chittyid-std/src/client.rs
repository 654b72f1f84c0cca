//! The client: one shared engine behind a short lock, a pooled HTTP transport, a clock,
//! events, and the background health monitor. Cheap to clone and share between tasks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use chittyid::engine::{
    Action, Answer, CacheSlot, Call, Endpoint, Engine, Event, Fact, HealthResult, MintResult,
    Stats, Validation,
};
use chittyid::resilience::{BreakerState, HealthPoll, HealthState, Instant};
use chittyid::wire::{IdempotencyKey, MintRequest};
use tokio::sync::futures::Notified;
use tokio::sync::{Notify, broadcast};
use tracing::Instrument;

use crate::builder::{BuildError, ClientBuilder};
use crate::clock::Clock;
use crate::journal::{self, Gate, Resolution};
use crate::metrics;
use crate::observe::Broadcaster;
use crate::transport::{Outgoing, Transport};

/// The engine a client shares between its clones: its cache on the heap, sized by the
/// builder.
type SharedEngine = Engine<Box<[CacheSlot]>, Broadcaster, SHARED_VALIDATIONS>;

/// How many IDs may each have a validation in flight that others follow (coalescing;
/// beyond them a validation goes on its own): a service validates many distinct IDs
/// at once, and a place costs 88 B.
pub const SHARED_VALIDATIONS: usize = 64;

/// Tells the health task to stop when the last client goes.
#[derive(Default)]
struct StopSignal {
    stopped: AtomicBool,
    notify: Notify,
}

impl StopSignal {
    fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            if self.stopped.load(Ordering::SeqCst) {
                return;
            }
            notified.await;
        }
    }
}

struct Inner {
    engine: Mutex<SharedEngine>,
    transport: Transport,
    clock: Clock,
    events: broadcast::Sender<Event>,
    stop: Arc<StopSignal>,
    /// Wakes the health task after a failed attempt: the engine may want a check sooner
    /// than the task's sleep ends.
    health_wake: Arc<Notify>,
    /// Wakes the calls that follow another's (coalesced validations) when an answer is
    /// shared.
    answers_shared: Notify,
    url: String,
    /// The mint journal, when the builder named one.
    journal: Option<journal::Link>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// The state of the client at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientStats {
    /// The engine's counters (calls, retries, cache, health checks, latencies).
    pub engine: Stats,
    /// Each endpoint's breaker, in [`Endpoint::ALL`] order.
    pub breakers: [BreakerState; 3],
    /// The health monitor's state.
    pub health: HealthState,
    /// Whether mints whose answers are lost are resent with their key: configured, or
    /// learned from the service (see [`ClientBuilder::idempotency_keys`]).
    pub keys_honoured: bool,
}

impl ClientStats {
    /// An endpoint's breaker.
    pub fn breaker(&self, endpoint: Endpoint) -> BreakerState {
        self.breakers[endpoint.index()]
    }
}

/// A resilient ChittyID client. Clone it freely: clones share one engine (breakers,
/// cache, health, statistics) and one connection pool.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use chittyid::EntityType;
/// use chittyid::engine::Validation;
/// use chittyid::wire::MintRequest;
/// use chittyid_std::Client;
///
/// let client = Client::builder().service_url("http://127.0.0.1:8787").token("t0k").build()?;
/// let minted = client.mint(MintRequest::new(EntityType::Person)).await;
/// let verdict = client.validate("03-1-USA-5537-P-2602-0-38").await;
/// if let Validation::LocalOnly { .. } = verdict {
///     eprintln!("the service could not be asked; only the format was checked");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("url", &self.inner.url)
            .field("engine", &*lock(&self.inner.engine))
            .finish_non_exhaustive()
    }
}

fn lock(engine: &Mutex<SharedEngine>) -> MutexGuard<'_, SharedEngine> {
    // The engine's steps leave it consistent even if an observer panicked mid-step.
    engine
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_builder(builder: ClientBuilder) -> Result<Client, BuildError> {
        if let Some(error) = builder.root_errors.first() {
            return Err(BuildError::Tls(format!("custom CA: {error}")));
        }
        let url = builder.resolved_url()?;
        let token = builder.resolved_token()?;
        let transport = Transport::new(url.clone(), token, builder.roots.clone())
            .map_err(|e| BuildError::Tls(e.0))?;
        let broadcaster = Broadcaster::new(256);
        let events = broadcaster.sender();
        let cache = vec![CacheSlot::default(); builder.cache_capacity].into_boxed_slice();
        let engine = Engine::with_storage(builder.config, cache, builder.seed, broadcaster);
        let journal = match &builder.journal {
            Some(path) => Some(
                journal::Link::open(path)
                    .map_err(|e| BuildError::Journal(format!("{}: {e}", path.display())))?,
            ),
            None => None,
        };
        let inner = Arc::new(Inner {
            engine: Mutex::new(engine),
            transport,
            clock: Clock::new(),
            events,
            stop: Arc::new(StopSignal::default()),
            health_wake: Arc::new(Notify::new()),
            answers_shared: Notify::new(),
            url,
            journal,
        });
        if builder.health_monitor {
            let runtime =
                tokio::runtime::Handle::try_current().map_err(|_| BuildError::NoRuntime)?;
            runtime.spawn(health_task(
                Arc::downgrade(&inner),
                inner.stop.clone(),
                inner.health_wake.clone(),
            ));
        }
        Ok(Client { inner })
    }

    /// The service's base URL.
    pub fn service_url(&self) -> &str {
        &self.inner.url
    }

    /// Mints one ID. A fallback ID comes back as `MintAnswer::Pending`, never as final;
    /// the client never makes up an ID.
    pub async fn mint(&self, what: MintRequest) -> MintResult {
        let span = tracing::info_span!("chittyid.mint", entity = what.entity_type.name());
        self.mint_logged(what, None).instrument(span).await
    }

    /// Sends a mint again with the key it carried, after it ended in
    /// [`MintError::OutcomeUnknown`] with `key: Some(..)`: a service that honours keys
    /// answers with the ID it minted the first time. Only for such services (see
    /// [`ClientBuilder::idempotency_keys`]).
    ///
    /// [`MintError::OutcomeUnknown`]: chittyid::engine::MintError::OutcomeUnknown
    pub async fn mint_with_key(&self, what: MintRequest, key: IdempotencyKey) -> MintResult {
        let span = tracing::info_span!("chittyid.mint", entity = what.entity_type.name());
        self.mint_logged(what, Some(key)).instrument(span).await
    }

    /// Resends, with its key, every mint of an earlier run that the journal shows
    /// unresolved (sent, and never answered), when the service honours keys (a health
    /// check asks it first), and records each resolution. The first mint of a client
    /// with a journal does this by itself; calling it first tells what it did. Without
    /// a journal there is nothing to do.
    pub async fn resolve_journal(&self) -> Resolution {
        match &self.inner.journal {
            Some(link) => link.resolve(self).await,
            None => Resolution::default(),
        }
    }

    /// The journal's path, if the client keeps one.
    pub fn journal_path(&self) -> Option<&std::path::Path> {
        self.inner.journal.as_ref().map(journal::Link::path)
    }

    /// How many mints the journal shows unresolved now (sent and not settled, those
    /// in flight included), if the client keeps one: a number to export and alert on.
    pub fn journal_unresolved(&self) -> Option<usize> {
        self.inner.journal.as_ref().map(journal::Link::unresolved)
    }

    /// A mint, through the journal when there is one (after the earlier runs' unresolved
    /// mints are tried once).
    async fn mint_logged(&self, what: MintRequest, key: Option<IdempotencyKey>) -> MintResult {
        match &self.inner.journal {
            Some(link) => {
                link.resolve_once(self).await;
                self.mint_journaled(link, what, key).await
            }
            None => {
                drive(
                    &self.inner,
                    |engine, now| match key {
                        Some(key) => engine.begin_mint_with_key(what, key, now),
                        None => engine.begin_mint(what, now),
                    },
                    None,
                )
                .await
            }
        }
    }

    /// A mint whose request is journaled before it is sent, and its outcome after.
    pub(crate) async fn mint_journaled(
        &self,
        link: &journal::Link,
        what: MintRequest,
        key: Option<IdempotencyKey>,
    ) -> MintResult {
        let mut gate = link.gate(what, key);
        let result = drive(
            &self.inner,
            |engine, now| match key {
                Some(key) => engine.begin_mint_with_key(what, key, now),
                None => engine.begin_mint(what, now),
            },
            Some(&mut gate),
        )
        .await;
        gate.finish(result).await
    }

    /// Validates an ID: the local check first (a malformed ID never reaches the
    /// network), then the cache, then the service. When the service cannot be asked the
    /// verdict says so (`LocalOnly`), never a silent "valid". A fallback ID the service
    /// replaces comes back as `Replaced` with the new ID: the service says so only once.
    pub async fn validate(&self, id: &str) -> Validation {
        let span = tracing::info_span!("chittyid.validate");
        self.call(|engine, now| engine.begin_validate(id.as_bytes(), now))
            .instrument(span)
            .await
    }

    /// Asks the service's health endpoint. Its answer is the caller's: it is not one of
    /// the health monitor's checks (those run in the client's own task).
    pub async fn health(&self) -> HealthResult {
        self.call(|engine, now| engine.begin_health(now))
            .instrument(tracing::info_span!("chittyid.health"))
            .await
    }

    /// Counters and states.
    pub fn stats(&self) -> ClientStats {
        let engine = lock(&self.inner.engine);
        ClientStats {
            engine: engine.stats(),
            breakers: Endpoint::ALL.map(|e| engine.breaker_state(e)),
            health: engine.health_state(),
            keys_honoured: engine.keys_honoured(),
        }
    }

    /// Every counter and latency histogram in the Prometheus text format, and the
    /// journal's unresolved mints when the client keeps a journal.
    pub fn metrics(&self) -> String {
        metrics::render(&self.stats(), self.journal_unresolved())
    }

    /// Receives the engine's events (breaker and health transitions, retries,
    /// rejections, evictions) from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    async fn call<T: Answer>(
        &self,
        begin: impl FnOnce(&mut SharedEngine, Instant) -> Call<T>,
    ) -> T {
        drive(&self.inner, begin, None).await
    }
}

/// A call in progress; if its future is dropped mid-way, the probe slot it may hold is
/// given back.
struct CallGuard<'a, T: Answer> {
    inner: &'a Inner,
    call: Call<T>,
}

impl<T: Answer> Drop for CallGuard<'_, T> {
    fn drop(&mut self) {
        if !self.call.is_finished() {
            // A leader that leaves wakes its followers, to ask again.
            let call = &mut self.call;
            step(self.inner, |engine| engine.cancel(call));
        }
    }
}

/// What [`drive`] does after one engine step, with the lock released.
enum Step<'n, T> {
    Done(T),
    Wait(Instant),
    /// Wait for a shared answer (listening since the step), or until then.
    Follow(Notified<'n>, Instant),
    Send(Outgoing, Instant),
}

/// Drives one engine call to its end: the engine decides, this loop carries out its
/// actions and reports each exchange's fact. The lock is held only inside the
/// engine's synchronous steps, never across an await.
async fn drive<T: Answer>(
    inner: &Inner,
    begin: impl FnOnce(&mut SharedEngine, Instant) -> Call<T>,
    mut gate: Option<&mut Gate>,
) -> T {
    let call = begin(&mut lock(&inner.engine), inner.clock.now());
    let mut guard = CallGuard { inner, call };
    let mut parts = [0u8; chittyid::wire::Request::MAX_PARTS];
    loop {
        let next = step(inner, |engine| {
            match engine.poll(&mut guard.call, inner.clock.now(), &mut parts) {
                Action::Done(outcome) => Step::Done(outcome),
                Action::WaitUntil(at) => Step::Wait(at),
                // Listening before the lock is let go: the step that shares the answer
                // comes after this one, and its notice reaches a `Notified` made
                // before it (made only here, as most calls never follow).
                Action::Follow { until } => Step::Follow(inner.answers_shared.notified(), until),
                Action::Send {
                    request,
                    timeout_at,
                } => Step::Send(Outgoing::of(&request), timeout_at),
            }
        });
        let (outgoing, timeout_at) = match next {
            Step::Done(outcome) => return outcome,
            Step::Wait(at) => {
                tokio::time::sleep_until(inner.clock.tokio_instant(at)).await;
                continue;
            }
            Step::Follow(shared, until) => {
                let until = inner.clock.tokio_instant(until);
                let _shared = tokio::time::timeout_at(until, shared).await;
                continue;
            }
            Step::Send(outgoing, timeout_at) => (outgoing, timeout_at),
        };
        // A journaled mint: its request is on disk before it leaves, or it does not
        // leave (the call ends with nothing sent).
        if let Some(gate) = gate.as_deref_mut()
            && !gate.admit(guard.call.idempotency_key().copied()).await
        {
            report(inner, &mut guard.call, Fact::DoesNotFit);
            continue;
        }
        let deadline = inner.clock.tokio_instant(timeout_at);
        // Nothing by the time-out: the next poll ends the attempt.
        let Ok(reply) = tokio::time::timeout_at(deadline, inner.transport.send(outgoing)).await
        else {
            continue;
        };
        let fact = match &reply {
            Ok(answer) => Fact::Answered(answer.response()),
            Err(fact) => *fact,
        };
        report(inner, &mut guard.call, fact);
    }
}

/// Reports a fact (through [`step`], which wakes the health task when it must).
fn report<T: Answer>(inner: &Inner, call: &mut Call<T>, fact: Fact<'_>) {
    step(inner, |engine| engine.report(call, fact, inner.clock.now()));
}

/// Runs one synchronous step on the engine, under the lock, and wakes the health task
/// when the engine now wants a check sooner than the task's sleep ends (a failed
/// attempt, or a time-out found by a poll, brings it forward), and the calls that
/// follow another's when an answer was shared.
fn step<R>(inner: &Inner, work: impl FnOnce(&mut SharedEngine) -> R) -> R {
    let mut engine = lock(&inner.engine);
    let result = work(&mut engine);
    let sooner = engine.take_health_wake();
    let shared = engine.take_shared_wake();
    drop(engine);
    if sooner {
        inner.health_wake.notify_one();
    }
    if shared {
        inner.answers_shared.notify_waiters();
    }
    result
}

/// The background health monitor: runs the checks the engine's health machine asks
/// for (at its interval, and soon after a failed attempt), and ends when the last
/// client is dropped.
async fn health_task(client: Weak<Inner>, stop: Arc<StopSignal>, wake: Arc<Notify>) {
    loop {
        let Some(inner) = client.upgrade() else {
            return;
        };
        let poll = lock(&inner.engine).health_poll(inner.clock.now());
        match poll {
            HealthPoll::CheckNow { .. } => {
                let checked = drive(&inner, |engine, now| engine.begin_health_check(now), None);
                tokio::select! {
                    _ = checked => {}
                    _ = stop.wait() => return,
                }
            }
            HealthPoll::WaitUntil(at) => {
                let when = inner.clock.tokio_instant(at);
                drop(inner);
                // A failed attempt wakes the task early (a permit is kept if it comes
                // before the wait): the engine asks for a check soon after one.
                tokio::select! {
                    _ = tokio::time::sleep_until(when) => {}
                    _ = wake.notified() => {}
                    _ = stop.wait() => return,
                }
            }
        }
    }
}
