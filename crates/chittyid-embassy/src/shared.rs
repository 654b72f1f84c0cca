//! The state every task shares: the engine behind a blocking mutex of the
//! application's kind, held only inside the engine's synchronous steps, never across an
//! await; and the handle tasks call through.

use core::cell::RefCell;

use chittyid::engine::{CacheSlot, Endpoint, Engine, HealthResult, MintResult, Stats, Validation};
use chittyid::resilience::{BreakerState, HealthState, Instant};
use chittyid::wire::{Host, MintRequest, Token};
use embassy_sync::blocking_mutex::Mutex;
use embassy_sync::blocking_mutex::raw::RawMutex;
use embassy_sync::signal::Signal;

use crate::buffers::Buffers;
use crate::call::drive;
use crate::connect::Connect;
use crate::followers::Followers;
use crate::log::LogObserver;
use crate::runner::Runner;
use crate::settings::{Settings, Timeouts};

/// How many IDs may each have a validation in flight that others follow: a device's
/// tasks rarely validate more distinct IDs at once, and each place costs 88 B of
/// RAM (beyond them a validation simply goes on its own).
pub const SHARED_VALIDATIONS: usize = 4;

pub(crate) type SharedEngine<const CACHE: usize> =
    Engine<[CacheSlot; CACHE], LogObserver, SHARED_VALIDATIONS>;

/// The engine's clock: embassy time in milliseconds.
pub(crate) fn now() -> Instant {
    Instant::from_millis(embassy_time::Instant::now().as_millis())
}

/// An engine instant as embassy time.
pub(crate) fn embassy(at: Instant) -> embassy_time::Instant {
    embassy_time::Instant::from_millis(at.as_millis())
}

/// What an exchange needs: where, with which token, within which time-outs.
#[derive(Clone, Copy)]
pub(crate) struct Wire<'a> {
    pub(crate) host: Host<'a>,
    pub(crate) token: Option<Token<'a>>,
    pub(crate) timeouts: Timeouts,
}

/// What the tasks share.
pub(crate) struct Shared<'a, M: RawMutex, const CACHE: usize> {
    engine: Mutex<M, RefCell<SharedEngine<CACHE>>>,
    /// What each exchange needs of the settings (the engine keeps its own).
    pub(crate) wire: Wire<'a>,
    /// Wakes the runner when a failed attempt brings the next health check forward.
    pub(crate) health_wake: Signal<M, ()>,
    /// Wakes the calls that follow another's when an answer is shared.
    pub(crate) followers: Followers<M>,
}

impl<M: RawMutex, const CACHE: usize> Shared<'_, M, CACHE> {
    /// Runs one synchronous step on the engine.
    pub(crate) fn with<R>(&self, step: impl FnOnce(&mut SharedEngine<CACHE>) -> R) -> R {
        self.engine.lock(|engine| step(&mut engine.borrow_mut()))
    }

    /// Runs a step that may end or fail an attempt (a poll, a report): wakes the runner
    /// if the engine now wants a health check sooner than the runner's sleep ends, and
    /// the calls that follow another's if an answer was shared (inside the step, so
    /// that a call told to follow in a later step sees the count it must wait past).
    pub(crate) fn with_wake<R>(&self, step: impl FnOnce(&mut SharedEngine<CACHE>) -> R) -> R {
        let (result, wake) = self.with(|engine| {
            let result = step(engine);
            if engine.take_shared_wake() {
                self.followers.answer_shared();
            }
            (result, engine.take_health_wake())
        });
        if wake {
            self.health_wake.signal(());
        }
        result
    }
}

/// The memory the client lives in, provided by the application (a `static`, usually,
/// through `StaticCell`): the engine with its cache of `CACHE` validation answers.
/// `M` is the mutex kind: `CriticalSectionRawMutex` when tasks run on several
/// executors or in interrupts, `NoopRawMutex` for one thread-mode executor.
pub struct Resources<'a, M: RawMutex, const CACHE: usize> {
    shared: Option<Shared<'a, M, CACHE>>,
}

impl<M: RawMutex, const CACHE: usize> Resources<'_, M, CACHE> {
    /// Empty resources, for [`new`].
    pub const fn new() -> Self {
        Resources { shared: None }
    }
}

impl<M: RawMutex, const CACHE: usize> Default for Resources<'_, M, CACHE> {
    fn default() -> Self {
        Resources::new()
    }
}

/// Makes the client in `resources`: the handle tasks call through, and the runner the
/// application spawns (it runs the health monitor's checks). `seed` comes from the
/// device's RNG: it draws idempotency keys and jitter, and must differ between devices
/// and boots.
///
/// ```
/// use chittyid_embassy::{Client, Resources, Runner, Settings};
/// use embassy_sync::blocking_mutex::raw::NoopRawMutex;
///
/// fn start<'a>(
///     resources: &'a mut Resources<'a, NoopRawMutex, 32>,
///     seed: u64,
/// ) -> (Client<'a, NoopRawMutex, 32>, Runner<'a, NoopRawMutex, 32>) {
///     let settings = Settings::new("id.chitty.cc")
///         .and_then(|s| s.with_token("t0k"))
///         .expect("a valid host and token");
///     chittyid_embassy::new(settings, resources, seed)
/// }
/// ```
pub fn new<'a, M: RawMutex, const CACHE: usize>(
    settings: Settings<'a>,
    resources: &'a mut Resources<'a, M, CACHE>,
    seed: u64,
) -> (Client<'a, M, CACHE>, Runner<'a, M, CACHE>) {
    let shared = resources.shared.insert(Shared {
        engine: Mutex::new(RefCell::new(Engine::with_storage(
            settings.engine,
            [CacheSlot::default(); CACHE],
            seed,
            LogObserver,
        ))),
        wire: Wire {
            host: settings.host_header(),
            token: settings.token(),
            timeouts: settings.timeouts,
        },
        health_wake: Signal::new(),
        followers: Followers::new(),
    });
    let shared: &'a Shared<'a, M, CACHE> = shared;
    (Client { shared }, Runner::new(shared))
}

/// The handle tasks call through: `Copy`, so every task keeps its own. Each call
/// brings its connector and buffers, so calls from many tasks run at once; the engine
/// is touched only inside its synchronous steps. A call's future may be dropped at any
/// point (a time-out around it, a `select`): the engine is told, and a breaker probe it
/// held is given back.
pub struct Client<'a, M: RawMutex, const CACHE: usize> {
    shared: &'a Shared<'a, M, CACHE>,
}

impl<M: RawMutex, const CACHE: usize> Clone for Client<'_, M, CACHE> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M: RawMutex, const CACHE: usize> Copy for Client<'_, M, CACHE> {}

impl<M: RawMutex, const CACHE: usize> core::fmt::Debug for Client<'_, M, CACHE> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.shared.wire.host)
            .finish_non_exhaustive()
    }
}

impl<M: RawMutex, const CACHE: usize> Client<'_, M, CACHE> {
    /// Mints one ID (a fallback ID is `Pending`, never final).
    pub async fn mint<C: Connect>(
        &self,
        connector: &mut C,
        buffers: &mut Buffers<'_>,
        what: MintRequest,
    ) -> MintResult {
        drive(self.shared, connector, buffers, |engine, now| {
            engine.begin_mint(what, now)
        })
        .await
    }

    /// Validates an ID: locally first, then the cache, then the service.
    pub async fn validate<C: Connect>(
        &self,
        connector: &mut C,
        buffers: &mut Buffers<'_>,
        id: &[u8],
    ) -> Validation {
        drive(self.shared, connector, buffers, |engine, now| {
            engine.begin_validate(id, now)
        })
        .await
    }

    /// Asks the service's health endpoint, for the caller (the runner runs the health
    /// monitor's own checks).
    pub async fn health<C: Connect>(
        &self,
        connector: &mut C,
        buffers: &mut Buffers<'_>,
    ) -> HealthResult {
        drive(self.shared, connector, buffers, |engine, now| {
            engine.begin_health(now)
        })
        .await
    }

    /// The engine's counters.
    pub fn stats(&self) -> Stats {
        self.shared.with(|engine| engine.stats())
    }

    /// An endpoint's breaker state.
    pub fn breaker_state(&self, endpoint: Endpoint) -> BreakerState {
        self.shared.with(|engine| engine.breaker_state(endpoint))
    }

    /// The health monitor's state.
    pub fn health_state(&self) -> HealthState {
        self.shared.with(|engine| engine.health_state())
    }
}
