//! The firmware client: it owns the engine and drives each call with embassy's clock and
//! time-outs over connections from a [`Connect`] the firmware provides.

use chittyid::engine::{
    Action, Answer, CacheSlot, Call, Engine, EngineConfig, Fact, HealthResult, MintResult,
    Observer, Stats, Validation,
};
use chittyid::resilience::Instant;
use chittyid::wire::{MintRequest, Request, Token};
use embassy_time::{Timer, with_deadline};

use crate::exchange::exchange;
use crate::log::LogObserver;

/// A connection could not be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ConnectError;

impl core::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("could not open a connection to the service")
    }
}

impl core::error::Error for ConnectError {}

/// Opens connections to the service (an embassy-net `TcpSocket`, or anything that
/// speaks `embedded_io_async`). One connection serves one request.
pub trait Connect {
    /// The connection.
    type Connection: embedded_io_async::Read + embedded_io_async::Write;

    /// Opens a connection to the service.
    async fn connect(&mut self) -> Result<Self::Connection, ConnectError>;
}

fn now() -> Instant {
    Instant::from_millis(embassy_time::Instant::now().as_millis())
}

fn embassy(at: Instant) -> embassy_time::Instant {
    embassy_time::Instant::from_millis(at.as_millis())
}

/// The caller's memory for one request and its answer: `request` at least
/// [`Request::max_http1_len`]`(host.len(), token.len())` bytes (about 400 with a short
/// token; a request that does not fit ends as `BufferTooSmall` and is never sent), and
/// `response` at least 1 KiB (larger answers are refused).
#[derive(Debug)]
pub struct Buffers<'a> {
    /// The HTTP/1.1 request is written here.
    pub request: &'a mut [u8],
    /// The answer is read here.
    pub response: &'a mut [u8],
}

/// The client. `CACHE` validation answers are kept; the buffers are the caller's (see
/// [`Buffers`]; a request that does not fit ends as [`Unanswered::BufferTooSmall`]). A call's
/// future may be dropped at any point (a time-out around it, a `select`): the engine is
/// told, and a breaker probe it held is given back.
///
/// [`Unanswered::BufferTooSmall`]: chittyid::engine::Unanswered::BufferTooSmall
pub struct Client<'a, C: Connect, const CACHE: usize, O: Observer = LogObserver> {
    engine: Engine<[CacheSlot; CACHE], O>,
    connector: C,
    host: &'a str,
    token: Option<Token<'a>>,
    request: &'a mut [u8],
    response: &'a mut [u8],
}

impl<'a, C: Connect, const CACHE: usize> Client<'a, C, CACHE, LogObserver> {
    /// A client for `host` (sent as the `Host` header) over `connector`. `seed` comes
    /// from the device's RNG: it must differ between devices and boots (see
    /// [`Engine::new`]).
    pub fn new(
        config: EngineConfig,
        seed: u64,
        connector: C,
        host: &'a str,
        token: Option<&'a str>,
        buffers: Buffers<'a>,
    ) -> Self {
        Client::with_observer(config, seed, LogObserver, connector, host, token, buffers)
    }
}

impl<'a, C: Connect, const CACHE: usize, O: Observer> Client<'a, C, CACHE, O> {
    /// As [`Client::new`], with an observer of the engine's events.
    pub fn with_observer(
        config: EngineConfig,
        seed: u64,
        observer: O,
        connector: C,
        host: &'a str,
        token: Option<&'a str>,
        buffers: Buffers<'a>,
    ) -> Self {
        Client {
            engine: Engine::with_observer(config, seed, observer),
            connector,
            host,
            token: token.map(Token::new),
            request: buffers.request,
            response: buffers.response,
        }
    }

    /// Mints one ID (a fallback ID is `Pending`, never final).
    pub async fn mint(&mut self, what: MintRequest) -> MintResult {
        self.drive(|engine, now| engine.begin_mint(what, now)).await
    }

    /// Validates an ID: locally first, then the cache, then the service.
    pub async fn validate(&mut self, id: &[u8]) -> Validation {
        self.drive(|engine, now| engine.begin_validate(id, now))
            .await
    }

    /// Asks the service's health endpoint.
    pub async fn health(&mut self) -> HealthResult {
        self.drive(|engine, now| engine.begin_health(now)).await
    }

    /// The engine's counters.
    pub fn stats(&self) -> Stats {
        self.engine.stats()
    }

    /// The engine, for its states and settings.
    pub fn engine(&self) -> &Engine<[CacheSlot; CACHE], O> {
        &self.engine
    }

    /// Drives one call: the engine decides, this loop carries out its actions and
    /// reports each exchange's fact.
    async fn drive<T: Answer>(
        &mut self,
        begin: impl FnOnce(&mut Engine<[CacheSlot; CACHE], O>, Instant) -> Call<T>,
    ) -> T {
        let Client {
            engine,
            connector,
            host,
            token,
            request,
            response,
        } = self;
        let call = begin(engine, now());
        let mut guard = CallGuard { engine, call };
        let CallGuard { engine, call } = &mut guard;
        let mut parts = [0u8; Request::MAX_PARTS];
        loop {
            let (outgoing, timeout_at) = match engine.poll(call, now(), &mut parts) {
                Action::Done(outcome) => return outcome,
                Action::WaitUntil(at) => {
                    Timer::at(embassy(at)).await;
                    continue;
                }
                Action::Send {
                    request,
                    timeout_at,
                } => (request, timeout_at),
            };
            // A connection per request: `Connection: close`.
            let fact = match outgoing.write_http1(host, *token, true, request) {
                Err(_) => Fact::DoesNotFit,
                Ok(length) => {
                    let exchanged = exchange(connector, &request[..length], response);
                    match with_deadline(embassy(timeout_at), exchanged).await {
                        Ok(fact) => fact,
                        // Nothing by the time-out: the next poll ends the attempt.
                        Err(_) => continue,
                    }
                }
            };
            engine.report(call, fact, now());
        }
    }
}

/// A call in progress. If its future is dropped mid-way (the caller's own time-out, or
/// a `select` that another branch won), the breaker's probe slot it may hold is given
/// back; otherwise the breaker would wait for that probe for ever.
struct CallGuard<'e, const CACHE: usize, O: Observer, T: Answer> {
    engine: &'e mut Engine<[CacheSlot; CACHE], O>,
    call: Call<T>,
}

impl<const CACHE: usize, O: Observer, T: Answer> Drop for CallGuard<'_, CACHE, O, T> {
    fn drop(&mut self) {
        if !self.call.is_finished() {
            self.engine.cancel(&mut self.call);
        }
    }
}
