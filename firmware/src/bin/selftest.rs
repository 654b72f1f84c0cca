//! The self-test image: the shared vectors, the checksum and the engine's breaker trip
//! and recovery on a fake clock, reported over semihosting. `cargo xtask qemu` compares
//! the report with the host's.
#![no_std]
#![no_main]

use chittyid_firmware::console::{Console, exit};
use cortex_m_rt::entry;

static VECTORS: &[u8] = include_bytes!("../../../tests/data/vectors.jsonl");

#[entry]
fn main() -> ! {
    let pass = chittyid::selftest::run(VECTORS, &mut Console);
    exit(pass)
}
