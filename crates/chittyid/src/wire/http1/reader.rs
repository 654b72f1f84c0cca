//! A sans-IO HTTP/1.1 response reader: an adapter reads bytes from its connection into
//! a buffer it owns and hands each read to the reader, which says when the answer is
//! over and what [`Fact`] it makes. The reader holds only positions, so the answer's
//! head values and body are borrowed from the adapter's buffer.

use super::{Framing, chunked_complete, dechunk_in_place, parse_head};
use crate::wire::{Fact, Response};

/// Where a value lies in the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

impl Span {
    fn of(outer: &[u8], inner: &[u8]) -> Span {
        let start = inner.as_ptr() as usize - outer.as_ptr() as usize;
        Span {
            start,
            end: start + inner.len(),
        }
    }

    fn get(self, buf: &[u8]) -> &[u8] {
        buf.get(self.start..self.end).unwrap_or_default()
    }
}

/// A head that has arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HeadAt {
    status: u16,
    retry_after: Option<Span>,
    idempotency_key: Option<Span>,
    framing: Framing,
    /// The body starts here.
    start: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for the blank line that ends the head.
    Head,
    /// The head is in; the body is arriving.
    Body(HeadAt),
    /// An answer: its body lies in `body` (its start only when `cut`).
    Answered { head: HeadAt, body: Span, cut: bool },
    /// The connection ended (or failed) before a head arrived.
    Broken,
    /// What arrived is not HTTP as accepted.
    NotHttp,
}

/// Reads one HTTP/1.1 answer into the caller's buffer: the adapter reads from its
/// connection into the buffer and hands each read to the reader, which says when the
/// answer is over and what [`Fact`] it makes. The reader holds only positions, so the
/// answer's head values and body are borrowed from the buffer. A body larger than the
/// buffer is kept cut (its start), never read whole.
///
/// ```
/// use chittyid::wire::{Fact, ResponseReader};
///
/// let mut buf = [0u8; 256];
/// let mut reader = ResponseReader::new();
/// // The adapter reads from its connection into `reader.unfilled(&mut buf)`: here,
/// // the whole answer arrives in one read.
/// let bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"valid\":true}";
/// reader.unfilled(&mut buf)[..bytes.len()].copy_from_slice(bytes);
/// assert!(reader.received(&mut buf, bytes.len()));
/// let Fact::Answered(answer) = reader.fact(&buf) else { panic!() };
/// assert_eq!((answer.status, answer.body), (200, &b"{\"valid\":true}"[..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseReader {
    filled: usize,
    state: State,
}

impl Default for ResponseReader {
    fn default() -> Self {
        ResponseReader::new()
    }
}

impl ResponseReader {
    /// A reader at the start of an answer.
    pub const fn new() -> ResponseReader {
        ResponseReader {
            filled: 0,
            state: State::Head,
        }
    }

    /// `true` once the answer is over (complete, cut, broken or not HTTP).
    pub fn is_finished(&self) -> bool {
        !matches!(self.state, State::Head | State::Body(_))
    }

    /// The part of `buf` the next read goes into (empty once finished).
    pub fn unfilled<'b>(&self, buf: &'b mut [u8]) -> &'b mut [u8] {
        match self.state {
            State::Head | State::Body(_) => buf.get_mut(self.filled..).unwrap_or_default(),
            _ => &mut [],
        }
    }

    /// `n` more bytes were read into [`ResponseReader::unfilled`] (`0`: the peer
    /// closed the connection). Returns `true` when the answer is over.
    pub fn received(&mut self, buf: &mut [u8], n: usize) -> bool {
        if self.is_finished() {
            return true;
        }
        let closed = n == 0;
        self.filled = (self.filled + n).min(buf.len());
        if let State::Head = self.state {
            self.state = match parse_head(&buf[..self.filled], buf.len()) {
                Ok(Some(head)) => State::Body(HeadAt {
                    status: head.status,
                    retry_after: head.retry_after.map(|v| Span::of(buf, v)),
                    idempotency_key: head.idempotency_key.map(|v| Span::of(buf, v)),
                    framing: head.framing,
                    start: head.len,
                }),
                // Closed before a whole head: no answer came (as hyper says too).
                Ok(None) if closed => State::Broken,
                Ok(None) => State::Head,
                Err(_) => State::NotHttp,
            };
        }
        if let State::Body(head) = self.state {
            self.state = self.body(buf, head, closed);
        }
        self.is_finished()
    }

    /// The read failed (the connection broke): before a head arrived the service may
    /// have acted without answering; after it, the answer is cut off.
    pub fn read_failed(&mut self) {
        self.state = match self.state {
            State::Head => State::Broken,
            State::Body(_) => State::NotHttp,
            done => done,
        };
    }

    /// What the answer makes, once [`ResponseReader::received`] said it is over
    /// (before that, [`Fact::Broken`]).
    pub fn fact<'b>(&self, buf: &'b [u8]) -> Fact<'b> {
        match self.state {
            State::Answered { head, body, cut } => Fact::Answered(Response {
                status: head.status,
                retry_after: head.retry_after.map(|s| s.get(buf)),
                idempotency_key: head.idempotency_key.map(|s| s.get(buf)),
                body: body.get(buf),
                cut,
            }),
            State::NotHttp => Fact::NotHttp,
            State::Head | State::Body(_) | State::Broken => Fact::Broken,
        }
    }

    /// The next state once the head is in: still arriving, complete (chunked bodies
    /// decoded in place), cut at the buffer's end, or broken.
    fn body(&self, buf: &mut [u8], head: HeadAt, closed: bool) -> State {
        let (start, filled) = (head.start, self.filled);
        let cut = State::Answered {
            head,
            body: Span { start, end: filled },
            cut: true,
        };
        let complete = match head.framing {
            Framing::Length(n) if n > buf.len() - start => return cut,
            Framing::Length(n) => filled - start >= n,
            Framing::Chunked => match chunked_complete(&buf[start..filled]) {
                Ok(complete) => complete,
                Err(_) => return State::NotHttp,
            },
            Framing::UntilClose => closed,
        };
        if !complete {
            return match () {
                () if filled == buf.len() => cut,
                () if closed => State::NotHttp,
                () => State::Body(head),
            };
        }
        let end = match head.framing {
            Framing::Length(n) => start + n,
            Framing::Chunked => match dechunk_in_place(&mut buf[start..filled]) {
                Ok(len) => start + len,
                Err(_) => return State::NotHttp,
            },
            Framing::UntilClose => filled,
        };
        State::Answered {
            head,
            body: Span { start, end },
            cut: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;
    use std::vec::Vec;

    /// How an answer ended, owned: the fact's name, or the status, cut flag and body.
    #[derive(Debug, PartialEq, Eq)]
    enum Seen {
        Broken,
        NotHttp,
        Answered {
            status: u16,
            cut: bool,
            body: Vec<u8>,
        },
    }

    fn seen(fact: Fact<'_>) -> Seen {
        match fact {
            Fact::Answered(r) => Seen::Answered {
                status: r.status,
                cut: r.cut,
                body: r.body.to_vec(),
            },
            Fact::NotHttp => Seen::NotHttp,
            _ => Seen::Broken,
        }
    }

    /// Feeds `bytes` in reads of `step` bytes into a buffer of `capacity`, then the
    /// close when `close`.
    fn read(bytes: &[u8], step: usize, capacity: usize, close: bool) -> Seen {
        let mut buf = vec![0u8; capacity];
        let mut reader = ResponseReader::new();
        let mut sent = 0;
        while !reader.is_finished() && sent < bytes.len() {
            let room = reader.unfilled(&mut buf);
            let n = step.min(room.len()).min(bytes.len() - sent);
            room[..n].copy_from_slice(&bytes[sent..sent + n]);
            sent += n;
            reader.received(&mut buf, n);
        }
        if close && !reader.is_finished() {
            reader.received(&mut buf, 0);
        }
        seen(reader.fact(&buf))
    }

    fn answered(status: u16, body: &[u8]) -> Seen {
        Seen::Answered {
            status,
            cut: false,
            body: body.to_vec(),
        }
    }

    #[test]
    fn complete_answers_in_any_read_sizes() {
        let framed: [&[u8]; 3] = [
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
            b"HTTP/1.0 200 OK\r\n\r\nhello",
        ];
        for bytes in framed {
            for step in [1, 3, 7, 1000] {
                assert_eq!(
                    read(bytes, step, 256, true),
                    answered(200, b"hello"),
                    "{step}"
                );
            }
        }
    }

    #[test]
    fn headers_the_engine_reads_are_kept() {
        let bytes = b"HTTP/1.1 429 Too Many\r\nRetry-After: 3\r\nIdempotency-Key: k\r\nContent-Length: 0\r\n\r\n";
        let mut buf = [0u8; 256];
        let mut reader = ResponseReader::new();
        reader.unfilled(&mut buf)[..bytes.len()].copy_from_slice(bytes);
        assert!(reader.received(&mut buf, bytes.len()));
        let Fact::Answered(r) = reader.fact(&buf) else {
            panic!("an answer")
        };
        assert_eq!(r.retry_after, Some(&b"3"[..]));
        assert_eq!(r.idempotency_key, Some(&b"k"[..]));
    }

    #[test]
    fn a_body_larger_than_the_buffer_is_cut_and_its_status_kept() {
        let mut big = b"HTTP/1.1 503 Unavailable\r\nContent-Length: 5000\r\n\r\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', 5000));
        let Seen::Answered { status, cut, body } = read(&big, 100, 512, false) else {
            panic!("an answer")
        };
        assert!(status == 503 && cut);
        assert!(body.len() < 512 && body.iter().all(|&b| b == b'x'));
        // Without a length, the buffer filling up is what cuts it.
        let mut open = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
        open.extend(std::iter::repeat_n(b'y', 5000));
        assert!(matches!(
            read(&open, 64, 512, false),
            Seen::Answered {
                status: 200,
                cut: true,
                ..
            }
        ));
    }

    #[test]
    fn broken_and_non_http_answers() {
        assert_eq!(read(b"", 10, 256, true), Seen::Broken);
        // A head cut off by the close is no answer: the connection broke.
        assert_eq!(read(b"HTTP/1.1 200 O", 10, 256, true), Seen::Broken);
        // Bytes that cannot begin an answer are refused at once, blank line or not.
        assert_eq!(read(b"<html>", 10, 256, false), Seen::NotHttp);
        assert_eq!(read(b"<html>\r\n\r\n", 10, 256, true), Seen::NotHttp);
        let short = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort";
        assert_eq!(read(short, 10, 256, true), Seen::NotHttp);
        let chunk = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert_eq!(read(chunk, 10, 256, false), Seen::NotHttp);
        // A head that never ends fills the buffer: not HTTP as accepted.
        assert_eq!(read(&[b'X'; 600], 50, 256, false), Seen::NotHttp);
        // A reset after the head cuts the answer off; before it, nothing came.
        let mut reader = ResponseReader::new();
        reader.read_failed();
        assert_eq!(reader.fact(&[]), Fact::Broken);
        let mut buf = [0u8; 64];
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab";
        let mut reader = ResponseReader::new();
        reader.unfilled(&mut buf)[..head.len()].copy_from_slice(head);
        assert!(!reader.received(&mut buf, head.len()));
        reader.read_failed();
        assert_eq!(reader.fact(&buf), Fact::NotHttp);
    }

    #[test]
    fn an_empty_buffer_is_not_http_rather_than_a_loop() {
        let mut buf = [0u8; 0];
        let mut reader = ResponseReader::new();
        assert!(reader.unfilled(&mut buf).is_empty());
        assert!(reader.received(&mut buf, 0));
        assert_eq!(reader.fact(&buf), Fact::NotHttp);
    }
}
