//! `cargo xtask size`: flash and static RAM on a Cortex-M4F for (a) the parser and
//! checksum alone, (b) the engine with a 32-entry cache, and (c) the firmware example
//! (engine, embassy adapter, executor and time driver), each against an empty image;
//! and (d) the WebAssembly package's `.wasm`, raw and gzipped.

use crate::cmd::{THUMB, build_thumb, cmd, ensure_target, exec, root};
use crate::elf::{footprint, symbols};

/// One image's footprint in bytes.
#[derive(Clone, Copy)]
pub struct Footprint {
    pub flash: u64,
    pub ram: u64,
}

fn read(path: std::path::PathBuf) -> Result<Footprint, String> {
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (flash, ram) = footprint(&bytes)?;
    Ok(Footprint { flash, ram })
}

pub fn run() -> Result<(), String> {
    ensure_target(THUMB)?;
    exec(cmd(
        "cargo",
        &["build", "-p", "chittyid", "--release", "--target", THUMB],
    ))?;
    build_thumb("xtask/size-probe/Cargo.toml")?;
    build_thumb("firmware/Cargo.toml")?;
    let module = crate::wasm::build()?;
    let probes = root()
        .join("xtask/size-probe/target")
        .join(THUMB)
        .join("release");
    let firmware = root().join("firmware/target").join(THUMB).join("release");
    let empty = read(probes.join("empty"))?;
    let parse = read(probes.join("parse"))?;
    let recognize = read(probes.join("recognize"))?;
    let engine = read(probes.join("engine"))?;
    let client = read(firmware.join("client"))?;
    let selftest = read(firmware.join("selftest"))?;
    let delta = |f: Footprint| {
        (
            f.flash.saturating_sub(empty.flash),
            f.ram.saturating_sub(empty.ram),
        )
    };
    println!(
        "\nsizes on {THUMB} (opt-level z, LTO), beyond an empty image ({} B flash):",
        empty.flash
    );
    let (pf, _) = delta(parse);
    let (rf, _) = delta(recognize);
    let (ef, er) = delta(engine);
    println!("  (a) parse (full diagnostics) + checksum   {pf:>7} B flash             goal < 4096");
    println!("      recognize (no diagnostics) + checksum {rf:>7} B flash");
    println!(
        "  (b) engine, 32-entry cache, all calls      {ef:>7} B flash {er:>6} B static RAM (+{} B engine on the stack)",
        chittyid_engine_size()
    );
    println!(
        "  (c) firmware example: engine + embassy adapter + executor + SysTick driver + semihosting\n      {:>7} B flash {:>6} B static RAM     goals < {FIRMWARE_FLASH_BUDGET} flash, < {FIRMWARE_RAM_BUDGET} static RAM",
        client.flash, client.ram,
    );
    println!("      {}", task_memory(&firmware.join("client"))?);
    println!(
        "      self-test image (with the 100 KB vectors file): {} B flash, {} B static RAM",
        selftest.flash, selftest.ram
    );
    let wasm_raw = std::fs::metadata(&module)
        .map_err(|e| format!("{}: {e}", module.display()))?
        .len();
    let wasm_gzip = crate::wasm::gzipped_len(&module)?;
    println!(
        "  (d) WebAssembly package (chittyid-wasm, opt-level s, LTO): {wasm_raw} B .wasm, {wasm_gzip} B gzipped\n      goals <= {WASM_BUDGET} B, <= {WASM_GZIP_BUDGET} B gzipped"
    );
    check_budgets(&[
        ("(d) .wasm", wasm_raw, WASM_BUDGET + 1),
        ("(d) .wasm gzipped", wasm_gzip, WASM_GZIP_BUDGET + 1),
        ("(a) parser + checksum flash", pf, PARSER_FLASH_BUDGET),
        (
            "(c) firmware example flash",
            client.flash,
            FIRMWARE_FLASH_BUDGET,
        ),
        (
            "(c) firmware example static RAM",
            client.ram,
            FIRMWARE_RAM_BUDGET,
        ),
    ])
}

/// Flash the parser with full diagnostics plus the checksum may take (issue goal).
const PARSER_FLASH_BUDGET: u64 = 4096;
/// Flash and static RAM the firmware example may take (issue 13: under 48 KiB of flash
/// and 8 KiB of static RAM). The call loop is compiled once for the three kinds of
/// call, and the core divides 64-bit numbers without the library routine, which keeps
/// the rate limit and request coalescing issue 15 added within it.
const FIRMWARE_FLASH_BUDGET: u64 = 48 * 1024;
const FIRMWARE_RAM_BUDGET: u64 = 8 * 1024;

/// The WebAssembly module's budgets, raw and gzipped (issue 16).
const WASM_BUDGET: u64 = 40 * 1024;
const WASM_GZIP_BUDGET: u64 = 20 * 1024;

/// Fails, naming every image over its budget. Sizes are deterministic for a toolchain,
/// so this guards against a change that quietly links something big (such as the
/// general `memcpy`, which one struct move too many brings in).
fn check_budgets(figures: &[(&str, u64, u64)]) -> Result<(), String> {
    let over: Vec<String> = figures
        .iter()
        .filter(|(_, bytes, budget)| bytes >= budget)
        .map(|(what, bytes, budget)| format!("{what}: {bytes} B, budget under {budget} B"))
        .collect();
    if over.is_empty() {
        println!("  every image is within its budget");
        Ok(())
    } else {
        Err(format!("over budget: {}", over.join("; ")))
    }
}

/// The memory each of the firmware example's tasks needs: an embassy task keeps its
/// whole state (what a thread's stack would hold) in its executor's pool, a static the
/// `task` macro names `POOL` inside the task's function; read from the symbol table.
fn task_memory(elf: &std::path::Path) -> Result<String, String> {
    let bytes = std::fs::read(elf).map_err(|e| format!("{}: {e}", elf.display()))?;
    let symbols = symbols(&bytes)?;
    let mut parts = Vec::new();
    for task in ["runner", "validator", "minter", "__embassy_main"] {
        let pool = symbols
            .iter()
            .find(|(name, _)| name.contains("POOL") && name.contains(task))
            .map(|(_, size)| *size)
            .ok_or_else(|| format!("no task pool for `{task}` in {}", elf.display()))?;
        parts.push(format!(
            "{} {pool} B",
            task.trim_start_matches("__embassy_")
        ));
    }
    Ok(format!(
        "each task's memory (its state in the executor's pool, in static RAM): {}",
        parts.join(", ")
    ))
}

/// `size_of::<Engine<[CacheSlot; 32]>>()` as built for the host (the same layout rules apply).
fn chittyid_engine_size() -> usize {
    size_of::<chittyid::engine::Engine<[chittyid::engine::CacheSlot; 32]>>()
}
