//! `chittyid check --summary` on a generated file of 10 million IDs: MB/s and peak
//! memory, beside `wc -l` on the same file (the floor: reading and splitting lines).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::ids::{Rng, random_id};

const IDS: u64 = 10_000_000;
const ROUNDS: usize = 3;

pub fn run(cli: &Path, scratch: &Path) -> Result<(), String> {
    let file = scratch.join("ids-10m.txt");
    let expected_len = IDS * 26;
    if std::fs::metadata(&file).map(|m| m.len()).ok() != Some(expected_len) {
        generate(&file)?;
    }
    let mb = expected_len as f64 / 1e6;

    let mut peak_kib = 0;
    let check = best_of(|| {
        let mut child = Command::new(cli)
            .args(["check", "--summary", "--file"])
            .arg(&file)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("{}: {e}", cli.display()))?;
        peak_kib = peak_kib.max(peak_rss_until_exit(&mut child));
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out.stdout);
        let total = text
            .lines()
            .find(|l| l.starts_with("total"))
            .unwrap_or_default();
        if !total.ends_with(&IDS.to_string()) {
            return Err(format!("unexpected summary:\n{text}"));
        }
        Ok(())
    })?;
    let wc = best_of(|| {
        let status = Command::new("wc")
            .arg("-l")
            .arg(&file)
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("wc: {e}"))?;
        status
            .success()
            .then_some(())
            .ok_or("wc failed".to_string())
    })?;

    println!("\nchittyid check --summary on {IDS} IDs ({mb:.0} MB, best of {ROUNDS})");
    println!(
        "  chittyid check --summary   {:8.0} MB/s   {:.2} s   peak RSS {} KiB",
        mb / check,
        check,
        peak_kib
    );
    println!(
        "  baseline: wc -l            {:8.0} MB/s   {:.2} s   (ratio {:.2})",
        mb / wc,
        wc,
        check / wc
    );
    println!("  (goal: at least 200 MB/s in constant memory)");
    Ok(())
}

/// Writes the IDs, one in a hundred with a wrong check value.
fn generate(path: &Path) -> Result<(), String> {
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path).map_err(err)?);
    let mut rng = Rng::new(0x10_000_000);
    for n in 0..IDS {
        let mut text = random_id(&mut rng).to_buf().as_bytes().to_vec();
        if n % 100 == 99 {
            text[24] = if text[24] == b'0' { b'1' } else { b'0' };
        }
        text.push(b'\n');
        out.write_all(&text).map_err(err)?;
    }
    out.flush().map_err(err)
}

/// The best wall time, in seconds, of a few runs.
fn best_of(mut run: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    let mut best = f64::MAX;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        run()?;
        best = best.min(start.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// The child's peak resident set in KiB (`VmHWM`), sampled until it exits. The child's
/// own counter is read rather than `getrusage`, which would also count the memory of
/// this process that the child shared between `fork` and `exec`.
fn peak_rss_until_exit(child: &mut Child) -> u64 {
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while let Ok(None) = child.try_wait() {
        let text = std::fs::read_to_string(&status).unwrap_or_default();
        let hwm = text
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
        peak = peak.max(hwm.unwrap_or(0));
        std::thread::sleep(Duration::from_millis(2));
    }
    peak
}
