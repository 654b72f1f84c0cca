//! `chittyid journal show|verify PATH`: read a mint journal (written by `mint
//! --journal`), list its records and unresolved mints, and check its chain.

use std::io::Write;
use std::path::{Path, PathBuf};

use chittyid_server::rfc3339;
use chittyid_std::journal::{Entry, Journal, Outcome, Record, Unresolved};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::error::CliError;

const AFTER_HELP: &str = "\
A journal is a text file, one record a line: seq=N prev=CRC at=MS kind=open|sent|outcome
... crc=CRC, where crc is the CRC-32 of the line before ' crc=' and prev the crc of the
record before. `mint --journal PATH` writes a mint's request and key (sent) and syncs it
before the mint is sent, and its outcome when known; a mint with no outcome that settles
it is unresolved.
A torn tail (the last record cut off by a crash: the start of the record that belongs
there, with no newline) is reported but is not damage: verify exits 0 (1 with --strict),
and the next `mint --journal` removes it and notes it in its open record. Anything else
that does not check (a changed byte, a record removed, repeated or moved, bytes that do
not start a record) is damage: verify names the first bad record and exits 1.";

/// Arguments of `chittyid journal`.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct JournalArgs {
    #[command(subcommand)]
    command: JournalCommand,
}

#[derive(Subcommand, Debug)]
enum JournalCommand {
    /// List the records and the unresolved mints. Exit 1 if the journal is damaged.
    Show {
        /// The journal file.
        path: PathBuf,
        /// One JSON object: records, unresolved, torn_tail, damage, head.
        #[arg(long)]
        json: bool,
    },
    /// Check every record's checksum and the chain. Exit 0 when intact (a torn tail is
    /// reported, and allowed unless --strict), 1 on damage, naming the first bad record.
    Verify {
        /// The journal file.
        path: PathBuf,
        /// A torn tail counts as damage too.
        #[arg(long)]
        strict: bool,
        /// A head noted earlier (the 8 hex digits `show` or `verify` printed): it must
        /// still be a record of the journal, so that records cut off its end at a
        /// record boundary are found too.
        #[arg(long, value_name = "CRC", value_parser = parse_crc)]
        head: Option<u32>,
    },
}

fn parse_crc(s: &str) -> Result<u32, String> {
    (s.len() == 8)
        .then(|| u32::from_str_radix(s, 16).ok())
        .flatten()
        .ok_or_else(|| "not 8 hex digits (a record's crc)".to_string())
}

/// Runs the command; `Ok(true)` when the journal checks.
pub fn run(args: JournalArgs) -> Result<bool, CliError> {
    match args.command {
        JournalCommand::Show { path, json } => {
            let journal = read(&path)?;
            let mut out = std::io::stdout().lock();
            if json {
                writeln!(out, "{}", show_json(&journal))?;
            } else {
                show_text(&mut out, &path, &journal)?;
            }
            Ok(journal.damage.is_none())
        }
        JournalCommand::Verify { path, strict, head } => {
            let journal = read(&path)?;
            let mut out = std::io::stdout().lock();
            let mut ok = true;
            if let Some(damage) = &journal.damage {
                writeln!(out, "damaged: {damage}")?;
                writeln!(
                    out,
                    "{} records before it are intact",
                    journal.records.len()
                )?;
                return Ok(false);
            }
            writeln!(
                out,
                "intact: {} records, head {}",
                journal.records.len(),
                head_text(&journal)
            )?;
            if let Some(torn) = journal.torn_tail {
                writeln!(
                    out,
                    "torn tail: the last record was cut off ({} bytes at byte {}); the records \
                     before it are intact, and the next `mint --journal` removes it",
                    torn.bytes, torn.offset
                )?;
                ok &= !strict;
            }
            if let Some(crc) = head
                && !journal.contains_head(crc)
            {
                writeln!(
                    out,
                    "damaged: no record has the head {crc:08x} noted earlier: records were cut \
                     off the journal's end"
                )?;
                ok = false;
            }
            let unresolved = journal.unresolved().len();
            if unresolved > 0 {
                writeln!(
                    out,
                    "{unresolved} unresolved mints (see `chittyid journal show`)"
                )?;
            }
            Ok(ok)
        }
    }
}

fn read(path: &Path) -> Result<Journal, CliError> {
    Journal::read(path).map_err(|e| CliError::io(path.display(), e))
}

fn head_text(journal: &Journal) -> String {
    journal
        .head()
        .map_or_else(|| "none".to_string(), |crc| format!("{crc:08x}"))
}

fn request_json(request: &chittyid_std::MintRequest) -> Value {
    json!({
        "entity": request.entity_type.name(),
        "region": request.region.map(|r| r.digit()),
        "jurisdiction": request.jurisdiction.map(|j| j.as_str().to_string()),
        "trust": request.trust_level.map(|t| t.digit()),
    })
}

fn outcome_json(outcome: &Outcome) -> Value {
    json!({
        "result": outcome.result.name(),
        "id": outcome.id.map(|id| id.to_string()),
        "code": outcome.code,
        "attempts": outcome.attempts,
    })
}

fn record_json(record: &Record) -> Value {
    let mut value = json!({
        "seq": record.seq, "offset": record.offset,
        "crc": format!("{:08x}", record.crc), "prev": format!("{:08x}", record.prev),
        "at_ms": record.at_ms, "at": rfc3339(record.at_ms),
    });
    let fields = match &record.entry {
        Entry::Open { pid, torn_bytes } => {
            json!({"kind": "open", "pid": pid, "torn_bytes": torn_bytes})
        }
        Entry::Sent {
            mint,
            request,
            key,
            resend,
        } => json!({
            "kind": "sent", "mint": mint, "request": request_json(request),
            "idempotency_key": key.map(|k| k.as_str().to_string()), "resend": resend,
        }),
        Entry::Outcome {
            mint,
            outcome,
            resolves,
        } => json!({
            "kind": "outcome", "mint": mint, "outcome": outcome_json(outcome),
            "resolves": resolves,
        }),
        _ => json!({"kind": "other"}),
    };
    if let (Some(value), Value::Object(fields)) = (value.as_object_mut(), fields) {
        value.extend(fields);
    }
    value
}

fn unresolved_json(unresolved: &Unresolved) -> Value {
    json!({
        "mint": unresolved.mint,
        "request": request_json(&unresolved.request),
        "idempotency_key": unresolved.key.map(|k| k.as_str().to_string()),
        "sends": unresolved.sends,
        "last": unresolved.last.as_ref().map(outcome_json),
    })
}

fn show_json(journal: &Journal) -> Value {
    json!({
        "intact": journal.damage.is_none(),
        "records": journal.records.iter().map(record_json).collect::<Vec<_>>(),
        "unresolved": journal.unresolved().iter().map(unresolved_json).collect::<Vec<_>>(),
        "torn_tail": journal.torn_tail.map(|t| json!({"offset": t.offset, "bytes": t.bytes})),
        "damage": journal.damage.as_ref().map(|d| json!({
            "record": d.record, "offset": d.offset, "reason": d.reason,
        })),
        "head": journal.head().map(|crc| format!("{crc:08x}")),
    })
}

fn request_text(request: &chittyid_std::MintRequest) -> String {
    let mut text = request.entity_type.name().to_string();
    if let Some(region) = request.region {
        text += &format!(" region {}", region.digit());
    }
    if let Some(jurisdiction) = request.jurisdiction {
        text += &format!(" {}", jurisdiction.as_str());
    }
    if let Some(trust) = request.trust_level {
        text += &format!(" trust {}", trust.digit());
    }
    text
}

fn outcome_text(outcome: &Outcome) -> String {
    let mut text = outcome.result.name().to_string();
    if let Some(id) = outcome.id {
        text += &format!(" {id}");
    }
    if let Some(code) = &outcome.code {
        text += &format!(" ({code})");
    }
    if outcome.id.is_none() {
        text += &format!(" after {} requests", outcome.attempts);
    }
    text
}

fn show_text(out: &mut impl Write, path: &Path, journal: &Journal) -> std::io::Result<()> {
    writeln!(
        out,
        "{}: {} records, head {}",
        path.display(),
        journal.records.len(),
        head_text(journal)
    )?;
    for record in &journal.records {
        let what = match &record.entry {
            Entry::Open { pid, torn_bytes: 0 } => format!("open     by process {pid}"),
            Entry::Open { pid, torn_bytes } => {
                format!(
                    "open     by process {pid}, after removing a torn tail of {torn_bytes} bytes"
                )
            }
            Entry::Sent {
                mint,
                request,
                key,
                resend,
            } => format!(
                "{}  mint {mint}: {}, key {}",
                if *resend { "resend " } else { "sent   " },
                request_text(request),
                key.as_ref().map_or("none", |k| k.as_str())
            ),
            Entry::Outcome {
                mint,
                outcome,
                resolves,
            } => format!(
                "outcome  mint {mint}: {}{}",
                outcome_text(outcome),
                if *resolves { "" } else { " (unresolved)" }
            ),
            _ => "other".to_string(),
        };
        writeln!(out, "{:>6}  {}  {what}", record.seq, rfc3339(record.at_ms))?;
    }
    if let Some(torn) = journal.torn_tail {
        writeln!(
            out,
            "torn tail: {} bytes at byte {} (a record cut off by a crash)",
            torn.bytes, torn.offset
        )?;
    }
    if let Some(damage) = &journal.damage {
        writeln!(out, "damaged: {damage}")?;
    }
    let unresolved = journal.unresolved();
    writeln!(out, "{} unresolved mints", unresolved.len())?;
    for u in &unresolved {
        let last = u.last.as_ref().map_or_else(
            || "no outcome (the client stopped before it knew)".to_string(),
            outcome_text,
        );
        writeln!(
            out,
            "  mint {}: {}, key {}, sent {}×, last: {last}",
            u.mint,
            request_text(&u.request),
            u.key
                .as_ref()
                .map_or("none (cannot be resent safely)", |k| k.as_str()),
            u.sends
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_times_are_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(rfc3339(1_764_687_173_123), "2025-12-02T14:52:53.123Z");
    }
}
