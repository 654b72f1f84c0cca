//! Firmware image that drives the engine (32-entry cache) through every kind of call
//! and report: the engine's own cost in flash.
#![no_std]
#![no_main]

use chittyid::engine::{Action, Answer, CacheSlot, Call, Engine, EngineConfig, Fact, Response};
use chittyid::resilience::Instant;
use chittyid::wire::MintRequest;
use size_probe::input;

// `no_mangle` names the entry point for the linker; nothing here dereferences memory.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let mut engine: Engine<[CacheSlot; 32]> = Engine::new(EngineConfig::default(), 1);
    let mut buf = [0u8; 320];
    let mut now = Instant::from_millis(0);
    let mut call = engine.begin_validate(input(), now);
    now = drive(&mut engine, &mut call, now, &mut buf);
    let mut call = engine.begin_mint(MintRequest::new(chittyid::EntityType::Person), now);
    now = drive(&mut engine, &mut call, now, &mut buf);
    let mut call = engine.begin_health(now);
    now = drive(&mut engine, &mut call, now, &mut buf);
    core::hint::black_box(engine.health_poll(now));
    core::hint::black_box(engine.stats());
    loop {}
}

/// Drives a call through every kind of fact: broken, a time-out, not HTTP, an answer.
fn drive<T: Answer>(
    engine: &mut Engine<[CacheSlot; 32]>,
    call: &mut Call<T>,
    mut now: Instant,
    buf: &mut [u8],
) -> Instant {
    for round in 0..4u64 {
        match engine.poll(call, now, buf) {
            Action::Send { timeout_at, .. } => match core::hint::black_box(round) {
                0 => engine.report(call, Fact::Broken, now),
                1 => now = timeout_at,
                2 => engine.report(call, Fact::NotHttp, now),
                _ => {
                    let body = core::hint::black_box(input());
                    engine.report(call, Fact::Answered(Response::new(200, body)), now);
                }
            },
            Action::WaitUntil(at) | Action::Follow { until: at } => now = at,
            Action::Done(outcome) => {
                core::hint::black_box(outcome);
            }
        }
    }
    now
}
