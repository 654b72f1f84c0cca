//! `cargo xtask ci`: the whole of CI, in the order that fails fastest.

use crate::cmd::{THUMB, cmd, ensure_target, exec, exec_counting_tests};
use crate::fuzz;

/// Seconds each fuzz target runs in the CI smoke.
const FUZZ_SMOKE_SECONDS: u64 = 20;

pub fn run() -> Result<(), String> {
    exec(cmd("cargo", &["fmt", "--all", "--check"]))?;
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
    exec(cmd(
        "cargo",
        &["build", "-p", "chittyid", "--target", THUMB],
    ))?;
    exec(cmd(
        "cargo",
        &[
            "build",
            "-p",
            "chittyid",
            "--target",
            THUMB,
            "--features",
            "defmt",
        ],
    ))?;
    exec(cmd(
        "cargo",
        &[
            "build",
            "-p",
            "chittyid",
            "--release",
            "--target",
            THUMB,
            "--all-features",
        ],
    ))?;
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
    fuzz::run(FUZZ_SMOKE_SECONDS)?;
    println!("\nxtask ci: all checks passed (fmt, clippy, firmware builds, tests, fuzz smoke)");
    println!("tests: {passed} passed, {failed} failed");
    Ok(())
}
