//! A small HTTP/1.1 response codec for adapters that speak HTTP themselves (firmware):
//! the head (status, `Retry-After` and its value in seconds, framing), and bodies by `Content-Length`, chunked
//! encoding (decoded in place) or connection close. Bounded by the caller's buffer;
//! malformed input is a typed error.

use core::fmt;
use core::time::Duration;

/// The most header lines read.
pub const MAX_HEADERS: usize = 64;

/// How the body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Framing {
    /// Exactly this many bytes.
    Length(usize),
    /// Chunked transfer coding.
    Chunked,
    /// Until the peer closes the connection.
    UntilClose,
}

/// A parsed response head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head<'a> {
    /// The status code.
    pub status: u16,
    /// The raw `Retry-After` value.
    pub retry_after: Option<&'a [u8]>,
    /// The raw `Idempotency-Key` value (a service that honours keys echoes them).
    pub idempotency_key: Option<&'a [u8]>,
    /// How the body is delimited.
    pub framing: Framing,
    /// Bytes of the head, blank line included: the body starts here.
    pub len: usize,
}

/// A response that is not HTTP/1.1 as we accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Http1Error {
    /// The head does not fit the buffer, or has too many header lines.
    HeadTooLarge,
    /// The status line is not `HTTP/1.x NNN reason`.
    BadStatusLine,
    /// A header line has no colon, or holds bytes that are not allowed.
    BadHeader,
    /// `Content-Length` is not a number, or appears twice with different values.
    BadContentLength,
    /// The chunked encoding is broken.
    BadChunk,
    /// The body is larger than the buffer.
    BodyTooLarge,
    /// The connection closed before the body was complete.
    Truncated,
}

impl fmt::Display for Http1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Http1Error::HeadTooLarge => "response head too large",
            Http1Error::BadStatusLine => "malformed status line",
            Http1Error::BadHeader => "malformed header line",
            Http1Error::BadContentLength => "malformed Content-Length",
            Http1Error::BadChunk => "malformed chunked encoding",
            Http1Error::BodyTooLarge => "response body too large for the buffer",
            Http1Error::Truncated => "connection closed before the response was complete",
        })
    }
}

impl core::error::Error for Http1Error {}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn number(digits: &[u8], radix: u32) -> Option<usize> {
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    digits.iter().try_fold(0usize, |n, &b| {
        let d = (b as char).to_digit(radix)?;
        Some(n * radix as usize + d as usize)
    })
}

/// Parses the head at the start of `buf`: `Ok(None)` while the blank line that ends it
/// has not arrived (and `buf` may still grow to `capacity`).
pub fn parse_head(buf: &[u8], capacity: usize) -> Result<Option<Head<'_>>, Http1Error> {
    let Some(end) = find(buf, b"\r\n\r\n") else {
        return if buf.len() >= capacity {
            Err(Http1Error::HeadTooLarge)
        } else {
            Ok(None)
        };
    };
    let mut lines = buf[..end].split(|&b| b == b'\n');
    let status_line = lines.next().unwrap_or_default();
    let status_line = status_line.strip_suffix(b"\r").unwrap_or(status_line);
    let status = match status_line {
        [
            b'H',
            b'T',
            b'T',
            b'P',
            b'/',
            b'1',
            b'.',
            b'0' | b'1',
            b' ',
            a,
            b,
            c,
            rest @ ..,
        ] if rest.is_empty() || rest[0] == b' ' => number(&[*a, *b, *c], 10)
            .filter(|s| (100..=599).contains(s))
            .ok_or(Http1Error::BadStatusLine)?
            as u16,
        _ => return Err(Http1Error::BadStatusLine),
    };
    let (mut retry_after, mut idempotency_key) = (None, None);
    let (mut length, mut chunked) = (None, false);
    for (count, line) in lines.enumerate() {
        if count >= MAX_HEADERS {
            return Err(Http1Error::HeadTooLarge);
        }
        // Every line but the last still carries its `\r` (the split is on `\n`).
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.contains(&b'\r') {
            return Err(Http1Error::BadHeader);
        }
        let colon = line
            .iter()
            .position(|&b| b == b':')
            .ok_or(Http1Error::BadHeader)?;
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) || value.contains(&0) {
            return Err(Http1Error::BadHeader);
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            let n = number(value, 10).ok_or(Http1Error::BadContentLength)?;
            if length.is_some_and(|l| l != n) {
                return Err(Http1Error::BadContentLength);
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            chunked = value.eq_ignore_ascii_case(b"chunked");
        } else if name.eq_ignore_ascii_case(b"retry-after") {
            retry_after = Some(value);
        } else if name.eq_ignore_ascii_case(b"idempotency-key") {
            idempotency_key = Some(value);
        }
    }
    let framing = match (chunked, length) {
        (true, _) => Framing::Chunked,
        (false, Some(n)) => Framing::Length(n),
        (false, None) if status == 204 || status == 304 => Framing::Length(0),
        (false, None) => Framing::UntilClose,
    };
    Ok(Some(Head {
        status,
        retry_after,
        idempotency_key,
        framing,
        len: end + 4,
    }))
}

/// Reads a `Retry-After` header value given in seconds (`120`). The HTTP-date form is
/// not understood and gives `None`, as do values above a day.
pub fn parse_retry_after(value: &[u8]) -> Option<Duration> {
    let trimmed = value.trim_ascii();
    if trimmed.is_empty() || trimmed.len() > 6 || !trimmed.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let seconds = trimmed
        .iter()
        .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
    (seconds <= 86_400).then(|| Duration::from_secs(seconds))
}

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
                body.copy_within(start..start + len, write);
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
    fn heads_with_length_chunked_and_close_framing() {
        let buf = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nRetry-After: 3\r\nIdempotency-Key: k1\r\n\r\nhello";
        let head = parse_head(buf, 512).unwrap().unwrap();
        assert_eq!(
            (head.status, head.framing, head.retry_after),
            (200, Framing::Length(5), Some(&b"3"[..]))
        );
        assert_eq!(head.idempotency_key, Some(&b"k1"[..]));
        assert_eq!(&buf[head.len..], b"hello");
        let head = parse_head(
            b"HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n",
            512,
        )
        .unwrap()
        .unwrap();
        assert_eq!(head.framing, Framing::Chunked);
        let head = parse_head(b"HTTP/1.0 200 OK\r\n\r\n", 512)
            .unwrap()
            .unwrap();
        assert_eq!(head.framing, Framing::UntilClose);
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Le", 512), Ok(None));
    }

    #[test]
    fn malformed_heads_are_typed_errors() {
        assert_eq!(
            parse_head(b"<html>\r\n\r\n", 512),
            Err(Http1Error::BadStatusLine)
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 99 x\r\n\r\n", 512),
            Err(Http1Error::BadStatusLine)
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\nno colon\r\n\r\n", 512),
            Err(Http1Error::BadHeader)
        );
        assert_eq!(
            parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 512),
            Err(Http1Error::BadContentLength)
        );
        assert_eq!(
            parse_head(
                b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                512
            ),
            Err(Http1Error::BadContentLength)
        );
        assert_eq!(parse_head(&[b'X'; 100], 100), Err(Http1Error::HeadTooLarge));
        let mut many = std::vec::Vec::from(&b"HTTP/1.1 200 OK\r\n"[..]);
        for _ in 0..100 {
            many.extend_from_slice(b"X: y\r\n");
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(parse_head(&many, 4096), Err(Http1Error::HeadTooLarge));
    }

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

    #[test]
    fn retry_after_in_seconds_only() {
        assert_eq!(parse_retry_after(b" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(b"Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after(b"-1"), None);
        assert_eq!(parse_retry_after(b"9999999"), None);
        assert_eq!(parse_retry_after(b""), None);
    }
}
