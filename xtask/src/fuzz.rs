//! `cargo xtask fuzz`: every cargo-fuzz target, one after the other, from its seed corpus.

use crate::cmd::{cmd, exec, nightly_cargo, output, root, succeeds};

/// Installs cargo-fuzz when it is missing.
fn ensure_cargo_fuzz() -> Result<(), String> {
    if succeeds(cmd("cargo", &["fuzz", "--version"])) {
        return Ok(());
    }
    exec(cmd("cargo", &["install", "cargo-fuzz", "--locked"]))
}

/// Runs every target for `seconds` each.
pub fn run(seconds: u64) -> Result<(), String> {
    ensure_cargo_fuzz()?;
    let targets = output(nightly_cargo(&["fuzz", "list", "--fuzz-dir", "fuzz"]))?;
    let time = format!("-max_total_time={seconds}");
    for target in targets.lines().map(str::trim).filter(|t| !t.is_empty()) {
        // A scratch corpus in fuzz/corpus/<target> (git ignores all but seed-*), with the
        // committed seeds as its start.
        let corpus = root().join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
        let corpus = corpus.to_string_lossy().into_owned();
        exec(nightly_cargo(&[
            "fuzz",
            "run",
            "--fuzz-dir",
            "fuzz",
            target,
            &corpus,
            "--",
            &time,
        ]))?;
    }
    Ok(())
}
