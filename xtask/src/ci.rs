//! `cargo xtask ci`: the whole of CI, in the order that fails fastest.

use crate::cmd::{THUMB, cmd, ensure_target, exec, exec_counting_tests, output};
use crate::{fuzz, miri, prometheus, qemu, size, wasm};

/// Seconds each fuzz target runs in the CI smoke.
const FUZZ_SMOKE_SECONDS: u64 = 15;

/// The crates published on crates.io. chittyid-server is one of them because the CLI
/// links it for `chittyid serve` and `chittyid demo`.
const PUBLISHED: [&str; 5] = [
    "chittyid",
    "chittyid-std",
    "chittyid-embassy",
    "chittyid-server",
    "chittyid-cli",
];

/// The published libraries' docs as docs.rs builds them (all features), with rustdoc's
/// warnings (broken intra-doc links, bad HTML) as errors. The CLI is a binary: docs.rs
/// has nothing of it to build.
fn docs() -> Result<(), String> {
    let mut args = vec!["doc", "--no-deps", "--all-features"];
    for name in PUBLISHED {
        if name != "chittyid-cli" {
            args.extend(["-p", name]);
        }
    }
    let mut doc = cmd("cargo", &args);
    doc.env("RUSTDOCFLAGS", "-D warnings");
    exec(doc)
}

/// `cargo package` of every published crate: each is packed into its .crate, then built
/// from it alone, its workspace dependencies coming from the .crate files just packed
/// (a temporary local registry), the others from crates.io. This catches a file left out
/// of a package, a path dependency without a version and a manifest crates.io would refuse.
/// CI runs on a clean clone and checks that too; a developer runs `cargo xtask ci`
/// before committing, so elsewhere uncommitted changes are allowed.
fn package() -> Result<(), String> {
    forget_packed_sources()?;
    let mut args = vec!["package"];
    for name in PUBLISHED {
        args.extend(["-p", name]);
    }
    if !std::env::var("CI").is_ok_and(|ci| ci == "true") {
        args.push("--allow-dirty");
    }
    exec(cmd("cargo", &args))
}

/// A parser-only build (`--no-default-features`) compiles neither the engine's JSON
/// decoder nor serde: checked on the dependency tree itself.
fn parser_only_dependencies() -> Result<(), String> {
    let tree = output(cmd(
        "cargo",
        &[
            "tree",
            "-p",
            "chittyid",
            "--no-default-features",
            "-e",
            "normal",
            "--prefix",
            "none",
        ],
    ))?;
    let unwanted: Vec<&str> = tree
        .lines()
        .filter(|line| line.starts_with("serde"))
        .collect();
    if unwanted.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the parser-only core depends on {}",
            unwanted.join(", ")
        ))
    }
}

/// Cargo unpacks the crates it packs from its temporary local registry into
/// `$CARGO_HOME/registry/src/-<hash>/`, and keeps them: the next run, with the same
/// version and new code, would build the old sources. Those directories belong to
/// packaging alone (crates.io's are `index.crates.io-…`), so they are removed first.
fn forget_packed_sources() -> Result<(), String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")))
        .ok_or("neither CARGO_HOME nor HOME is set")?;
    let Ok(registries) = std::fs::read_dir(home.join("registry/src")) else {
        return Ok(());
    };
    for registry in registries.flatten() {
        if !registry.file_name().to_string_lossy().starts_with('-') {
            continue;
        }
        for unpacked in std::fs::read_dir(registry.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = unpacked.file_name().to_string_lossy().into_owned();
            if PUBLISHED
                .iter()
                .any(|crate_name| name.starts_with(&format!("{crate_name}-")))
            {
                std::fs::remove_dir_all(unpacked.path())
                    .map_err(|e| format!("{}: {e}", unpacked.path().display()))?;
            }
        }
    }
    Ok(())
}

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
    // The core for bare metal: the parser alone, the default (the engine), with defmt,
    // and with all in release; the firmware client with defmt.
    for (package, extra) in [
        ("chittyid", &["--no-default-features"][..]),
        ("chittyid", &[][..]),
        ("chittyid", &["--features", "defmt"][..]),
        ("chittyid", &["--release", "--all-features"][..]),
        ("chittyid-embassy", &["--features", "defmt"][..]),
    ] {
        let mut args = vec!["build", "-p", package, "--target", THUMB];
        args.extend_from_slice(extra);
        exec(cmd("cargo", &args))?;
    }
    parser_only_dependencies()?;
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
    // The tests include a real Prometheus scraping a client: installed first, and
    // required (the test fails instead of skipping without it).
    prometheus::ensure()?;
    let mut tests = cmd(
        "cargo",
        &[
            "test",
            "--workspace",
            "--features",
            "chittyid/serde,chittyid-test-support/net",
        ],
    );
    tests.env(prometheus::REQUIRE, "1");
    let (passed, failed) = exec_counting_tests(tests)?;
    prometheus::check_rules()?;
    docs()?;
    package()?;
    // The WebAssembly package: clippy for wasm32, then its Node tests against the CLI.
    wasm::clippy()?;
    let (node_passed, node_failed) = wasm::test()?;
    qemu::run()?;
    size::run()?;
    miri::run()?;
    fuzz::run(FUZZ_SMOKE_SECONDS)?;
    println!(
        "\nxtask ci: all checks passed (fmt, clippy, firmware builds, tests, alert rule tests, docs, crate packages, WebAssembly package tests, QEMU self-test, size budgets, Miri, fuzz smoke)"
    );
    println!(
        "tests: {} passed, {} failed",
        passed + node_passed,
        failed + node_failed
    );
    Ok(())
}
