//! Chunked transfer coding: checking that a chunked body is complete, and decoding it
//! in place.

use super::{Http1Error, find, number};

/// One step through a chunked body.
enum ChunkStep {
    /// A chunk's data at `start..start + len`.
    Data { start: usize, len: usize },
    /// The last chunk and its trailers end here.
    End,
    /// More bytes are needed.
    NeedMore,
}

/// Walks a chunked body one chunk at a time, holding only a position, so that the
/// caller may move bytes between steps (decoding in place).
struct ChunkCursor {
    at: usize,
}

impl ChunkCursor {
    fn step(&mut self, body: &[u8]) -> Result<ChunkStep, Http1Error> {
        let at = self.at;
        let Some(line) = find(&body[at..], b"\r\n") else {
            // A size line is a few hex digits and perhaps an extension.
            return if body.len() - at > 64 {
                Err(Http1Error::BadChunk)
            } else {
                Ok(ChunkStep::NeedMore)
            };
        };
        let size_text = body[at..at + line]
            .split(|&b| b == b';')
            .next()
            .unwrap_or_default();
        let size = number(size_text.trim_ascii(), 16).ok_or(Http1Error::BadChunk)?;
        let data = at + line + 2;
        if size == 0 {
            // Trailers, then a blank line.
            let mut t = data;
            loop {
                let Some(end) = find(&body[t..], b"\r\n") else {
                    return Ok(ChunkStep::NeedMore);
                };
                if end == 0 {
                    return Ok(ChunkStep::End);
                }
                t += end + 2;
            }
        }
        let after = data
            .checked_add(size)
            .and_then(|d| d.checked_add(2))
            .ok_or(Http1Error::BadChunk)?;
        if body.len() < after {
            return Ok(ChunkStep::NeedMore);
        }
        if &body[after - 2..after] != b"\r\n" {
            return Err(Http1Error::BadChunk);
        }
        self.at = after;
        Ok(ChunkStep::Data {
            start: data,
            len: size,
        })
    }
}

/// Checks a chunked body: `Ok(true)` when it is complete (last chunk and trailers),
/// `Ok(false)` when more bytes are needed.
pub fn chunked_complete(body: &[u8]) -> Result<bool, Http1Error> {
    let mut cursor = ChunkCursor { at: 0 };
    loop {
        match cursor.step(body)? {
            ChunkStep::Data { .. } => {}
            ChunkStep::End => return Ok(true),
            ChunkStep::NeedMore => return Ok(false),
        }
    }
}

/// Decodes a complete chunked body in place; returns the decoded length. Each chunk's
/// data moves forward over the size lines before it; the cursor only reads ahead of
/// what was moved.
pub fn dechunk_in_place(body: &mut [u8]) -> Result<usize, Http1Error> {
    let mut cursor = ChunkCursor { at: 0 };
    let mut write = 0;
    loop {
        match cursor.step(body)? {
            ChunkStep::Data { start, len } => {
                // Forward, a byte at a time: `write` is behind `start`, so each byte
                // is read before it is overwritten. (`copy_within` would link the
                // general memmove, 1.5 KiB of firmware flash, for this one use.)
                for offset in 0..len {
                    body[write + offset] = body[start + offset];
                }
                write += len;
            }
            ChunkStep::End => return Ok(write),
            ChunkStep::NeedMore => return Err(Http1Error::Truncated),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_in_place_and_broken_ones_fail() {
        let mut body = *b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n";
        assert_eq!(chunked_complete(&body), Ok(true));
        let n = dechunk_in_place(&mut body).unwrap();
        assert_eq!(&body[..n], b"hello world");
        assert_eq!(chunked_complete(b"5\r\nhel"), Ok(false));
        assert_eq!(
            chunked_complete(b"5\r\nhelloXX0\r\n\r\n"),
            Err(Http1Error::BadChunk)
        );
        assert_eq!(chunked_complete(b"zz\r\n"), Err(Http1Error::BadChunk));
        assert_eq!(
            chunked_complete(b"ffffffffffffffff\r\n"),
            Err(Http1Error::BadChunk)
        );
        assert_eq!(chunked_complete(&[b'1'; 100]), Err(Http1Error::BadChunk));
    }
}
