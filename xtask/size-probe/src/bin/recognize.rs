//! Firmware image that only recognizes a valid ID (no diagnostics) and computes a
//! checksum on its own.
#![no_std]
#![no_main]

use chittyid::ChittyId;
use size_probe::input;

// `no_mangle` names the entry point for the linker; nothing here dereferences memory.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let recognized = ChittyId::recognize(input());
    core::hint::black_box(recognized.map(|id| id.check_value()));
    let _ = core::hint::black_box(chittyid::checksum::compute(input()));
    loop {}
}
