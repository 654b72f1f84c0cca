//! Request coalescing in the engine: validations of an ID while a call for it is in
//! flight send nothing and end with that call's answer (one request, N answers), each
//! within its own deadline and cancellable on its own; a replacement, which the service
//! tells once, reaches every caller.

mod sim;

use chittyid::ChittyId;
use chittyid::engine::{
    Action, CacheSlot, Endpoint, Engine, EngineConfig, Fact, Response, Unanswered, Validation,
};
use chittyid::resilience::Instant;
use chittyid_test_support::ids;
use sim::{Faults, Operation, Outcome, SIM_SHARED, Sim};

const FALLBACK: &str = "03-0-ERR-0001-T-2611-0-32";

/// The `n`-th of many distinct well-formed IDs, as text.
fn distinct(n: u32) -> Vec<u8> {
    ids::distinct(n).to_string().into_bytes()
}

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

#[test]
fn a_thousand_concurrent_validations_of_ten_ids_make_ten_requests() {
    let faults = Faults {
        latency_ms: 50,
        ..Faults::default()
    };
    let mut sim = Sim::new(EngineConfig::default(), faults, 1);
    let ids: Vec<Vec<u8>> = (0..10).map(distinct).collect();
    for n in 0..1_000 {
        sim.start(Operation::Validate(&ids[n % 10]));
    }
    sim.run();
    assert_eq!(sim.service.by_path.get("/api/validate"), Some(&10));
    for client in &sim.clients {
        assert!(
            matches!(
                client.outcome,
                Some(Outcome::Validation(Validation::Authoritative {
                    cached: false,
                    ..
                }))
            ),
            "{:?}",
            client.outcome
        );
        // Each ended when its leader's answer came, not later.
        assert_eq!(client.finished, Some(50));
    }
    let stats = sim.engine.stats();
    assert_eq!(stats.coalesced, 990);
    assert_eq!(stats.endpoint(Endpoint::Validate).succeeded, 1_000);
    assert_eq!(stats.endpoint(Endpoint::Validate).attempts, 10);
}

#[test]
fn followers_share_a_failure_too_and_the_next_call_asks_again() {
    // The service is down: the leader's retries fail and it ends local-only; its
    // followers end with the same verdict, without a request of their own.
    let faults = Faults {
        outages: vec![(0, 60_000)],
        ..Faults::default()
    };
    let mut sim = Sim::new(EngineConfig::default(), faults, 2);
    let id = distinct(7);
    for _ in 0..20 {
        sim.start(Operation::Validate(&id));
    }
    sim.run();
    let received = sim.service.received;
    let leader = sim.clients[0].outcome;
    assert!(matches!(
        leader,
        Some(Outcome::Validation(Validation::LocalOnly {
            reason: Unanswered::Failed { .. },
            ..
        }))
    ));
    assert!(sim.clients.iter().all(|c| c.outcome == leader));
    assert_eq!(sim.engine.stats().coalesced, 19);
    // Each follower's end counts as its own call's, so that error ratios hold.
    let validate = *sim.engine.stats().endpoint(Endpoint::Validate);
    assert_eq!((validate.calls, validate.failed), (20, 20));
    assert_eq!(
        received,
        u64::from(sim.clients[0].call.attempts()),
        "only the leader's attempts reached the service"
    );
    // The shared failure is not kept: the next call (the breaker having closed
    // again after the outage) asks the service itself.
    sim.now = 120_000;
    let next = sim.call(Operation::Validate(&id));
    assert!(matches!(
        sim.clients[next].outcome,
        Some(Outcome::Validation(Validation::Authoritative { .. }))
    ));
    assert!(sim.service.received > received);
}

/// An engine, and a leader for `id` with its request out.
fn leader_out(id: &[u8]) -> (Engine<[CacheSlot; 8]>, chittyid::engine::Call<Validation>) {
    let mut engine: Engine<[CacheSlot; 8]> = Engine::new(EngineConfig::default(), 3);
    let mut buf = [0u8; 320];
    let mut leader = engine.begin_validate(id, at(0));
    assert!(matches!(
        engine.poll(&mut leader, at(0), &mut buf),
        Action::Send { .. }
    ));
    (engine, leader)
}

#[test]
fn a_replacement_told_once_reaches_every_caller() {
    let (mut engine, mut leader) = leader_out(FALLBACK.as_bytes());
    let mut buf = [0u8; 320];
    let mut followers: Vec<_> = (0..3)
        .map(|_| engine.begin_validate(FALLBACK.as_bytes(), at(1)))
        .collect();
    for follower in &mut followers {
        assert!(matches!(
            engine.poll(follower, at(1), &mut buf),
            Action::Follow { .. }
        ));
    }
    let new = "03-1-USA-5537-T-2602-0-66";
    let body = format!(
        r#"{{"success":true,"replaced":true,"oldId":"{FALLBACK}","newId":"{new}","message":"Fallback ID replaced"}}"#
    );
    engine.report(
        &mut leader,
        Fact::Answered(Response::new(200, body.as_bytes())),
        at(2),
    );
    assert!(engine.take_shared_wake(), "the followers are to be woken");
    let replaced = Validation::Replaced {
        old: FALLBACK.parse::<ChittyId>().unwrap(),
        new: new.parse().unwrap(),
    };
    assert_eq!(
        engine.poll(&mut leader, at(2), &mut buf),
        Action::Done(replaced)
    );
    for follower in &mut followers {
        assert_eq!(
            engine.poll(follower, at(2), &mut buf),
            Action::Done(replaced)
        );
    }
    assert_eq!(engine.stats().replacements, 1);
    assert_eq!(engine.stats().endpoint(Endpoint::Validate).attempts, 1);
}

#[test]
fn a_follower_waits_no_longer_than_its_leader_can_take_nor_past_its_own_deadline() {
    let id = distinct(1);
    // The leader's request is out, and its caller never drives it again (dropped
    // without being cancelled).
    let (mut engine, _dropped) = leader_out(&id);
    let mut buf = [0u8; 320];
    let mut follower = engine.begin_validate(&id, at(5_000));
    let mut late = engine.begin_validate(&id, at(5_000));
    assert_eq!(
        engine.poll(&mut follower, at(5_000), &mut buf),
        Action::Follow { until: at(30_000) },
        "no longer than the leader's deadline"
    );
    // At the leader's deadline the follower takes over and asks the service itself.
    assert!(matches!(
        engine.poll(&mut follower, at(30_000), &mut buf),
        Action::Send { .. }
    ));
    // A follower polled only at its own deadline ends then, without a request.
    assert!(matches!(
        engine.poll(&mut late, at(35_000), &mut buf),
        Action::Done(Validation::LocalOnly {
            reason: Unanswered::DeadlineExceeded,
            ..
        })
    ));
    assert_eq!(engine.stats().endpoint(Endpoint::Validate).attempts, 2);
}

#[test]
fn a_cancelled_follower_is_not_waited_for_and_a_cancelled_leader_hands_over() {
    let id = distinct(2);
    let (mut engine, mut leader) = leader_out(&id);
    let mut buf = [0u8; 320];
    let mut first = engine.begin_validate(&id, at(1));
    let mut second = engine.begin_validate(&id, at(1));
    assert!(matches!(
        engine.poll(&mut first, at(1), &mut buf),
        Action::Follow { .. }
    ));
    engine.cancel(&mut first);
    assert!(matches!(
        engine.poll(&mut first, at(1), &mut buf),
        Action::Done(Validation::LocalOnly {
            reason: Unanswered::Cancelled,
            ..
        })
    ));
    // The leader goes away: its follower is woken, and asks the service itself.
    engine.cancel(&mut leader);
    assert!(engine.take_shared_wake());
    assert!(matches!(
        engine.poll(&mut second, at(2), &mut buf),
        Action::Send { .. }
    ));
    // A newcomer follows the new leader.
    let mut third = engine.begin_validate(&id, at(3));
    assert!(matches!(
        engine.poll(&mut third, at(3), &mut buf),
        Action::Follow { .. }
    ));
    engine.report(
        &mut second,
        Fact::Answered(Response::new(200, br#"{"valid":true}"#)),
        at(4),
    );
    assert!(matches!(
        engine.poll(&mut third, at(4), &mut buf),
        Action::Done(Validation::Authoritative { valid: true, .. })
    ));
    assert_eq!(engine.stats().coalesced, 1);
}

#[test]
fn more_ids_in_flight_than_places_go_alone_without_harm() {
    let mut sim = Sim::new(
        EngineConfig::default(),
        Faults {
            latency_ms: 20,
            ..Faults::default()
        },
        4,
    );
    let ids: Vec<Vec<u8>> = (0..SIM_SHARED as u32 + 4).map(distinct).collect();
    for id in &ids {
        sim.start(Operation::Validate(id));
        sim.start(Operation::Validate(id));
    }
    sim.run();
    assert!(sim.clients.iter().all(|c| matches!(
        c.outcome,
        Some(Outcome::Validation(Validation::Authoritative { .. }))
    )));
    // The first SIM_SHARED IDs were coalesced; the 4 beyond went alone, twice each.
    assert_eq!(sim.engine.stats().coalesced, SIM_SHARED as u64);
    assert_eq!(
        sim.service.by_path.get("/api/validate"),
        Some(&(SIM_SHARED as u64 + 8))
    );
}
