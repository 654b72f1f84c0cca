//! `cargo xtask qemu`: builds the firmware, runs the self-test image on an emulated
//! Cortex-M4 (QEMU mps2-an386, semihosting), compares its report with the same
//! self-test run on the host, and runs the firmware example. Installs QEMU if missing.

use std::process::Command;

use crate::cmd::{THUMB, build_thumb, ensure_installed, ensure_target, root};

/// The longest an image may run.
const TIMEOUT_SECS: &str = "120";

fn ensure_qemu() -> Result<(), String> {
    ensure_installed("qemu-system-arm", "qemu-system-arm")
}

/// Runs one image; returns (success, standard output).
fn run_image(name: &str) -> Result<(bool, String), String> {
    let elf = root()
        .join("firmware/target")
        .join(THUMB)
        .join("release")
        .join(name);
    let mut command = Command::new("timeout");
    command.args([
        TIMEOUT_SECS,
        "qemu-system-arm",
        "-machine",
        "mps2-an386",
        "-cpu",
        "cortex-m4",
        "-nographic",
    ]);
    command
        .args(["-semihosting-config", "enable=on,target=native", "-kernel"])
        .arg(&elf);
    println!("\n$ qemu-system-arm … -kernel {}", elf.display());
    let out = command
        .output()
        .map_err(|e| format!("could not run QEMU: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n");
    print!("{stdout}");
    Ok((out.status.success(), stdout))
}

pub fn run() -> Result<(), String> {
    ensure_target(THUMB)?;
    ensure_qemu()?;
    build_thumb("firmware/Cargo.toml")?;
    let (passed, firmware_report) = run_image("selftest")?;
    let vectors = std::fs::read(root().join("tests/data/vectors.jsonl"))
        .map_err(|e| format!("vectors: {e}"))?;
    let mut host_report = String::new();
    let host_passed = chittyid::selftest::run(&vectors, &mut host_report);
    if !passed || !host_passed {
        return Err("the self-test failed".into());
    }
    if firmware_report != host_report {
        return Err(format!(
            "the firmware's report differs from the host's:\n--- host\n{host_report}--- firmware\n{firmware_report}"
        ));
    }
    println!("self-test: the firmware's report matches the host's");
    let (client_passed, client_report) = run_image("client")?;
    if !client_passed {
        return Err("the firmware example failed".into());
    }
    check_client_report(&client_report)
}

/// The firmware example's output: both tasks' verdicts through the one client, and the
/// runner's health transitions through the outage and back, in order.
fn check_client_report(report: &str) -> Result<(), String> {
    let lines: Vec<&str> = report.lines().collect();
    let position = |wanted: &str, after: usize| {
        lines
            .iter()
            .skip(after)
            .position(|line| line.starts_with(wanted))
            .map(|at| at + after)
            .ok_or_else(|| {
                format!(
                    "the firmware example did not print `{wanted}…` (after line {after}):\n{report}"
                )
            })
    };
    let minted = lines
        .iter()
        .filter(|line| line.starts_with("minter: minted 03-1-USA-"))
        .count();
    if minted != 2 {
        return Err(format!(
            "the minter printed {minted} minted IDs, not 2:\n{report}"
        ));
    }
    position(
        "validator: 03-1-USA-5537-P-2602-0-38 valid (the service)",
        0,
    )?;
    let up = position("runner: health Disconnected -> Connected", 0)?;
    let lost = position("runner: health Connected -> Reconnecting", up)?;
    let local = position("validator: 03-1-USA-7165-T-2602-0-13 local only", up)?;
    let back = position("runner: health Reconnecting -> Connected", lost)?;
    if local > back {
        return Err(format!(
            "the validation during the outage came after the service was back:\n{report}"
        ));
    }
    position(
        "validator: 03-1-USA-0001-E-2612-3-02 valid (the service)",
        back,
    )?;
    position("client: 2/2 minted, 3/3 verdicts as expected", back)?;
    println!(
        "firmware example: two tasks and the runner shared one client, through an outage and back"
    );
    Ok(())
}
