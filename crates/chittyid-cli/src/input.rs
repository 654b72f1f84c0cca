//! Where the IDs of `check` and `validate` come from: the arguments, a file, or standard
//! input, one ID per line, streamed in constant memory either way.

use std::fs::File;
use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;

use crate::error::CliError;
use crate::lines::{Line, for_each_line};
use crate::progress::Progress;

/// The IDs given on the command line, or the file to read them from.
pub struct Input<'a> {
    /// IDs from the arguments; a lone `-` means standard input.
    pub ids: &'a [String],
    /// `--file PATH`; `-` means standard input.
    pub file: Option<&'a PathBuf>,
}

impl Input<'_> {
    /// Calls `each` for every ID in order; stops at its first error.
    pub fn for_each(
        &self,
        mut each: impl FnMut(Line<'_>) -> Result<(), CliError>,
    ) -> Result<(), CliError> {
        let stdin_requested = self.ids.len() == 1 && self.ids[0] == "-";
        match (self.file, self.ids.is_empty() || stdin_requested) {
            (Some(path), _) if path.as_os_str() != "-" => {
                let file = File::open(path).map_err(|e| CliError::io(path.display(), e))?;
                let size = file.metadata().ok().map(|m| m.len());
                stream(file, size, &mut each).map_err(|e| e.context(|| path.display().to_string()))
            }
            (Some(_), _) | (None, true) => {
                let stdin = io::stdin();
                if self.file.is_none() && !stdin_requested && stdin.is_terminal() {
                    return Err(CliError::Usage(
                        "give IDs, --file PATH, or pipe one ID per line to standard input".into(),
                    ));
                }
                stream(stdin.lock(), None, &mut each)
                    .map_err(|e| e.context(|| "standard input".to_string()))
            }
            (None, false) => self.ids.iter().try_for_each(|id| {
                each(Line {
                    bytes: id.as_bytes(),
                    full_len: id.len() as u64,
                })
            }),
        }
    }
}

fn stream(
    reader: impl Read,
    size: Option<u64>,
    each: &mut impl FnMut(Line<'_>) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut progress = Progress::new(size);
    let result = for_each_line(reader, |done| progress.update(done), each);
    progress.finish();
    result
}
