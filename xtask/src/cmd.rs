//! Running commands: print them, run them from the repository root, fail on non-zero.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repository")
        .to_path_buf()
}

/// A command run from the repository root.
pub fn cmd(program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command.args(args).current_dir(root());
    command
}

/// Runs a command, echoing it; an error names it when it fails.
pub fn exec(mut command: Command) -> Result<(), String> {
    let shown = describe(&command);
    println!("\n$ {shown}");
    let status = command
        .status()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed with {status}"))
    }
}

/// Runs `cargo test`-like command, echoing its output, and adds up the `test result:`
/// lines into (passed, failed).
pub fn exec_counting_tests(mut command: Command) -> Result<(u64, u64), String> {
    use std::io::{BufRead, BufReader};
    let shown = describe(&command);
    println!("\n$ {shown}");
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                passed += count_before(rest, " passed");
                failed += count_before(rest, " failed");
            }
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok((passed, failed))
    } else {
        Err(format!("`{shown}` failed with {status}"))
    }
}

/// The number just before `label` in `text`, e.g. 12 in "ok. 12 passed; 0 failed".
fn count_before(text: &str, label: &str) -> u64 {
    text.find(label)
        .and_then(|end| text[..end].rsplit([' ', '.']).next()?.parse().ok())
        .unwrap_or(0)
}

/// Runs a command quietly and returns whether it succeeded.
pub fn succeeds(mut command: Command) -> bool {
    command
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs a command quietly and returns its standard output.
pub fn output(mut command: Command) -> Result<String, String> {
    let shown = describe(&command);
    let out = command
        .output()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`{shown}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn describe(command: &Command) -> String {
    let mut shown = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

/// The thumb target the firmware builds use.
pub const THUMB: &str = "thumbv7em-none-eabihf";

/// Installs a rustup target when it is missing.
pub fn ensure_target(target: &str) -> Result<(), String> {
    let installed = output(cmd("rustup", &["target", "list", "--installed"]))?;
    if installed.lines().any(|l| l.trim() == target) {
        return Ok(());
    }
    exec(cmd("rustup", &["target", "add", target]))
}

/// `cargo` with the nightly toolchain when it is installed; otherwise stable with
/// `RUSTC_BOOTSTRAP=1`, which cargo-fuzz's flags need.
pub fn nightly_cargo(args: &[&str]) -> Command {
    if succeeds(cmd("cargo", &["+nightly", "--version"])) {
        let mut all = vec!["+nightly"];
        all.extend_from_slice(args);
        cmd("cargo", &all)
    } else {
        let mut command = cmd("cargo", args);
        command.env("RUSTC_BOOTSTRAP", "1");
        command
    }
}

/// Builds a separate workspace (firmware, size probes) in release for the thumb target.
pub fn build_thumb(manifest: &str) -> Result<(), String> {
    let manifest = root().join(manifest);
    exec(cmd(
        "cargo",
        &[
            "build",
            "--release",
            "--manifest-path",
            &manifest.to_string_lossy(),
            "--target",
            THUMB,
        ],
    ))
}

/// Makes sure `program` runs (`program --version`), installing Debian's `package` when it
/// does not (CI starts on a fresh machine).
pub fn ensure_installed(program: &str, package: &str) -> Result<(), String> {
    if succeeds(cmd(program, &["--version"])) {
        return Ok(());
    }
    let _ = exec(cmd("apt-get", &["update", "-q"]));
    exec(cmd(
        "apt-get",
        &["install", "-y", "-q", "--no-install-recommends", package],
    ))
}
