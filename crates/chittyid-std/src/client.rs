//! The client: one shared engine behind a short lock, a pooled HTTP transport, a clock,
//! events, and the background health monitor. Cheap to clone and share between tasks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use chittyid::engine::{
    Action, Call, Endpoint, Engine, EngineConfig, Event, HealthError, MintError, Operation,
    Outcome, Response, Stats, Validation,
};
use chittyid::resilience::{BreakerState, HealthPoll, HealthState};
use chittyid::wire::{HealthAnswer, IdempotencyKey, MintAnswer, MintRequest};
use tokio::sync::{Notify, broadcast};
use tracing::Instrument;

use crate::builder::{BuildError, ClientBuilder};
use crate::clock::Clock;
use crate::metrics;
use crate::observe::Broadcaster;
use crate::transport::{Outgoing, Transport};

/// Validation answers kept by the client's cache (v2.2.0's size).
pub const CACHE_CAPACITY: usize = 10_000;

type SharedEngine = Engine<CACHE_CAPACITY, Broadcaster>;

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
    engine: Mutex<Box<SharedEngine>>,
    transport: Transport,
    clock: Clock,
    events: broadcast::Sender<Event>,
    stop: Arc<StopSignal>,
    /// Wakes the health task after a failed attempt: the engine may want a check sooner
    /// than the task's sleep ends.
    health_wake: Arc<Notify>,
    url: String,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.stop();
    }
}

/// The state of the client at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

fn lock(engine: &Mutex<Box<SharedEngine>>) -> MutexGuard<'_, Box<SharedEngine>> {
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
        let token = builder.resolved_token();
        let transport = Transport::new(url.clone(), token, builder.roots.clone())
            .map_err(|e| BuildError::Tls(e.0))?;
        let broadcaster = Broadcaster::new(256);
        let events = broadcaster.sender();
        let engine = build_engine(builder.config, builder.seed, broadcaster)?;
        let inner = Arc::new(Inner {
            engine: Mutex::new(engine),
            transport,
            clock: Clock::new(),
            events,
            stop: Arc::new(StopSignal::default()),
            health_wake: Arc::new(Notify::new()),
            url,
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
    pub async fn mint(&self, what: MintRequest) -> Result<MintAnswer, MintError> {
        let span = tracing::info_span!("chittyid.mint", entity = what.entity_type.name());
        match self.call(Operation::Mint(what)).instrument(span).await {
            Outcome::Mint(result) => result,
            _ => unreachable!("a mint call ends in a mint outcome"),
        }
    }

    /// Sends a mint again with the key it carried, after it ended in
    /// [`MintError::OutcomeUnknown`] with `key: Some(..)`: a service that honours keys
    /// answers with the ID it minted the first time. Only for such services (see
    /// [`ClientBuilder::idempotency_keys`]).
    pub async fn mint_with_key(
        &self,
        what: MintRequest,
        key: IdempotencyKey,
    ) -> Result<MintAnswer, MintError> {
        let span = tracing::info_span!("chittyid.mint", entity = what.entity_type.name());
        match self
            .call(Operation::MintWithKey(what, key))
            .instrument(span)
            .await
        {
            Outcome::Mint(result) => result,
            _ => unreachable!("a mint call ends in a mint outcome"),
        }
    }

    /// Validates an ID: the local check first (a malformed ID never reaches the
    /// network), then the cache, then the service. When the service cannot be asked the
    /// verdict says so (`LocalOnly`), never a silent "valid". A fallback ID the service
    /// replaces comes back as `Replaced` with the new ID: the service says so only once.
    pub async fn validate(&self, id: &str) -> Validation {
        let span = tracing::info_span!("chittyid.validate");
        match self
            .call(Operation::Validate(id.as_bytes()))
            .instrument(span)
            .await
        {
            Outcome::Validation(verdict) => verdict,
            _ => unreachable!("a validation ends in a verdict"),
        }
    }

    /// Asks the service's health endpoint. Its answer is the caller's: it is not one of
    /// the health monitor's checks (those run in the client's own task).
    pub async fn health(&self) -> Result<HealthAnswer, HealthError> {
        match self
            .call(Operation::Health)
            .instrument(tracing::info_span!("chittyid.health"))
            .await
        {
            Outcome::Health(result) => result,
            _ => unreachable!("a health call ends in a health outcome"),
        }
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

    /// Every counter and latency histogram in the Prometheus text format.
    pub fn metrics(&self) -> String {
        metrics::render(&self.stats())
    }

    /// Receives the engine's events (breaker and health transitions, retries,
    /// rejections, evictions) from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    async fn call(&self, operation: Operation<'_>) -> Outcome {
        drive(&self.inner, operation).await
    }
}

/// Builds the engine on the heap. `Engine<10_000>` is about 360 KB and `Box::new` builds
/// it on the stack first (unoptimised builds copy it several times over), which would
/// overflow the 2 MiB stacks of tokio workers and test threads: so it is built on a
/// short-lived thread with room to spare.
fn build_engine(
    config: EngineConfig,
    seed: u64,
    observer: Broadcaster,
) -> Result<Box<SharedEngine>, BuildError> {
    std::thread::Builder::new()
        .name("chittyid-engine-init".into())
        .stack_size(64 << 20)
        .spawn(move || Box::new(Engine::with_observer(config, seed, observer)))
        .map_err(|e| BuildError::EngineInit(e.to_string()))?
        .join()
        .map_err(|_| BuildError::EngineInit("the set-up thread panicked".into()))
}

/// A call in progress; if its future is dropped mid-way, the probe slot it may hold is
/// given back.
struct CallGuard<'a> {
    inner: &'a Inner,
    call: Call,
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        if !self.call.is_finished() {
            lock(&self.inner.engine).cancel(&mut self.call);
        }
    }
}

enum Step {
    Done(Outcome),
    Wait(chittyid::resilience::Instant),
    Send(Outgoing, chittyid::resilience::Instant),
}

/// Drives one engine call to its end. The lock is held only inside the engine's
/// synchronous steps, never across an await.
async fn drive(inner: &Inner, operation: Operation<'_>) -> Outcome {
    let call = lock(&inner.engine).begin(operation, inner.clock.now());
    let mut guard = CallGuard { inner, call };
    let mut buf = [0u8; chittyid::wire::Request::MAX_PARTS];
    loop {
        let step = {
            let mut engine = lock(&inner.engine);
            match engine.poll(&mut guard.call, inner.clock.now(), &mut buf) {
                Action::Done(outcome) => Step::Done(outcome),
                Action::WaitUntil(at) => Step::Wait(at),
                Action::Send {
                    request,
                    timeout_at,
                } => Step::Send(
                    Outgoing {
                        method: request.method,
                        path: request.path.to_string(),
                        body: request.body.to_vec(),
                        sends_token: request.sends_token,
                        idempotency_key: request.idempotency_key.map(str::to_string),
                    },
                    timeout_at,
                ),
            }
        };
        match step {
            Step::Done(outcome) => return outcome,
            Step::Wait(at) => tokio::time::sleep_until(inner.clock.tokio_instant(at)).await,
            Step::Send(outgoing, timeout_at) => {
                let sent = tokio::time::timeout_at(
                    inner.clock.tokio_instant(timeout_at),
                    inner.transport.send(outgoing),
                )
                .await;
                let mut engine = lock(&inner.engine);
                let now = inner.clock.now();
                let due = engine.next_health_check();
                match sent {
                    Err(_) => engine.on_timeout(&mut guard.call, now),
                    Ok(Err(failure)) => engine.on_transport_error(&mut guard.call, failure, now),
                    Ok(Ok(answer)) => {
                        let response = Response {
                            status: answer.status,
                            retry_after: answer.retry_after.as_deref(),
                            idempotency_key: answer.idempotency_key.as_deref(),
                            body: &answer.body,
                            cut: answer.cut,
                        };
                        engine.on_response(&mut guard.call, response, now);
                    }
                }
                // The engine decides when a check is due; the task sleeping until the
                // old time is woken when that moved earlier.
                let sooner = matches!(
                    (engine.next_health_check(), due),
                    (Some(now_due), Some(was)) if now_due < was
                );
                drop(engine);
                if sooner {
                    inner.health_wake.notify_one();
                }
            }
        }
    }
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
                let checked = drive(&inner, Operation::HealthCheck);
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
