//! HTTP/1.1, both directions, for adapters that speak HTTP themselves (firmware): the
//! request writer ([`Request::write_http1`](crate::wire::Request::write_http1) and its
//! size bound, in `request`), and the response side: the head (status, `Retry-After`,
//! framing; `head`), bodies by `Content-Length`, chunked encoding (decoded in place;
//! `chunked`) or connection close, and the sans-IO [`ResponseReader`] that turns reads
//! into a [`Fact`](crate::wire::Fact) (`reader`). Bounded by the caller's buffers;
//! malformed input is a typed error ([`Http1Error`], here).

use core::fmt;

mod chunked;
mod head;
mod reader;
mod request;

pub use chunked::{chunked_complete, dechunk_in_place};
pub use head::{Framing, Head, MAX_HEADERS, parse_head, parse_retry_after};
pub use reader::ResponseReader;

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

/// Where `needle` first starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A number of at most 8 digits in `radix`.
fn number(digits: &[u8], radix: u32) -> Option<usize> {
    if digits.is_empty() || digits.len() > 8 {
        return None;
    }
    digits.iter().try_fold(0usize, |n, &b| {
        let d = (b as char).to_digit(radix)?;
        Some(n * radix as usize + d as usize)
    })
}
