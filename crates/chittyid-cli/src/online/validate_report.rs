//! How `validate` shows its verdicts: one line (or JSON object) per input on standard
//! output, in `check`'s vocabulary; a service that cannot be reached is a failure, told
//! on standard error in text mode (once for each new reason).

use std::io::{self, Write};

use chittyid_std::Validation;
use serde::Serialize;

use crate::error::CliError;
use crate::render;
use crate::verdict::{Outcome, Verdict};

/// `check`'s record of an input, and what the service said about it.
#[derive(Serialize)]
struct Record<'a> {
    #[serde(flatten)]
    check: render::Record<'a>,
    /// `local` (the service was not asked or did not answer), `service` or `cache`.
    source: &'static str,
    /// `true` when `valid` is the service's word.
    authoritative: bool,
    /// The service's reason for its verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    /// The final ID that the service gave for this fallback ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    replaced_by: Option<String>,
    /// Why the service did not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    unanswered: Option<&'a str>,
}

/// Writes the verdicts of one run.
pub struct Report<W> {
    out: W,
    json: bool,
    service: String,
    /// The last failure told on standard error.
    last_failure: Option<String>,
}

impl<W: Write> Report<W> {
    pub fn new(out: W, json: bool, service: &str) -> Report<W> {
        Report {
            out,
            json,
            service: service.to_string(),
            last_failure: None,
        }
    }

    /// An input that the local check refused: shown exactly as `check` shows it.
    pub fn local(&mut self, input: &[u8], verdict: &Verdict) -> Result<(), CliError> {
        let written = if self.json {
            render::line(
                &mut self.out,
                &Record {
                    check: render::record(input, verdict),
                    source: "local",
                    authoritative: false,
                    reason: None,
                    replaced_by: None,
                    unanswered: None,
                },
            )
        } else {
            render::human(&mut self.out, input, verdict)
        };
        written.map_err(stdout_error)
    }

    /// A well-formed input (`local` is its local verdict) and what validation found;
    /// `unanswered` explains a service that did not answer.
    pub fn remote(
        &mut self,
        input: &[u8],
        local: &Verdict,
        validation: &Validation,
        unanswered: Option<&str>,
    ) -> Result<(), CliError> {
        if let Validation::Malformed(error) = validation {
            let verdict = Verdict {
                outcome: Outcome::Invalid(*error),
                valid: false,
                kind: error.kind().code(),
            };
            return self.local(input, &verdict);
        }
        if let (Validation::LocalOnly { .. }, Some(why), false) =
            (validation, unanswered, self.json)
        {
            self.failure(why);
        }
        let written = if self.json {
            self.json_line(input, local, validation, unanswered)
        } else {
            text_line(&mut self.out, validation)
        };
        written.map_err(stdout_error)
    }

    fn json_line(
        &mut self,
        input: &[u8],
        local: &Verdict,
        validation: &Validation,
        unanswered: Option<&str>,
    ) -> io::Result<()> {
        let mut record = Record {
            check: render::record(input, local),
            source: "local",
            authoritative: false,
            reason: None,
            replaced_by: None,
            unanswered: None,
        };
        record.check.valid = false;
        match validation {
            Validation::Authoritative {
                valid,
                reason,
                cached,
                ..
            } => {
                record.check.valid = *valid;
                record.source = if *cached { "cache" } else { "service" };
                record.authoritative = true;
                record.reason = reason.as_ref().map(|r| r.as_str());
            }
            Validation::Replaced { new, .. } => {
                record.source = "service";
                record.authoritative = true;
                record.replaced_by = Some(new.to_string());
            }
            Validation::LocalOnly { .. } => record.unanswered = unanswered,
            Validation::ReplacementUnknown { .. } => {
                record.source = "service";
                record.unanswered = Some(
                    "the answer was lost; the service may have replaced this fallback ID, \
                     and says so only once",
                );
            }
            Validation::Malformed(_) => {}
            // A verdict a newer core may give: never reported as authoritative.
            _ => record.unanswered = Some("a verdict this version of the CLI does not know"),
        }
        render::line(&mut self.out, &record)
    }

    /// Tells a failure to reach the service on standard error, unless it was just told.
    fn failure(&mut self, why: &str) {
        if self.last_failure.as_deref() != Some(why) {
            eprintln!("error: {}: {why}", self.service);
            self.last_failure = Some(why.to_string());
        }
    }
}

fn text_line(out: &mut impl Write, validation: &Validation) -> io::Result<()> {
    match validation {
        Validation::Malformed(error) => writeln!(out, "✗ malformed: {error}"),
        Validation::Authoritative {
            id,
            valid,
            reason,
            cached,
            ..
        } => {
            let source = if *cached { ", from the cache" } else { "" };
            let reason = reason.map(|r| format!(": {r}")).unwrap_or_default();
            match valid {
                true => writeln!(out, "✓ {id}  valid (authoritative{source})"),
                false => writeln!(out, "✗ {id}  not valid (authoritative{source}{reason})"),
            }
        }
        Validation::Replaced { old, new } => writeln!(
            out,
            "! {old}  replaced by {new} (authoritative): the fallback ID is not final, \
             use the new one"
        ),
        Validation::LocalOnly { id, kind, .. } => writeln!(
            out,
            "? {id}  local check only: well formed ({}); not confirmed by the service",
            kind.code()
        ),
        Validation::ReplacementUnknown { id, last, .. } => writeln!(
            out,
            "? {id}  replacement unknown: the service's answer was lost ({last}); it may \
             have replaced this fallback ID, and says so only once"
        ),
        // A verdict a newer core may give: never shown as valid.
        other => writeln!(out, "? {other:?}  a verdict this version does not know"),
    }
}

fn stdout_error(e: io::Error) -> CliError {
    CliError::io("standard output", e)
}
