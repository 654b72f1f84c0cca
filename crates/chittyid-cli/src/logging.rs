//! Where the logs go: `--log-format text|json` and `--log-level`, global flags. Text is
//! the default; JSON is one object per line on standard error, the event's fields at the
//! top level (`timestamp`, `level`, `message`, `target`, then the event's own: see the
//! chittyid-std docs for the stable names, e.g. `event`, `endpoint`, `from`, `to`).

use clap::ValueEnum;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
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
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .init(),
    }
}
