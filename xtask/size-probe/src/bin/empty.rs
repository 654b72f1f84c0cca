//! Firmware image that only reads its input: the baseline for the parser's cost.
#![no_std]
#![no_main]

use size_probe::input;

// `no_mangle` names the entry point for the linker; nothing here dereferences memory.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    core::hint::black_box(input());
    loop {}
}
