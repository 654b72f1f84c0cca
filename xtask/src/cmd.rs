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
