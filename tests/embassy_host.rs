//! The embassy adapter on the host: over tokio sockets through `embedded-io-adapters`,
//! against the reference service. One shared client called from several tasks at once,
//! the runner's health checks through an outage, link loss, the network steps'
//! time-outs, a call dropped mid-flight, buffers sized by the published maximum, and
//! validations coalesced across tasks.
//! (embassy-time's `std` driver is enabled for these tests only; tasks run on tokio
//! threads, so the mutex kind is `CriticalSectionRawMutex`.)

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chittyid::engine::Endpoint;
use chittyid::wire::Request;
use chittyid_embassy::raw::CriticalSectionRawMutex;
use chittyid_embassy::{
    BreakerConfig, BreakerState, Buffers, Client, Connect, ConnectError, EntityType, Failure,
    HealthState, MintAnswer, MintError, MintRequest, Resources, Runner, Settings, Timeouts,
    Unanswered, Validation,
};
use chittyid_server::{FaultKind, Server, ServerConfig};
use chittyid_test_support::ids;
use chittyid_test_support::tcp::Tcp;

type Shared = CriticalSectionRawMutex;
type FwClient = Client<'static, Shared, 32>;

const TOKEN: &str = "fw-token";

async fn server() -> Server {
    Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec![TOKEN.into()],
        // The `timeout` fault holds a request this long before closing it.
        hold: Duration::from_secs(1),
        ..ServerConfig::default()
    })
    .await
    .unwrap()
}

/// A seed that differs between runs, as a device's RNG's would.
fn seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

/// The client a device would make: the resources live for the program (leaked here,
/// a `StaticCell` in firmware), the settings are a host and a token.
fn start(
    host: &str,
    token: &str,
    tune: impl FnOnce(&mut Settings<'static>),
) -> (FwClient, Runner<'static, Shared, 32>) {
    let host: &'static str = Box::leak(host.to_string().into_boxed_str());
    let token: &'static str = Box::leak(token.to_string().into_boxed_str());
    let resources: &'static mut Resources<'static, Shared, 32> =
        Box::leak(Box::new(Resources::new()));
    let mut settings = Settings::new(host)
        .and_then(|settings| settings.with_token(token))
        .expect("the test service's host and token are valid");
    tune(&mut settings);
    chittyid_embassy::new(settings, resources, seed())
}

/// One task's own memory: a connector and the buffers of one call at a time.
struct Task<C> {
    connector: C,
    request: Vec<u8>,
    response: Vec<u8>,
}

impl<C: Connect> Task<C> {
    fn new(connector: C) -> Task<C> {
        Task {
            connector,
            request: vec![0u8; 1024],
            response: vec![0u8; 4096],
        }
    }

    fn parts(&mut self) -> (&mut C, Buffers<'_>) {
        (
            &mut self.connector,
            Buffers {
                request: &mut self.request,
                response: &mut self.response,
            },
        )
    }

    async fn validate(&mut self, client: FwClient, id: &[u8]) -> Validation {
        let (connector, mut buffers) = self.parts();
        client.validate(connector, &mut buffers, id).await
    }

    async fn mint(&mut self, client: FwClient, what: MintRequest) -> Result<MintAnswer, MintError> {
        let (connector, mut buffers) = self.parts();
        client.mint(connector, &mut buffers, what).await
    }
}

/// The runner in its own task, with its own connector and buffers.
fn spawn_runner(mut runner: Runner<'static, Shared, 32>, connector: Link) {
    tokio::spawn(async move {
        let (mut request, mut response) = (vec![0u8; 1024], vec![0u8; 4096]);
        runner
            .run(
                connector,
                Buffers {
                    request: &mut request,
                    response: &mut response,
                },
            )
            .await
    });
}

/// Samples the health state every 20 ms until `done` holds of the states seen so far
/// (each change once, in order) or 20 s pass.
async fn watch_health(client: FwClient, done: impl Fn(&[HealthState]) -> bool) -> Vec<HealthState> {
    let mut seen = vec![client.health_state()];
    let until = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(&seen) && tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let now = client.health_state();
        if seen.last() != Some(&now) {
            seen.push(now);
        }
    }
    seen
}

/// `wanted` appears in `seen` in this order (other states may come between).
fn in_order(seen: &[HealthState], wanted: &[HealthState]) -> bool {
    let mut rest = seen.iter();
    wanted.iter().all(|w| rest.any(|s| s == w))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mint_validate_and_health_over_embedded_io() {
    let server = server().await;
    let (client, _runner) = start(&server.addr().to_string(), TOKEN, |_| {});
    let mut task = Task::new(Tcp(server.addr()));
    let Ok(MintAnswer::Minted(id)) = task.mint(client, MintRequest::new(EntityType::Place)).await
    else {
        panic!("mint failed");
    };
    let text = id.to_string();
    assert!(matches!(
        task.validate(client, text.as_bytes()).await,
        Validation::Authoritative {
            valid: true,
            cached: false,
            ..
        }
    ));
    assert!(matches!(
        task.validate(client, text.as_bytes()).await,
        Validation::Authoritative {
            valid: true,
            cached: true,
            ..
        }
    ));
    assert!(matches!(
        task.validate(client, b"03-1-USA-5537-P-2602-0-39").await,
        Validation::Malformed(_)
    ));
    let (connector, mut buffers) = task.parts();
    assert!(
        client
            .health(connector, &mut buffers)
            .await
            .unwrap()
            .healthy
    );
    assert_eq!(client.stats().endpoint(Endpoint::Validate).attempts, 1);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_tasks_share_one_client_at_once() {
    let server = server().await;
    let (client, runner) = start(&server.addr().to_string(), TOKEN, |_| {});
    spawn_runner(runner, Link::up(server.addr()));
    // Four tasks, each with its own connector and buffers, mint and validate at once
    // through copies of one handle.
    let tasks: Vec<_> = (0..4)
        .map(|t| {
            let addr = server.addr();
            tokio::spawn(async move {
                let mut task = Task::new(Tcp(addr));
                let mut verdicts = Vec::new();
                for n in 0..5 {
                    let minted = task.mint(client, MintRequest::new(EntityType::Thing)).await;
                    let Ok(MintAnswer::Minted(id)) = minted else {
                        panic!("task {t}, mint {n}: {minted:?}");
                    };
                    verdicts.push(task.validate(client, id.to_string().as_bytes()).await);
                }
                verdicts
            })
        })
        .collect();
    for task in tasks {
        for verdict in task.await.unwrap() {
            assert!(
                matches!(verdict, Validation::Authoritative { valid: true, .. }),
                "{verdict:?}"
            );
        }
    }
    let stats = client.stats();
    assert_eq!(stats.endpoint(Endpoint::Mint).succeeded, 20);
    assert_eq!(stats.endpoint(Endpoint::Validate).succeeded, 20);
    assert_eq!(client.breaker_state(Endpoint::Mint), BreakerState::Closed);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_validating_one_id_at_once_share_one_request() {
    // The service takes 300 ms to answer, so that the calls overlap.
    let server = Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        latency: chittyid_server::Latency {
            base: Duration::from_millis(300),
            jitter: Duration::ZERO,
        },
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let (client, _runner) = start(&server.addr().to_string(), TOKEN, |_| {});
    // Eight tasks on one ID (more than the wakers kept at once) and two on another.
    let tasks: Vec<_> = (0..10u32)
        .map(|t| {
            let addr = server.addr();
            let id = ids::distinct(u32::from(t >= 8)).to_string();
            tokio::spawn(async move { Task::new(Tcp(addr)).validate(client, id.as_bytes()).await })
        })
        .collect();
    for task in tasks {
        let verdict = task.await.unwrap();
        assert!(
            matches!(verdict, Validation::Authoritative { valid: true, .. }),
            "{verdict:?}"
        );
    }
    let requests: u64 = server
        .stats()
        .requests
        .get("/api/validate")
        .map_or(0, |by_status| by_status.values().sum());
    assert_eq!(requests, 2);
    // Each that did not ask followed a call in flight, or (begun late on a slow machine)
    // found the answer cached.
    let stats = client.stats();
    assert_eq!(stats.coalesced + stats.cached_answers, 8);
    assert!(stats.coalesced > 0);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_sees_an_outage_and_the_return_with_defaults() {
    let server = server().await;
    let (client, runner) = start(&server.addr().to_string(), TOKEN, |_| {});
    spawn_runner(runner, Link::up(server.addr()));
    let connected = watch_health(client, |s| s.last() == Some(&HealthState::Connected)).await;
    assert_eq!(
        connected.last(),
        Some(&HealthState::Connected),
        "{connected:?}"
    );
    server.faults().set_down(true);
    // A user's failed call brings the runner's next check forward; it fails too.
    let mut task = Task::new(Tcp(server.addr()));
    let verdict = task.validate(client, b"03-1-USA-5537-P-2602-0-38").await;
    assert!(
        matches!(verdict, Validation::LocalOnly { .. }),
        "{verdict:?}"
    );
    let down = watch_health(client, |s| s.last() == Some(&HealthState::Reconnecting)).await;
    assert_eq!(down.last(), Some(&HealthState::Reconnecting), "{down:?}");
    server.faults().set_down(false);
    // The runner's next check (1 s back-off, doubling) finds the service again.
    let back = watch_health(client, |s| s.last() == Some(&HealthState::Connected)).await;
    assert!(
        in_order(&back, &[HealthState::Reconnecting, HealthState::Connected]),
        "{back:?}"
    );
    let stats = client.stats();
    assert!(
        stats.health_checks_failed >= 1 && stats.health_checks_passed >= 2,
        "{stats:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attempt_that_times_out_wakes_the_runner_for_a_check() {
    let server = server().await;
    // Attempts end at 300 ms (the service holds a request for 1 s): the setting under
    // test is the time-out, so the run is short.
    let (client, runner) = start(&server.addr().to_string(), TOKEN, |s| {
        s.engine.attempt_timeout = Duration::from_millis(300);
    });
    spawn_runner(runner, Link::up(server.addr()));
    let up = watch_health(client, |s| s.last() == Some(&HealthState::Connected)).await;
    assert_eq!(up.last(), Some(&HealthState::Connected), "{up:?}");
    let checks = client.stats().health_checks;
    server.faults().set(FaultKind::Timeout, 1.0);
    let mut task = Task::new(Tcp(server.addr()));
    let verdict = task.validate(client, b"03-1-USA-5537-P-2602-0-38").await;
    assert!(
        matches!(
            verdict,
            Validation::LocalOnly {
                reason: Unanswered::Failed {
                    last: Failure::TimedOut,
                    ..
                },
                ..
            }
        ),
        "{verdict:?}"
    );
    // The time-outs were found by polls, not reports; they still bring the runner's next
    // check forward from its 30 s interval.
    let until = tokio::time::Instant::now() + Duration::from_secs(20);
    while client.stats().health_checks == checks && tokio::time::Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        client.stats().health_checks > checks,
        "the runner was not woken"
    );
    server.shutdown().await;
}

/// A network stack whose link can go down: connections fail while it is down, as an
/// embassy-net socket's connect does without a link.
#[derive(Clone)]
struct Link {
    tcp: std::net::SocketAddr,
    up: Arc<AtomicBool>,
}

impl Link {
    /// A link that stays up.
    fn up(tcp: std::net::SocketAddr) -> Link {
        Link {
            tcp,
            up: Arc::new(AtomicBool::new(true)),
        }
    }
}

impl Connect for Link {
    type Connection = <Tcp as Connect>::Connection;

    async fn connect(&mut self) -> Result<Self::Connection, ConnectError> {
        if !self.up.load(Ordering::SeqCst) {
            return Err(ConnectError);
        }
        Tcp(self.tcp).connect().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_loss_fails_fast_and_the_client_recovers_when_the_link_returns() {
    let server = server().await;
    let up = Arc::new(AtomicBool::new(true));
    let link = Link {
        tcp: server.addr(),
        up: up.clone(),
    };
    let (client, runner) = start(&server.addr().to_string(), TOKEN, |_| {});
    spawn_runner(runner, link.clone());
    let mut task = Task::new(link);
    let id = |n| ids::distinct(n).to_string();
    assert!(matches!(
        task.validate(client, id(0).as_bytes()).await,
        Validation::Authoritative { .. }
    ));
    up.store(false, Ordering::SeqCst);
    // Nothing can be sent: each validation is local-only, saying why, and the breaker
    // opens after ten failures in a row; then calls fail at once.
    let first = task.validate(client, id(1).as_bytes()).await;
    assert!(
        matches!(
            first,
            Validation::LocalOnly {
                reason: Unanswered::Failed {
                    last: Failure::NotSent,
                    ..
                },
                ..
            }
        ),
        "{first:?}"
    );
    let mut n = 2;
    while client.breaker_state(Endpoint::Validate) != BreakerState::Open {
        assert!(n < 20, "the breaker never opened");
        task.validate(client, id(n).as_bytes()).await;
        n += 1;
    }
    let refused = task.validate(client, id(n).as_bytes()).await;
    assert!(
        matches!(
            refused,
            Validation::LocalOnly {
                reason: Unanswered::BreakerOpen { .. },
                ..
            }
        ),
        "{refused:?}"
    );
    up.store(true, Ordering::SeqCst);
    // After the breaker's reset time the next calls are its probes, and they pass.
    tokio::time::sleep(BreakerConfig::default().reset_timeout + Duration::from_millis(100)).await;
    for k in 0..u32::from(BreakerConfig::default().close_after) {
        let verdict = task.validate(client, id(100 + k).as_bytes()).await;
        assert!(
            matches!(verdict, Validation::Authoritative { .. }),
            "probe {k}: {verdict:?}"
        );
    }
    assert_eq!(
        client.breaker_state(Endpoint::Validate),
        BreakerState::Closed
    );
    let back = watch_health(client, |s| s.last() == Some(&HealthState::Connected)).await;
    assert_eq!(back.last(), Some(&HealthState::Connected), "{back:?}");
    server.shutdown().await;
}

/// A connector whose connect never completes (a SYN into the void).
struct Silent;

impl Connect for Silent {
    type Connection = <Tcp as Connect>::Connection;

    async fn connect(&mut self) -> Result<Self::Connection, ConnectError> {
        std::future::pending().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_connect_or_read_ends_at_its_own_time_out_not_the_attempts() {
    // The steps' time-outs are the setting under test: short, so the run is short.
    let quick = |s: &mut Settings<'static>| {
        s.timeouts = Timeouts::new(Duration::from_millis(150), Duration::from_millis(150));
    };
    let (client, _runner) = start("silent.invalid", TOKEN, quick);
    let mut task = Task::new(Silent);
    let verdict = task.validate(client, b"03-1-USA-5537-P-2602-0-38").await;
    assert!(
        matches!(
            verdict,
            Validation::LocalOnly {
                reason: Unanswered::Failed {
                    last: Failure::NotSent,
                    ..
                },
                ..
            }
        ),
        "a connect that never completes is not sent: {verdict:?}"
    );
    // A service that accepts and never answers: each read stalls, the connection is
    // broken (the request may have arrived), not timed out at the attempt's 10 s.
    let server = server().await;
    server.faults().set(FaultKind::Timeout, 1.0);
    let (client, _runner) = start(&server.addr().to_string(), TOKEN, quick);
    let mut task = Task::new(Tcp(server.addr()));
    let verdict = task.validate(client, b"03-1-USA-5537-P-2602-0-38").await;
    assert!(
        matches!(
            verdict,
            Validation::LocalOnly {
                reason: Unanswered::Failed {
                    last: Failure::NoResponse,
                    ..
                },
                ..
            }
        ),
        "{verdict:?}"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_buffer_too_small_is_said_and_never_held_against_the_service() {
    let server = server().await;
    let (client, _runner) = start(&server.addr().to_string(), TOKEN, |_| {});
    let mut task = Task::new(Tcp(server.addr()));
    // Room for the engine's request, not for its HTTP/1.1 head.
    task.request = vec![0u8; 48];
    for _ in 0..10 {
        assert!(matches!(
            task.validate(client, b"03-1-USA-5537-P-2602-0-38").await,
            Validation::LocalOnly {
                reason: Unanswered::BufferTooSmall,
                ..
            }
        ));
    }
    assert_eq!(
        task.mint(client, MintRequest::new(EntityType::Place)).await,
        Err(MintError::Unavailable(Unanswered::BufferTooSmall))
    );
    assert_eq!(
        client.breaker_state(Endpoint::Validate),
        BreakerState::Closed,
        "a local limit is not the service's failure"
    );
    let validate = *client.stats().endpoint(Endpoint::Validate);
    assert_eq!((validate.attempts, validate.failed), (0, 10));
    assert!(
        server.stats().requests.is_empty(),
        "nothing reached the service"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_abandoned_by_its_caller_gives_its_slot_back() {
    let server = server().await;
    let (client, _runner) = start(&server.addr().to_string(), TOKEN, |s| {
        s.engine.breaker.reset_timeout = Duration::from_millis(500);
    });
    let mut task = Task::new(Tcp(server.addr()));
    let id = b"03-1-USA-5537-P-2602-0-38";
    server.faults().set_down(true);
    while client.breaker_state(Endpoint::Validate) != BreakerState::Open {
        task.validate(client, id).await;
    }
    server.faults().set_down(false);
    server.faults().set(FaultKind::Timeout, 1.0);
    tokio::time::sleep(Duration::from_millis(600)).await;
    // The probe hangs; its caller gives up first and drops the call.
    let abandoned =
        tokio::time::timeout(Duration::from_millis(200), task.validate(client, id)).await;
    assert!(abandoned.is_err(), "the probe was still waiting");
    server.faults().clear();
    // The next calls (each a different ID: no cache hit) are admitted as probes, and
    // close the breaker.
    for n in 0..u32::from(BreakerConfig::default().close_after) {
        let probe = ids::distinct(n).to_string();
        assert!(
            matches!(
                task.validate(client, probe.as_bytes()).await,
                Validation::Authoritative { .. }
            ),
            "probe {n} admitted"
        );
    }
    assert_eq!(
        client.breaker_state(Endpoint::Validate),
        BreakerState::Closed
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_token_mints_in_a_buffer_sized_by_the_published_maximum() {
    // A 3 KiB bearer token (a JWT, say): the request buffer follows from
    // `Request::max_http1_len`, and every mint is sent and answered.
    let token = "j".repeat(3 * 1024);
    let server = Server::start(ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        tokens: vec![token.clone()],
        ..ServerConfig::default()
    })
    .await
    .unwrap();
    let host = server.addr().to_string();
    let (client, _runner) = start(&host, &token, |_| {});
    let mut task = Task::new(Tcp(server.addr()));
    task.request = vec![0u8; Request::max_http1_len(host.len(), token.len())];
    for _ in 0..3 {
        let minted = task.mint(client, MintRequest::new(EntityType::Event)).await;
        assert!(matches!(minted, Ok(MintAnswer::Minted(_))), "{minted:?}");
    }
    server.shutdown().await;
}
