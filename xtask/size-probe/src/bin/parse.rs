//! Firmware image that parses an ID (strict, with full error detail) and computes a
//! checksum on its own.
#![no_std]
#![no_main]

use chittyid::ChittyId;
use size_probe::input;

// SAFETY-free in spirit: `no_mangle` only names the entry point for the linker, which
// the probe needs because it has no runtime crate; nothing here dereferences memory.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let parsed = ChittyId::parse_bytes(input());
    // Every field of the result (the ID, or the whole error) stays observable. Moving
    // the error into a new `Result` instead (`parsed.map(..)`) measures 3.9 KiB: that
    // move is a call to the general `memcpy` in a size-optimised build.
    core::hint::black_box(&parsed);
    if let Ok(id) = parsed {
        core::hint::black_box(id.check_value());
    }
    let _ = core::hint::black_box(chittyid::checksum::compute(input()));
    loop {}
}
