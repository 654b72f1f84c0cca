//! `cargo xtask`: the project's automation, with no dependencies.
//!
//! - `ci`: everything CI checks (format, lints, tests, firmware builds, QEMU, size
//!   budgets, Miri, a fuzz smoke).
//! - `fuzz [--seconds N]`: every fuzz target for N seconds (default 60).
//! - `bench`: the benchmarks of the issues, side by side with their baselines.
//! - `size`: flash and static RAM of the parser, the engine and the firmware example,
//!   failing when one is over its budget.
//! - `qemu`: the firmware self-test on an emulated Cortex-M, compared with the host's.
//! - `miri`: the core's tests under Miri.
//! - `wasm [test | bench]`: the WebAssembly npm package in `crates/chittyid-wasm/pkg/`,
//!   then its Node tests or benchmark.

mod bench;
mod ci;
mod cmd;
mod elf;
mod fuzz;
mod miri;
mod prometheus;
mod qemu;
mod size;
mod wasm;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci::run(),
        Some("fuzz") => seconds(&args[1..], 60).and_then(fuzz::run),

        Some("bench") => bench::run(),
        Some("size") => size::run(),
        Some("qemu") => qemu::run(),
        Some("miri") => miri::run(),
        Some("wasm") => wasm::run(&args[1..]),
        _ => Err(
            "usage: cargo xtask ci | fuzz [--seconds N] | bench | size | qemu | miri | wasm [test | bench]"
                .to_string(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `--seconds N` from the arguments, or the default.
fn seconds(args: &[String], default: u64) -> Result<u64, String> {
    match args {
        [] => Ok(default),
        [flag, n] if flag == "--seconds" => n
            .parse()
            .map_err(|_| format!("--seconds takes a whole number, not {n:?}")),
        other => Err(format!("unexpected arguments {other:?}")),
    }
}
