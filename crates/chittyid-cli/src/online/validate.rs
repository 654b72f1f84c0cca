//! `chittyid validate`: the local check first (the same as `check`'s), then the cache and
//! the service for well-formed IDs; each verdict says whether it is the service's
//! (authoritative) or only the local check. IDs stream from the arguments, a file or
//! standard input in constant memory.

use std::io;
use std::path::PathBuf;

use chittyid_std::Validation;
use clap::Args;

use super::diagnose::Diagnosis;
use super::validate_report::Report;
use super::{ServiceArgs, runtime};
use crate::error::CliError;
use crate::input::Input;
use crate::lines::Line;
use crate::verdict::{Outcome, judge};

/// Arguments of `chittyid validate`.
#[derive(Args, Debug)]
#[command(mut_arg("token", |a| a.help(
    "Bearer token, sent with each validation so that the service can replace a fallback ID \
     with a final one"
)))]
pub struct ValidateArgs {
    /// IDs to validate; `-` reads one ID per line from standard input.
    #[arg(value_name = "ID", conflicts_with = "file")]
    ids: Vec<String>,
    /// Read one ID per line from PATH (`-` for standard input); `\r\n` is tolerated.
    #[arg(long, short, value_name = "PATH")]
    file: Option<PathBuf>,
    /// One JSON object per input line, in input order: `check`'s fields (`id`, `valid`,
    /// `kind`, `fallback`, `error`) and `source` (local, service or cache),
    /// `authoritative`, and `reason`, `replaced_by` or `unanswered` when they apply.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    service: ServiceArgs,
}

/// Runs the command; `Ok(true)` when every ID is valid by the service's word.
pub fn run(args: ValidateArgs) -> Result<bool, CliError> {
    let client = args.service.client()?;
    let runtime = runtime()?;
    let mut diagnosis = Diagnosis::new(client.service_url(), args.service.timeout);
    let mut report = Report::new(io::stdout().lock(), args.json, client.service_url());
    let mut all_valid = true;
    let each = |line: Line<'_>| -> Result<(), CliError> {
        let local = judge(line.bytes, line.full_len, false);
        let Outcome::Id(id) = local.outcome else {
            all_valid = false;
            return report.local(line.bytes, &local);
        };
        let validation = runtime.block_on(client.validate(&id.to_string()));
        let unanswered = match &validation {
            Validation::LocalOnly { reason, .. } => {
                Some(runtime.block_on(diagnosis.explain(reason)))
            }
            _ => None,
        };
        all_valid &= matches!(validation, Validation::Authoritative { valid: true, .. });
        report.remote(line.bytes, &local, &validation, unanswered.as_deref())
    };
    Input {
        ids: &args.ids,
        file: args.file.as_ref(),
    }
    .for_each(each)?;
    Ok(all_valid)
}
