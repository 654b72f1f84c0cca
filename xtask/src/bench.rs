//! `cargo xtask bench`: builds the benchmark and the CLI in release, runs the parse and
//! CLI throughput measurements beside their baselines, the WebAssembly package's
//! `check` and `checkMany` against a JavaScript validator under Node, then the sizes.

use crate::cmd::{cmd, exec, root};
use crate::{size, wasm};

pub fn run() -> Result<(), String> {
    exec(cmd(
        "cargo",
        &[
            "build",
            "--release",
            "-p",
            "chittyid-cli",
            "-p",
            "chittyid-bench",
        ],
    ))?;
    let release = root().join("target/release");
    let scratch = root().join("target/bench-data");
    exec(cmd(
        &release.join("chittyid-bench").to_string_lossy(),
        &[
            "--cli",
            &release.join("chittyid").to_string_lossy(),
            "--scratch",
            &scratch.to_string_lossy(),
        ],
    ))?;
    wasm::bench()?;
    size::run()
}
