//! `cargo xtask miri`: the core's unit tests and the shared vectors under Miri, looking
//! for undefined behaviour. Installs the component if it can; if it cannot, says so
//! clearly and skips.

use crate::cmd::{cmd, exec, succeeds};

pub fn run() -> Result<(), String> {
    let available = succeeds(cmd("cargo", &["+nightly", "miri", "--version"]))
        || (succeeds(cmd(
            "rustup",
            &[
                "component",
                "add",
                "miri",
                "rust-src",
                "--toolchain",
                "nightly",
            ],
        )) && succeeds(cmd("cargo", &["+nightly", "miri", "--version"])));
    if !available {
        println!(
            "\nxtask miri: SKIPPED: the nightly toolchain's miri component is not installed and could not be installed here"
        );
        return Ok(());
    }
    let mut command = cmd(
        "cargo",
        &[
            "+nightly", "miri", "test", "-p", "chittyid", "--lib", "--test", "vectors",
        ],
    );
    // Property tests run a few cases each under Miri (it is ~100x slower); reading the
    // vectors file and proptest's working directory need the host.
    command
        .env("PROPTEST_CASES", "4")
        .env("MIRIFLAGS", "-Zmiri-disable-isolation");
    exec(command)
}
