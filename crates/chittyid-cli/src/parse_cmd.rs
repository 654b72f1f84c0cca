//! `chittyid parse`: every component of one ID with its meaning, for people or as JSON.

use std::io::{self, Write};

use chittyid::ChittyId;
use clap::Args;
use serde::Serialize;

use crate::error::CliError;
use crate::render;
use crate::verdict::{Outcome, judge};

/// Arguments of `chittyid parse`.
#[derive(Args, Debug)]
pub struct ParseArgs {
    /// The ID to take apart.
    #[arg(value_name = "ID")]
    id: String,
    /// One JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Also accept the old three-digit year-month (YYM).
    #[arg(long)]
    lenient: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Components {
    version: String,
    region: String,
    region_name: &'static str,
    jurisdiction: String,
    sequential: String,
    entity_type: char,
    entity_name: &'static str,
    year_month: String,
    year: u16,
    month: Option<u8>,
    trust_level: u8,
    trust_name: &'static str,
    checksum: String,
}

impl Components {
    fn of(id: ChittyId) -> Components {
        let ym = id.year_month();
        Components {
            version: format!("{:02}", id.version()),
            region: id.region().digit().to_string(),
            region_name: id.region().name(),
            jurisdiction: id.jurisdiction().to_string(),
            sequential: format!("{:04}", id.sequence()),
            entity_type: id.entity_type().code(),
            entity_name: id.entity_type().name(),
            year_month: ym.to_string(),
            year: 2000 + u16::from(ym.year()),
            month: ym.month(),
            trust_level: id.trust_level().digit(),
            trust_name: id.trust_level().name(),
            checksum: format!("{:02}", id.check_value()),
        }
    }
}

#[derive(Serialize)]
struct ParsedRecord {
    id: String,
    valid: bool,
    kind: &'static str,
    components: Components,
    #[serde(skip_serializing_if = "Option::is_none")]
    fallback: Option<FallbackInfo>,
}

#[derive(Serialize)]
struct FallbackInfo {
    code: String,
    name: Option<&'static str>,
    pending: bool,
}

/// Runs the command; `Ok(true)` when the ID is valid.
pub fn run(args: ParseArgs) -> Result<bool, CliError> {
    let bytes = args.id.as_bytes();
    let verdict = judge(bytes, bytes.len() as u64, args.lenient);
    let mut out = io::stdout().lock();
    let written = match verdict.outcome {
        Outcome::Id(id) if args.json => {
            let record = ParsedRecord {
                id: id.to_string(),
                valid: verdict.valid,
                kind: verdict.kind,
                components: Components::of(id),
                fallback: id.fallback_code().map(|code| FallbackInfo {
                    code: format!("{:04}", code.get()),
                    name: code.name(),
                    pending: true,
                }),
            };
            serde_json::to_writer_pretty(&mut out, &record)
                .map_err(io::Error::from)
                .and_then(|()| writeln!(out))
        }
        Outcome::Id(id) => table(&mut out, id, verdict.valid),
        _ if args.json => render::json(&mut out, bytes, &verdict),
        _ => render::human(&mut out, bytes, &verdict),
    };
    written.map_err(|e| CliError::io("standard output", e))?;
    Ok(verdict.valid)
}

fn table(out: &mut impl Write, id: ChittyId, valid: bool) -> io::Result<()> {
    let c = Components::of(id);
    let row = |out: &mut dyn Write, name: &str, value: &str, meaning: &str| {
        let line = format!("{name:<14}{value:<6}{meaning}");
        writeln!(out, "{}", line.trim_end())
    };
    let kind = match id.fallback_code() {
        Some(code) => format!("fallback {code}: pending replacement, not a final ID"),
        None if valid => id.kind().code().to_string(),
        None => format!("{} (not valid without --lenient)", id.kind().code()),
    };
    writeln!(out, "{:<14}{id}", "id")?;
    writeln!(out, "{:<14}{kind}", "kind")?;
    row(out, "version", &c.version, "")?;
    row(out, "region", &c.region, c.region_name)?;
    row(out, "jurisdiction", &c.jurisdiction, "")?;
    row(out, "sequence", &c.sequential, "")?;
    row(
        out,
        "entity type",
        &c.entity_type.to_string(),
        c.entity_name,
    )?;
    let when = match c.month {
        Some(month) => format!("{}-{month:02}", c.year),
        None => format!(
            "{}, month ends in {}",
            c.year,
            c.year_month.as_bytes()[2] as char
        ),
    };
    row(out, "year-month", &c.year_month, &when)?;
    row(out, "trust level", &c.trust_level.to_string(), c.trust_name)?;
    row(out, "check value", &c.checksum, "verified")
}
