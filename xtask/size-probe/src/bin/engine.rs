//! Firmware image that drives the engine (32-entry cache) through every kind of call
//! and report: the engine's own cost in flash.
#![no_std]
#![no_main]

use chittyid::engine::{Action, Engine, EngineConfig, Operation, Response};
use chittyid::resilience::{Failure, Instant};
use chittyid::wire::MintRequest;
use size_probe::input;

// `no_mangle` names the entry point for the linker; nothing here dereferences memory.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let mut engine: Engine<32> = Engine::new(EngineConfig::default(), 1);
    let mut buf = [0u8; 320];
    let mut now = Instant::from_millis(0);
    let operations = [
        Operation::Validate(input()),
        Operation::Mint(MintRequest::new(chittyid::EntityType::Person)),
        Operation::Health,
    ];
    for operation in operations {
        let mut call = engine.begin(operation, now);
        for round in 0..4u64 {
            match engine.poll(&mut call, now, &mut buf) {
                Action::Send { .. } => match core::hint::black_box(round) {
                    0 => engine.on_transport_error(&mut call, Failure::NoResponse, now),
                    1 => engine.on_timeout(&mut call, now),
                    2 => engine.on_invalid_response(&mut call, now),
                    _ => {
                        let body = core::hint::black_box(input());
                        engine.on_response(&mut call, Response::new(200, body), now);
                    }
                },
                Action::WaitUntil(at) => now = at,
                Action::Done(outcome) => {
                    core::hint::black_box(outcome);
                }
            }
        }
        core::hint::black_box(engine.health_poll(now));
    }
    core::hint::black_box(engine.stats());
    loop {}
}
