//! A deterministic simulation of the engine against a scripted, faulty ID service, on a
//! simulated clock. Many clients run at once: the loop always advances to the earliest
//! pending event, so concurrency, outages and back-offs replay exactly from a seed.

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};

use chittyid::engine::{
    Action, CacheSlot, Endpoint, Engine, EngineConfig, Event, Fact, Observer, Response,
};
use chittyid::resilience::{BreakerState, Instant, Rng};
use chittyid::wire::{Method, Request};
use chittyid::{
    ChittyId, EntityType, FallbackCode, Jurisdiction, Parts, Region, TrustLevel, YearMonth,
};
pub use chittyid_test_support::calls::{AnyCall, Operation, Outcome};

/// Collects every event.
#[derive(Default)]
pub struct Recorder {
    pub events: Vec<Event>,
}

impl Observer for Recorder {
    fn on_event(&mut self, event: &Event) {
        self.events.push(*event);
    }
}

/// What the service does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An HTTP answer after `latency_ms`.
    Answer {
        status: u16,
        body: String,
        retry_after: Option<String>,
        /// The `Idempotency-Key` echoed (a service that honours keys echoes them).
        key_echo: Option<String>,
        latency_ms: u64,
    },
    /// The connection is refused: nothing was sent.
    Refused,
    /// The connection closes after the request was written, with no answer.
    Reset,
    /// No answer ever (the client times out).
    Hang,
}

/// Fault rates in per-mille and fixed behaviours.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// `[start, end)` windows in ms during which every connection is accepted and closed.
    pub outages: Vec<(u64, u64)>,
    pub reset: u32,
    pub status503: u32,
    /// Rate and the `Retry-After` seconds sent with it.
    pub status429: Option<(u32, u64)>,
    pub hang: u32,
    pub malformed: u32,
    pub fallback: u32,
    pub drop_after_commit: u32,
    pub latency_ms: u64,
    /// The service ignores `Idempotency-Key` (as id.chitty.cc does): it mints again
    /// for a repeated key and echoes none.
    pub ignores_keys: bool,
    /// The minting back end takes at most this many mints per second (each second of
    /// the clock); beyond it the front answers with a `RATE_LIMITED` fallback, as
    /// id.chitty.cc does for the back end's 429.
    pub backend_mints_per_second: Option<u32>,
}

/// The scripted ID service.
pub struct Service {
    pub faults: Faults,
    rng: Rng,
    /// Every ID committed, in order.
    pub committed: Vec<ChittyId>,
    known: HashSet<ChittyId>,
    by_key: HashMap<String, ChittyId>,
    next_sequence: u16,
    /// Requests that reached the service (outage connections included).
    pub received: u64,
    /// Of those, during an outage.
    pub received_in_outage: u64,
    /// Requests per path.
    pub by_path: HashMap<String, u64>,
    /// Mints let through in the current second: (second, count).
    backend_second: (u64, u32),
    /// `RATE_LIMITED` fallbacks answered.
    pub rate_limited: u64,
}

impl Service {
    pub fn new(faults: Faults, seed: u64) -> Service {
        Service {
            faults,
            rng: Rng::new(seed),
            committed: Vec::new(),
            known: HashSet::new(),
            by_key: HashMap::new(),
            next_sequence: 1,
            received: 0,
            received_in_outage: 0,
            by_path: HashMap::new(),
            backend_second: (0, 0),
            rate_limited: 0,
        }
    }

    /// Registers IDs the service knows as minted.
    pub fn know(&mut self, id: ChittyId) {
        self.known.insert(id);
    }

    fn roll(&mut self, per_mille: u32) -> bool {
        per_mille > 0 && self.rng.between(0, 999) < u64::from(per_mille)
    }

    pub fn in_outage(&self, now: u64) -> bool {
        self.faults
            .outages
            .iter()
            .any(|&(start, end)| (start..end).contains(&now))
    }

    fn answer(&self, status: u16, body: String) -> Reply {
        Reply::Answer {
            status,
            body,
            retry_after: None,
            key_echo: None,
            latency_ms: self.faults.latency_ms,
        }
    }

    fn mint_new(&mut self) -> ChittyId {
        let id = ChittyId::new(Parts {
            version: 3,
            region: Region::NorthAmerica,
            jurisdiction: Jurisdiction::new(*b"USA").unwrap(),
            sequence: self.next_sequence,
            entity_type: EntityType::Person,
            year_month: YearMonth::new(26, 11).unwrap(),
            trust_level: TrustLevel::Unverified,
        })
        .unwrap();
        self.next_sequence += 1;
        self.committed.push(id);
        self.known.insert(id);
        id
    }

    /// The service's reply to `request`; one that honours keys echoes the request's.
    pub fn receive(&mut self, request: &Request<'_>, now: u64) -> Reply {
        let mut reply = self.reply_to(request, now);
        if let Reply::Answer { key_echo, .. } = &mut reply
            && !self.faults.ignores_keys
        {
            *key_echo = request.idempotency_key.map(str::to_string);
        }
        reply
    }

    fn reply_to(&mut self, request: &Request<'_>, now: u64) -> Reply {
        self.received += 1;
        *self
            .by_path
            .entry(
                request
                    .path
                    .split('?')
                    .next()
                    .unwrap_or_default()
                    .split('/')
                    .take(3)
                    .collect::<Vec<_>>()
                    .join("/"),
            )
            .or_default() += 1;
        if self.in_outage(now) {
            self.received_in_outage += 1;
            return Reply::Reset;
        }
        if self.roll(self.faults.reset) {
            return Reply::Reset;
        }
        if self.roll(self.faults.hang) {
            return Reply::Hang;
        }
        if self.roll(self.faults.status503) {
            return self.answer(
                503,
                r#"{"success":false,"error":"UNAVAILABLE","message":"try later"}"#.into(),
            );
        }
        if let Some((rate, seconds)) = self.faults.status429
            && self.roll(rate)
        {
            return Reply::Answer {
                status: 429,
                body: r#"{"success":false,"error":"RATE_LIMITED"}"#.into(),
                retry_after: Some(seconds.to_string()),
                key_echo: None,
                latency_ms: self.faults.latency_ms,
            };
        }
        if self.roll(self.faults.malformed) {
            return self.answer(200, r#"{"success":true,"chittyId":"03-1-US"#.into());
        }
        let route = request.path.split('?').next().unwrap_or_default();
        match (request.method, route) {
            (Method::Post, "/v1/mint") => self.mint(request, now),
            (Method::Post, "/api/validate") => {
                let text = std::str::from_utf8(request.body).unwrap();
                let id: ChittyId = text[7..32].parse().unwrap();
                let valid = self.known.contains(&id);
                self.answer(200, format!(r#"{{"success":true,"valid":{valid}}}"#))
            }
            (Method::Get, "/health") => {
                self.answer(200, r#"{"status":"ok","service":"sim"}"#.into())
            }
            _ => self.answer(404, r#"{"success":false,"error":"NOT_FOUND"}"#.into()),
        }
    }

    /// A 200 answer with a fallback ID for `code`, as the real front gives one.
    fn fallback(&self, code: FallbackCode) -> Reply {
        let id = ChittyId::fallback(3, code, EntityType::Person, YearMonth::new(26, 11).unwrap())
            .unwrap();
        let name = code.name().unwrap();
        self.answer(
            200,
            format!(r#"{{"success":true,"chittyId":"{id}","fallback":true,"errorCode":"{name}"}}"#),
        )
    }

    fn mint(&mut self, request: &Request<'_>, now: u64) -> Reply {
        if let Some(limit) = self.faults.backend_mints_per_second {
            let second = now / 1000;
            if self.backend_second.0 != second {
                self.backend_second = (second, 0);
            }
            if self.backend_second.1 >= limit {
                self.rate_limited += 1;
                return self.fallback(FallbackCode::RATE_LIMITED);
            }
            self.backend_second.1 += 1;
        }
        if self.roll(self.faults.fallback) {
            return self.fallback(FallbackCode::MINT_UNAVAILABLE);
        }
        let key = request
            .idempotency_key
            .filter(|_| !self.faults.ignores_keys);
        let id = match key {
            Some(key) => match self.by_key.get(key) {
                Some(&id) => id,
                None => {
                    let id = self.mint_new();
                    self.by_key.insert(key.to_string(), id);
                    id
                }
            },
            None => self.mint_new(),
        };
        if self.roll(self.faults.drop_after_commit) {
            return Reply::Reset;
        }
        self.answer(200, format!(r#"{{"success":true,"chittyId":"{id}"}}"#))
    }
}

enum State {
    /// Poll at this time.
    Wake(u64),
    /// Following another call: poll when an answer is shared, or at this time.
    Follow(u64),
    /// An attempt is out; its reply arrives (or times out) at `at`.
    Out {
        at: u64,
        reply: Reply,
        timeout_at: u64,
        probe: bool,
    },
    Done,
}

/// One client call in the simulation.
pub struct Client {
    pub call: AnyCall,
    state: State,
    pub started: u64,
    pub finished: Option<u64>,
    pub outcome: Option<Outcome>,
}

/// How many IDs may each have a validation in flight that others follow, in the
/// simulation: a service's number, more than the core's default.
pub const SIM_SHARED: usize = 16;

/// The engine, the service, the clock and the clients.
pub struct Sim {
    pub engine: Engine<[CacheSlot; 256], Recorder, SIM_SHARED>,
    pub service: Service,
    pub now: u64,
    pub clients: Vec<Client>,
    /// Probes out at once, now and at most.
    probes_out: u32,
    pub max_probes_out: u32,
    /// Sends per endpoint.
    pub sends: HashMap<Endpoint, u64>,
    /// When each request was sent, and for which endpoint.
    pub send_times: Vec<(Endpoint, u64)>,
}

impl Sim {
    pub fn new(config: EngineConfig, faults: Faults, seed: u64) -> Sim {
        Sim {
            engine: Engine::with_storage(
                config,
                [CacheSlot::default(); 256],
                seed,
                Recorder::default(),
            ),
            service: Service::new(faults, seed ^ 0xABCD),
            now: 0,
            clients: Vec::new(),
            probes_out: 0,
            max_probes_out: 0,
            sends: HashMap::new(),
            send_times: Vec::new(),
        }
    }

    /// Starts a call at the current time; returns its index.
    pub fn start(&mut self, operation: Operation<'_>) -> usize {
        let now = Instant::from_millis(self.now);
        let call = AnyCall::begin(&mut self.engine, operation, now);
        self.clients.push(Client {
            call,
            state: State::Wake(self.now),
            started: self.now,
            finished: None,
            outcome: None,
        });
        self.clients.len() - 1
    }

    /// Runs until every client is done or the clock reaches `until`.
    pub fn run_until(&mut self, until: u64) {
        loop {
            let next = self
                .clients
                .iter()
                .enumerate()
                .filter_map(|(i, c)| match c.state {
                    State::Wake(t) | State::Follow(t) => Some((t, i)),
                    State::Out { at, .. } => Some((at, i)),
                    State::Done => None,
                })
                .min();
            let Some((at, index)) = next else { return };
            if at > until {
                self.now = until;
                return;
            }
            self.now = self.now.max(at);
            self.step(index);
        }
    }

    /// Runs every client to its end.
    pub fn run(&mut self) {
        self.run_until(u64::MAX);
    }

    /// Starts a call now and runs every client to its end; returns the call's index.
    pub fn call(&mut self, operation: Operation<'_>) -> usize {
        let index = self.start(operation);
        self.run();
        index
    }

    fn step(&mut self, index: usize) {
        let now = Instant::from_millis(self.now);
        let state = std::mem::replace(&mut self.clients[index].state, State::Done);
        if let State::Out {
            reply,
            timeout_at,
            probe,
            ..
        } = state
        {
            if probe {
                self.probes_out -= 1;
            }
            let call = &mut self.clients[index].call;
            // An attempt that got nothing by its time-out needs no fact: the poll below
            // ends it.
            let fact = match &reply {
                _ if self.now >= timeout_at => None,
                Reply::Answer {
                    status,
                    body,
                    retry_after,
                    key_echo,
                    ..
                } => Some(Fact::Answered(Response {
                    status: *status,
                    retry_after: retry_after.as_deref().map(str::as_bytes),
                    idempotency_key: key_echo.as_deref().map(str::as_bytes),
                    body: body.as_bytes(),
                    cut: false,
                })),
                Reply::Refused => Some(Fact::NotSent),
                Reply::Reset => Some(Fact::Broken),
                Reply::Hang => None,
            };
            if let Some(fact) = fact {
                call.report(&mut self.engine, fact, now);
            }
        }
        let mut buf = [0u8; 512];
        let endpoint = self.clients[index].call.endpoint();
        let half_open = self.engine.breaker_state(endpoint) != BreakerState::Closed;
        let action = self.clients[index]
            .call
            .poll(&mut self.engine, now, &mut buf);
        let next = match action {
            Action::Done(outcome) => {
                let client = &mut self.clients[index];
                client.finished = Some(self.now);
                client.outcome = Some(outcome);
                State::Done
            }
            Action::WaitUntil(t) => State::Wake(t.as_millis().max(self.now)),
            Action::Follow { until } => State::Follow(until.as_millis().max(self.now)),
            Action::Send {
                request,
                timeout_at,
            } => {
                *self.sends.entry(endpoint).or_default() += 1;
                self.send_times.push((endpoint, self.now));
                // A send while the breaker was not closed is a probe.
                let probe =
                    half_open || self.engine.breaker_state(endpoint) == BreakerState::HalfOpen;
                if probe {
                    self.probes_out += 1;
                    self.max_probes_out = self.max_probes_out.max(self.probes_out);
                }
                let reply = self.service.receive(&request, self.now);
                let timeout_at = timeout_at.as_millis();
                let at = match &reply {
                    Reply::Answer { latency_ms, .. } => (self.now + latency_ms).min(timeout_at),
                    Reply::Refused | Reply::Reset => self.now + 1,
                    Reply::Hang => timeout_at,
                };
                State::Out {
                    at,
                    reply,
                    timeout_at,
                    probe,
                }
            }
        };
        self.clients[index].state = next;
        if self.engine.take_shared_wake() {
            // An answer was shared: the calls that follow another poll now.
            for client in &mut self.clients {
                if let State::Follow(_) = client.state {
                    client.state = State::Wake(self.now);
                }
            }
        }
    }

    /// Events of one kind, counted.
    pub fn count_events(&self, matches: impl Fn(&Event) -> bool) -> usize {
        self.engine
            .observer()
            .events
            .iter()
            .filter(|e| matches(e))
            .count()
    }
}

/// Compares `text` with the snapshot `tests/data/{name}` (written anew when
/// `CHITTYID_UPDATE_SNAPSHOT` is set): a change of behaviour shows as a diff of the table.
pub fn assert_snapshot(name: &str, text: &str) {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("CHITTYID_UPDATE_SNAPSHOT").is_some() {
        std::fs::write(&path, text).unwrap();
    }
    let kept = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        kept, text,
        "the sweep changed; if on purpose, rerun with CHITTYID_UPDATE_SNAPSHOT=1:\n{text}"
    );
}
