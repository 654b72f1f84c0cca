//! `cargo xtask wasm`: builds `crates/chittyid-wasm` for `wasm32-unknown-unknown`
//! (opt-level s, LTO, one codegen unit) and runs the wasm-bindgen CLI of the version in
//! `Cargo.lock` (installed when missing) into `crates/chittyid-wasm/pkg/`, an npm package
//! directory: the generated `.wasm`, glue and declarations plus `js/` (the API, the Node
//! and Workers entries, `package.json`). Also the Node tests and benchmark over it.

use std::path::PathBuf;

use crate::cmd::{cmd, ensure_installed, ensure_target, exec, output, root};

/// The WebAssembly target.
pub const WASM: &str = "wasm32-unknown-unknown";
/// The crate, its output directory and the module's file name there.
const CRATE: &str = "crates/chittyid-wasm";
pub const PKG: &str = "crates/chittyid-wasm/pkg";
pub const MODULE: &str = "chittyid_wasm_bg.wasm";

/// The size profile, defined here so that the workspace's release profile stays as it is.
/// Opt-level s, not z: 1 KB more (38.6 KB) for a parser a third faster (checkMany 39 ns
/// per ID instead of 61 under Node 20).
const PROFILE: [&str; 10] = [
    "--config",
    "profile.wasm-release.inherits=\"release\"",
    "--config",
    "profile.wasm-release.opt-level=\"s\"",
    "--config",
    "profile.wasm-release.lto=true",
    "--config",
    "profile.wasm-release.codegen-units=1",
    "--config",
    "profile.wasm-release.panic=\"abort\"",
];

/// The version of the `wasm-bindgen` crate in `Cargo.lock`: the CLI must be the same.
fn locked_version() -> Result<String, String> {
    let path = root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            let version = lines.next().and_then(|l| l.strip_prefix("version = \""));
            if let Some(v) = version.and_then(|v| v.strip_suffix('"')) {
                return Ok(v.to_string());
            }
        }
    }
    Err("no wasm-bindgen in Cargo.lock".into())
}

/// Installs the wasm-bindgen CLI of `version` unless `wasm-bindgen --version` says it.
fn ensure_cli(version: &str) -> Result<(), String> {
    let installed = output(cmd("wasm-bindgen", &["--version"])).unwrap_or_default();
    if installed.split_whitespace().nth(1) == Some(version) {
        return Ok(());
    }
    // About 3 minutes on two cores.
    exec(cmd(
        "cargo",
        &[
            "install",
            "wasm-bindgen-cli",
            "--version",
            version,
            "--locked",
        ],
    ))
}

/// Builds the package; returns the path of its `.wasm`.
pub fn build() -> Result<PathBuf, String> {
    ensure_target(WASM)?;
    let version = locked_version()?;
    ensure_cli(&version)?;
    let mut args = vec![
        "build",
        "-p",
        "chittyid-wasm",
        "--target",
        WASM,
        "--profile",
        "wasm-release",
    ];
    args.extend_from_slice(&PROFILE);
    exec(cmd("cargo", &args))?;
    let built = root()
        .join("target")
        .join(WASM)
        .join("wasm-release/chittyid_wasm.wasm");
    let pkg = root().join(PKG);
    let _ = std::fs::remove_dir_all(&pkg);
    exec(cmd(
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--remove-name-section",
            "--remove-producers-section",
            "--out-name",
            "chittyid_wasm",
            "--out-dir",
            &pkg.to_string_lossy(),
            &built.to_string_lossy(),
        ],
    ))?;
    let js = root().join(CRATE).join("js");
    let entries = std::fs::read_dir(&js).map_err(|e| format!("{}: {e}", js.display()))?;
    for entry in entries {
        let from = entry.map_err(|e| e.to_string())?.path();
        if let Some(name) = from.file_name() {
            std::fs::copy(&from, pkg.join(name)).map_err(|e| format!("{}: {e}", from.display()))?;
        }
    }
    println!("xtask wasm: {} (wasm-bindgen {version})", pkg.display());
    Ok(pkg.join(MODULE))
}

/// `cargo xtask wasm [test | bench]`: the package, then its Node tests or benchmark.
pub fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        None => build().map(|_| ()),
        Some("test") => test().map(|_| ()),
        Some("bench") => bench(),
        Some(other) => Err(format!("cargo xtask wasm [test | bench], not {other:?}")),
    }
}

/// The Node tests: the package against the CLI's records of the shared vectors.
/// Returns (passed, failed) as the test runner counts them.
pub fn test() -> Result<(u64, u64), String> {
    use std::io::{BufRead, BufReader};
    ensure_installed("node", "nodejs")?;
    build()?;
    exec(cmd("cargo", &["build", "-p", "chittyid-cli"]))?;
    let tests = root().join(CRATE).join("tests");
    let mut files: Vec<String> = std::fs::read_dir(&tests)
        .map_err(|e| format!("{}: {e}", tests.display()))?
        .filter_map(|e| Some(e.ok()?.path().to_string_lossy().into_owned()))
        .filter(|p| p.ends_with(".test.mjs"))
        .collect();
    files.sort();
    let mut args = vec!["--test"];
    args.extend(files.iter().map(String::as_str));
    println!("\n$ node {}", args.join(" "));
    let mut child = cmd("node", &args)
        .env("CHITTYID_CLI", root().join("target/debug/chittyid"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start node: {e}"))?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            let count = |label: &str| line.strip_prefix(label).and_then(|n| n.trim().parse().ok());
            passed = count("# pass ").unwrap_or(passed);
            failed = count("# fail ").unwrap_or(failed);
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok((passed, failed))
    } else {
        Err(format!(
            "the Node tests of {CRATE} failed ({failed} failed)"
        ))
    }
}

/// Clippy on the crate as the WebAssembly build sees it (no_std, its own allocator).
pub fn clippy() -> Result<(), String> {
    ensure_target(WASM)?;
    exec(cmd(
        "cargo",
        &[
            "clippy",
            "-p",
            "chittyid-wasm",
            "--target",
            WASM,
            "--",
            "-D",
            "warnings",
        ],
    ))
}

/// The size of `path` compressed with `gzip -9`, as a server would send it.
pub fn gzipped_len(path: &std::path::Path) -> Result<u64, String> {
    let out = cmd("gzip", &["-9", "-n", "-c"])
        .arg(path)
        .output()
        .map_err(|e| format!("could not start gzip: {e}"))?;
    if out.status.success() {
        Ok(out.stdout.len() as u64)
    } else {
        Err(format!("gzip {} failed", path.display()))
    }
}

/// The Node benchmark: `check` and `checkMany` against a plain JavaScript validator.
pub fn bench() -> Result<(), String> {
    ensure_installed("node", "nodejs")?;
    build()?;
    exec(cmd(
        "node",
        &[&root().join(CRATE).join("bench/bench.mjs").to_string_lossy()],
    ))
}
