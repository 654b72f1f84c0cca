//! `cargo xtask size`: the flash the parser and checksum take on a Cortex-M4F, measured as
//! the difference between two probe images (one parses, one does not).

use crate::cmd::{THUMB, cmd, ensure_target, exec, root};
use crate::elf::flash_bytes;

/// The flash measurement, in bytes of code and read-only data.
pub struct Size {
    /// An image that parses with full diagnostics and computes a checksum.
    pub with_parser: u64,
    /// An image that only recognizes valid IDs and computes a checksum.
    pub with_recognizer: u64,
    /// An image that does neither.
    pub baseline: u64,
}

impl Size {
    /// What `ChittyId::parse_bytes` and `checksum::compute` add.
    pub fn parser(&self) -> u64 {
        self.with_parser.saturating_sub(self.baseline)
    }

    /// What `ChittyId::recognize` and `checksum::compute` add.
    pub fn recognizer(&self) -> u64 {
        self.with_recognizer.saturating_sub(self.baseline)
    }
}

pub fn run() -> Result<Size, String> {
    ensure_target(THUMB)?;
    exec(cmd(
        "cargo",
        &["build", "-p", "chittyid", "--release", "--target", THUMB],
    ))?;
    let manifest = root().join("xtask/size-probe/Cargo.toml");
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
    ))?;
    let dir = root()
        .join("xtask/size-probe/target")
        .join(THUMB)
        .join("release");
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path)
            .map_err(|e| format!("{}: {e}", path.display()))
            .and_then(|bytes| flash_bytes(&bytes))
    };
    let size = Size {
        with_parser: read("parse")?,
        with_recognizer: read("recognize")?,
        baseline: read("empty")?,
    };
    println!(
        "\nflash on {THUMB} (opt-level z, LTO), beyond an empty image of {} bytes:",
        size.baseline
    );
    println!(
        "  parse (full diagnostics) + checksum  {:>6} bytes   (goal under 4096)",
        size.parser()
    );
    println!(
        "  recognize (no diagnostics) + checksum {:>5} bytes",
        size.recognizer()
    );
    Ok(size)
}
