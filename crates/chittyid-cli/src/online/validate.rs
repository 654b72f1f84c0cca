//! `chittyid validate`: the local check first, then the cache and the service; each
//! verdict says whether it is the service's (authoritative) or only the local check.

use std::io::Write;
use std::path::PathBuf;

use chittyid_std::Validation;
use clap::Args;
use serde_json::json;

use super::{ServiceArgs, runtime};
use crate::error::CliError;

/// Arguments of `chittyid validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// IDs to validate.
    #[arg(
        value_name = "ID",
        conflicts_with = "file",
        required_unless_present = "file"
    )]
    ids: Vec<String>,
    /// Read one ID per line from PATH (`-` for standard input).
    #[arg(long, short, value_name = "PATH")]
    file: Option<PathBuf>,
    /// One JSON object per ID.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    service: ServiceArgs,
}

/// Runs the command; `Ok(true)` when every ID is valid by the service's word.
pub fn run(args: ValidateArgs) -> Result<bool, CliError> {
    let client = args.service.client()?;
    let ids: Vec<String> = match &args.file {
        None => args.ids.clone(),
        Some(path) => read_lines(path)?,
    };
    let runtime = runtime()?;
    runtime.block_on(async {
        let mut out = std::io::stdout().lock();
        let mut all_valid = true;
        for id in &ids {
            let verdict = client.validate(id).await;
            all_valid &= matches!(verdict, Validation::Authoritative { valid: true, .. });
            report(&mut out, id, &verdict, args.json)
                .map_err(|e| CliError::io("standard output", e))?;
        }
        Ok(all_valid)
    })
}

fn read_lines(path: &PathBuf) -> Result<Vec<String>, CliError> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| CliError::io("standard input", e))?
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError::io(path.display(), e))?
    };
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .collect())
}

fn report(
    out: &mut impl Write,
    input: &str,
    verdict: &Validation,
    json: bool,
) -> std::io::Result<()> {
    let record = match verdict {
        Validation::Malformed(e) => {
            json!({"id": input, "verdict": "malformed", "authoritative": false, "error": {"code": e.kind().code(), "offset": e.offset(), "message": e.to_string()}})
        }
        Validation::Authoritative {
            valid,
            reason,
            cached,
            ..
        } => json!({
            "id": input, "verdict": if *valid { "valid" } else { "invalid" }, "authoritative": true,
            "cached": cached, "reason": reason.map(|r| r.as_str().to_string()),
        }),
        Validation::LocalOnly { kind, reason, .. } => json!({
            "id": input, "verdict": "local_only", "authoritative": false, "local_kind": kind.code(),
            "reason": reason.to_string(),
        }),
    };
    if json {
        return writeln!(out, "{record}");
    }
    match verdict {
        Validation::Malformed(e) => writeln!(out, "✗ {input}  malformed: {e}"),
        Validation::Authoritative {
            valid: true,
            cached,
            ..
        } => {
            writeln!(
                out,
                "✓ {input}  valid (authoritative{})",
                if *cached { ", cached" } else { "" }
            )
        }
        Validation::Authoritative {
            valid: false,
            reason,
            ..
        } => writeln!(
            out,
            "✗ {input}  not valid (authoritative{})",
            reason.map(|r| format!(": {r}")).unwrap_or_default()
        ),
        Validation::LocalOnly { kind, reason, .. } => writeln!(
            out,
            "? {input}  local check only: well formed ({}); the service was not reached: {}",
            kind.code(),
            reason
        ),
    }
}
