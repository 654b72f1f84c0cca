//! The CLI's own errors: usage mistakes and I/O failures, both exit status 2.

use std::fmt;
use std::io;

#[derive(Debug)]
pub enum CliError {
    /// The command line asks for something impossible.
    Usage(String),
    /// Reading or writing failed; `what` names the file or stream.
    Io { what: String, source: io::Error },
}

impl CliError {
    pub fn io(what: impl fmt::Display, source: io::Error) -> CliError {
        CliError::Io {
            what: what.to_string(),
            source,
        }
    }

    /// Names the file or stream of an I/O error that has no name yet.
    pub fn context(self, what: impl FnOnce() -> String) -> CliError {
        match self {
            CliError::Io { what: w, source } if w.is_empty() => CliError::Io {
                what: what(),
                source,
            },
            other => other,
        }
    }

    /// `true` when the reader of our output went away (`chittyid check … | head`).
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl From<io::Error> for CliError {
    fn from(source: io::Error) -> CliError {
        CliError::Io {
            what: String::new(),
            source,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(message) => f.write_str(message),
            CliError::Io { what, source } if what.is_empty() => write!(f, "{source}"),
            CliError::Io { what, source } => write!(f, "{what}: {source}"),
        }
    }
}

impl std::error::Error for CliError {}
