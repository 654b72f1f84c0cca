//! Reading one ID per line from any reader in constant memory: a fixed buffer, `\n` or
//! `\r\n` endings, and overlong lines cut to a prefix with their full length kept.

use std::io::{self, Read};

/// The longest line kept whole; longer lines are reported by a prefix and their length.
pub const MAX_LINE: usize = 64 * 1024;
const BUFFER: usize = 256 * 1024;

/// One line without its ending: its bytes (at most [`MAX_LINE`]) and its full length.
pub struct Line<'a> {
    pub bytes: &'a [u8],
    pub full_len: u64,
}

/// Calls `each` for every line of `reader`, in order, and `progress` with the bytes read
/// so far after each read. Stops at the first error of `each` or of the reader.
pub fn for_each_line<R: Read, E: From<io::Error>>(
    mut reader: R,
    mut progress: impl FnMut(u64),
    mut each: impl FnMut(Line<'_>) -> Result<(), E>,
) -> Result<(), E> {
    let mut buf = vec![0u8; BUFFER];
    // buf[..filled] holds the start of an unfinished line (at most MAX_LINE bytes);
    // `dropped` counts the bytes of that line beyond what is kept.
    let mut filled = 0usize;
    let mut dropped = 0u64;
    let mut total = 0u64;
    loop {
        let n = read_some(&mut reader, &mut buf[filled..])?;
        total += n as u64;
        progress(total);
        let end = filled + n;
        let mut start = 0;
        let mut search_from = filled;
        while let Some(pos) = memchr::memchr(b'\n', &buf[search_from..end]) {
            let line_end = search_from + pos;
            each(line(&buf[start..line_end], dropped))?;
            dropped = 0;
            start = line_end + 1;
            search_from = start;
        }
        if n == 0 {
            if start < end || dropped > 0 {
                each(line(&buf[start..end], dropped))?;
            }
            return Ok(());
        }
        buf.copy_within(start..end, 0);
        filled = end - start;
        if filled > MAX_LINE {
            dropped += (filled - MAX_LINE) as u64;
            filled = MAX_LINE;
        }
    }
}

/// A line from its kept bytes (possibly more than MAX_LINE when it ended in one chunk)
/// and the bytes dropped from it earlier.
fn line(raw: &[u8], dropped: u64) -> Line<'_> {
    let full = raw.len() as u64 + dropped;
    let ends_in_cr = raw.last() == Some(&b'\r') && raw.len() <= MAX_LINE && dropped == 0;
    let full_len = if ends_in_cr { full - 1 } else { full };
    let kept = if ends_in_cr {
        &raw[..raw.len() - 1]
    } else {
        &raw[..raw.len().min(MAX_LINE)]
    };
    Line {
        bytes: kept,
        full_len,
    }
}

fn read_some<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `step` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn collect(data: &[u8], step: usize) -> Vec<(Vec<u8>, u64)> {
        let mut out = Vec::new();
        for_each_line::<_, io::Error>(
            Trickle { data, step },
            |_| {},
            |l| {
                out.push((l.bytes.to_vec(), l.full_len));
                Ok(())
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn splits_lines_with_both_endings_and_a_last_line_without_one() {
        for step in [1, 3, 7, 1 << 20] {
            let lines = collect(b"a\r\nbb\n\nccc", step);
            let expected: Vec<(Vec<u8>, u64)> = vec![
                (b"a".to_vec(), 1),
                (b"bb".to_vec(), 2),
                (b"".to_vec(), 0),
                (b"ccc".to_vec(), 3),
            ];
            assert_eq!(lines, expected, "step {step}");
        }
        assert!(collect(b"", 5).is_empty());
        assert_eq!(collect(b"x\n", 5).len(), 1);
    }

    #[test]
    fn overlong_lines_keep_a_prefix_and_their_length() {
        let mut data = vec![b'x'; 3 * BUFFER + 5];
        data.extend_from_slice(b"\nnext\n");
        data.extend(std::iter::repeat_n(b'y', MAX_LINE + 1));
        for step in [4096, 1 << 20] {
            let lines = collect(&data, step);
            assert_eq!(lines.len(), 3);
            assert_eq!(lines[0].0.len(), MAX_LINE);
            assert_eq!(lines[0].1, (3 * BUFFER + 5) as u64);
            assert_eq!(lines[1], (b"next".to_vec(), 4));
            assert_eq!(
                (lines[2].0.len(), lines[2].1),
                (MAX_LINE, MAX_LINE as u64 + 1)
            );
        }
    }
}
