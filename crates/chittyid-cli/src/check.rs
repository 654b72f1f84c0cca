//! `chittyid check`: verdicts for IDs from arguments, a file or standard input, streamed
//! in constant memory, as text for people, JSON lines, or a summary of counts.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::error::CliError;
use crate::input::Input;
use crate::lines::Line;
use crate::render;
use crate::verdict::{judge, kind_slot, kinds};

const STDOUT: &str = "standard output";

/// Arguments of `chittyid check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// IDs to check; `-` reads one ID per line from standard input.
    #[arg(value_name = "ID", conflicts_with = "file")]
    ids: Vec<String>,
    /// Read one ID per line from PATH (`-` for standard input); `\r\n` is tolerated.
    #[arg(long, short, value_name = "PATH")]
    file: Option<PathBuf>,
    /// One JSON object per input line, in input order.
    #[arg(long)]
    json: bool,
    /// Only counts by kind.
    #[arg(long)]
    summary: bool,
    /// Also accept the old three-digit year-month (YYM) as valid.
    #[arg(long)]
    lenient: bool,
}

/// How many inputs of each kind.
struct Tally {
    /// Counts in [`kinds`] order.
    by_kind: Vec<u64>,
    total: u64,
    valid: u64,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally {
            by_kind: vec![0; kinds().len()],
            total: 0,
            valid: 0,
        }
    }
}

impl Tally {
    fn add(&mut self, kind: &str, valid: bool) {
        self.by_kind[kind_slot(kind)] += 1;
        self.total += 1;
        self.valid += u64::from(valid);
    }
}

#[derive(Serialize)]
struct SummaryRecord {
    total: u64,
    valid: u64,
    invalid: u64,
    kinds: serde_json::Map<String, serde_json::Value>,
}

enum Style {
    Human,
    Json,
    Summary { json: bool },
}

/// Runs the command; `Ok(true)` when every input is valid.
pub fn run(args: CheckArgs) -> Result<bool, CliError> {
    let style = match (args.summary, args.json) {
        (true, json) => Style::Summary { json },
        (false, true) => Style::Json,
        (false, false) => Style::Human,
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut tally = Tally::default();
    let mut each = |line: Line<'_>| -> Result<(), CliError> {
        let verdict = judge(line.bytes, line.full_len, args.lenient);
        tally.add(verdict.kind, verdict.valid);
        let written = match style {
            Style::Human => render::human(&mut out, line.bytes, &verdict),
            Style::Json => render::json(&mut out, line.bytes, &verdict),
            Style::Summary { .. } => Ok(()),
        };
        written.map_err(|e| CliError::io(STDOUT, e))
    };

    Input {
        ids: &args.ids,
        file: args.file.as_ref(),
    }
    .for_each(&mut each)?;

    if let Style::Summary { json } = style {
        write_summary(&mut out, &tally, json).map_err(|e| CliError::io(STDOUT, e))?;
    }
    out.flush().map_err(|e| CliError::io(STDOUT, e))?;
    Ok(tally.valid == tally.total)
}

fn write_summary(out: &mut impl Write, tally: &Tally, json: bool) -> io::Result<()> {
    let kinds = kinds()
        .iter()
        .zip(tally.by_kind.iter().copied())
        .filter(|(_, count)| *count > 0);
    if json {
        let record = SummaryRecord {
            total: tally.total,
            valid: tally.valid,
            invalid: tally.total - tally.valid,
            kinds: kinds
                .map(|(kind, count)| (kind.to_string(), count.into()))
                .collect(),
        };
        serde_json::to_writer(&mut *out, &record)?;
        return writeln!(out);
    }
    writeln!(out, "{:<24}{:>12}", "total", tally.total)?;
    writeln!(out, "{:<24}{:>12}", "valid", tally.valid)?;
    writeln!(out, "{:<24}{:>12}", "invalid", tally.total - tally.valid)?;
    for (kind, count) in kinds {
        writeln!(out, "  {kind:<22}{count:>12}")?;
    }
    Ok(())
}
