//! `cargo xtask size`: the flash the parser and checksum take on a Cortex-M4F, measured as
//! the difference between two probe images (one parses, one does not).

use crate::cmd::{THUMB, cmd, ensure_target, exec, root};
use crate::elf::flash_bytes;

/// The flash measurement.
pub struct Size {
    pub with_parser: u64,
    pub baseline: u64,
}

impl Size {
    pub fn parser(&self) -> u64 {
        self.with_parser.saturating_sub(self.baseline)
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
        baseline: read("empty")?,
    };
    println!(
        "\nflash on {THUMB} (opt-level s, LTO): parse + checksum {} bytes \
         (image {} bytes, empty image {} bytes); goal under 4096",
        size.parser(),
        size.with_parser,
        size.baseline
    );
    Ok(size)
}
