//! Where the logs go: `--log-format text|json` and `--log-level`, global flags. Text is
//! the default; JSON is one object per line on standard error, the event's fields at the
//! top level (`timestamp`, `level`, `message`, `target`, then the event's own: see the
//! chittyid-std docs for the stable names, e.g. `event`, `endpoint`, `from`, `to`).

use clap::ValueEnum;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    // Human-readable lines. (Plain comments: help on the values would make clap print
    // every command's long help for -h.)
    #[default]
    Text,
    // One JSON object per line.
    Json,
}

/// Installs the subscriber. Without `--log-level`, `serve` logs warnings and above, the
/// other commands log nothing in text (their output is the answer) and info and above in
/// JSON (breaker and health transitions; `--log-level debug` adds retries and
/// rejections).
pub fn init(format: LogFormat, level: Option<tracing::Level>, serving: bool) {
    let level = match (level, format, serving) {
        (Some(level), _, _) => level,
        (None, _, true) => tracing::Level::WARN,
        (None, LogFormat::Json, false) => tracing::Level::INFO,
        (None, LogFormat::Text, false) => return,
    };
    // This project's crates at the level asked for; the libraries under them (hyper,
    // rustls) no chattier than warnings.
    let filter = Targets::new()
        .with_default(std::cmp::min(level, tracing::Level::WARN))
        .with_targets(
            [
                "chittyid",
                "chittyid_std",
                "chittyid_server",
                "chittyid_cli",
            ]
            .map(|t| (t, level)),
        );
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.finish().with(filter).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .finish()
            .with(filter)
            .try_init(),
    };
}
