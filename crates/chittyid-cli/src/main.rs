//! The `chittyid` command: check, take apart and validate ChittyIDs, mint them from the
//! service, and run the reference service.
//!
//! Exit status: 0 when everything asked for holds, 1 when something does not, 2 on usage
//! or I/O errors.

mod check;
mod demo;
mod error;
mod input;
mod journal_cmd;
mod lines;
mod logging;
mod online;
mod parse_cmd;
mod progress;
mod render;
mod serve;
mod verdict;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

const AFTER_HELP: &str = "\
Segments are numbered from 0 in messages: 0 VV, 1 G, 2 LLL, 3 SSSS, 4 T, 5 YYMM, 6 C, 7 XX.
Exit status: 0 when everything asked for holds (every ID valid, every mint final, the
service healthy), 1 when something does not or the service did not answer, 2 on usage
or I/O errors.";

/// Check, parse and validate ChittyIDs (VV-G-LLL-SSSS-T-YYMM-C-XX), mint them from the
/// service, and run the reference service.
#[derive(Parser, Debug)]
#[command(name = "chittyid", version, long_about = None, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log lines on standard error as text or as one JSON object per line.
    #[arg(long, global = true, value_enum, default_value_t = logging::LogFormat::Text)]
    log_format: logging::LogFormat,
    /// Log level: error, warn, info, debug or trace (default: warn for serve; for the
    /// other commands none in text, info in JSON).
    #[arg(long, global = true)]
    log_level: Option<tracing::Level>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check IDs offline: format and check value. Exit 0 if all are valid, 1 if not.
    Check(check::CheckArgs),
    /// Show every component of one ID with its meaning.
    Parse(parse_cmd::ParseArgs),
    /// Mint IDs from the service (CHITTYID_SERVICE_URL, CHITTY_ID_TOKEN).
    Mint(Box<online::mint::MintArgs>),
    /// Validate IDs: the local check, then the cache and the service.
    Validate(Box<online::validate::ValidateArgs>),
    /// Check the service's health.
    Health(Box<online::health::HealthArgs>),
    /// Show or verify a mint journal (written by `mint --journal PATH`).
    Journal(journal_cmd::JournalArgs),
    /// Run the reference ID service (loopback by default) until SIGINT or SIGTERM.
    Serve(Box<serve::ServeArgs>),
    /// Show the whole product at work against a bundled service: no network needed.
    Demo(demo::DemoArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    logging::init(
        cli.log_format,
        cli.log_level,
        matches!(cli.command, Command::Serve(_)),
    );
    let outcome = match cli.command {
        Command::Check(args) => check::run(args),
        Command::Parse(args) => parse_cmd::run(args),
        Command::Mint(args) => online::mint::run(*args),
        Command::Validate(args) => online::validate::run(*args),
        Command::Health(args) => online::health::run(*args),
        Command::Serve(args) => serve::run(*args),
        Command::Journal(args) => journal_cmd::run(args),
        Command::Demo(args) => demo::run(args),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) if e.is_broken_pipe() => ExitCode::from(2),
        Err(CliError::Usage(message)) => {
            eprintln!("error: {message}\n\nFor more information, try '--help'.");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
