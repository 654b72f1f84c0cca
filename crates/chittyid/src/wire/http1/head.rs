//! The response head: the status line and the headers the client reads (`Retry-After`,
//! `Idempotency-Key`, the body's framing), and the `Retry-After` value in seconds.

use core::time::Duration;

use super::{Http1Error, find, number};

/// The most header lines read.
pub const MAX_HEADERS: usize = 64;

/// How the body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_enums,
    reason = "HTTP/1.1's three ways to delimit a body"
)]
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
#[non_exhaustive]
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

/// Parses the head at the start of `buf`: `Ok(None)` while the blank line that ends it
/// has not arrived (and `buf` may still grow to `capacity`). Bytes that cannot begin a
/// status line are refused at once, without waiting for the blank line.
pub fn parse_head(buf: &[u8], capacity: usize) -> Result<Option<Head<'_>>, Http1Error> {
    const START: &[u8] = b"HTTP/1.";
    if !START.starts_with(&buf[..buf.len().min(START.len())]) {
        return Err(Http1Error::BadStatusLine);
    }
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
        // A status line that never ends fills the buffer; garbage is refused at once.
        let mut endless = std::vec::Vec::from(&b"HTTP/1.1 200 "[..]);
        endless.resize(100, b'X');
        assert_eq!(parse_head(&endless, 100), Err(Http1Error::HeadTooLarge));
        assert_eq!(
            parse_head(&[b'X'; 100], 100),
            Err(Http1Error::BadStatusLine)
        );
        assert_eq!(parse_head(b"HTT", 100), Ok(None));
        assert_eq!(parse_head(b"HTTX", 100), Err(Http1Error::BadStatusLine));
        let mut many = std::vec::Vec::from(&b"HTTP/1.1 200 OK\r\n"[..]);
        for _ in 0..100 {
            many.extend_from_slice(b"X: y\r\n");
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(parse_head(&many, 4096), Err(Http1Error::HeadTooLarge));
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
