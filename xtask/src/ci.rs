//! `cargo xtask ci`: the whole of CI, in the order that fails fastest.

use crate::cmd::{THUMB, cmd, ensure_target, exec, exec_counting_tests};
use crate::{fuzz, miri, qemu, size, wasm};

/// Seconds each fuzz target runs in the CI smoke.
const FUZZ_SMOKE_SECONDS: u64 = 15;

pub fn run() -> Result<(), String> {
    exec(cmd("cargo", &["fmt", "--all", "--check"]))?;
    for manifest in [
        "firmware/Cargo.toml",
        "fuzz/Cargo.toml",
        "xtask/size-probe/Cargo.toml",
    ] {
        exec(cmd(
            "cargo",
            &["fmt", "--check", "--manifest-path", manifest],
        ))?;
    }
    exec(cmd(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    ))?;
    ensure_target(THUMB)?;
    // The core for bare metal: without features, with defmt, and with all in release.
    for extra in [
        &[][..],
        &["--features", "defmt"],
        &["--release", "--all-features"],
    ] {
        let mut args = vec!["build", "-p", "chittyid", "--target", THUMB];
        args.extend_from_slice(extra);
        exec(cmd("cargo", &args))?;
    }
    exec(cmd(
        "cargo",
        &[
            "clippy",
            "-p",
            "chittyid",
            "--target",
            THUMB,
            "--all-features",
            "--",
            "-D",
            "warnings",
        ],
    ))?;
    let (passed, failed) = exec_counting_tests(cmd(
        "cargo",
        &["test", "--workspace", "--features", "chittyid/serde"],
    ))?;
    // The WebAssembly package: clippy for wasm32, then its Node tests against the CLI.
    wasm::clippy()?;
    let (node_passed, node_failed) = wasm::test()?;
    qemu::run()?;
    size::run()?;
    miri::run()?;
    fuzz::run(FUZZ_SMOKE_SECONDS)?;
    println!(
        "\nxtask ci: all checks passed (fmt, clippy, firmware builds, tests, WebAssembly package tests, QEMU self-test, size budgets, Miri, fuzz smoke)"
    );
    println!(
        "tests: {} passed, {} failed",
        passed + node_passed,
        failed + node_failed
    );
    Ok(())
}
