//! One HTTP exchange over a fresh connection: write the request, read the answer into
//! the caller's buffer, and say how it ended in the engine's terms. No policy here.

use chittyid::resilience::Failure;
use chittyid::wire::http1::{self, Framing};
use embedded_io_async::{Read, Write};

use crate::client::Connect;

/// A complete answer inside the response buffer.
pub struct Answer {
    pub status: u16,
    /// Range of the `Retry-After` value in the buffer.
    pub retry_after: Option<(usize, usize)>,
    /// Range of the `Idempotency-Key` value in the buffer.
    pub idempotency_key: Option<(usize, usize)>,
    /// Range of the (decoded) body in the buffer, or of its start when `cut`.
    pub body: (usize, usize),
    /// The body did not fit the buffer.
    pub cut: bool,
}

/// How an exchange failed.
pub enum ExchangeError {
    /// A transport failure.
    Transport(Failure),
    /// The answer was not HTTP as accepted.
    Invalid,
}

fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

/// Connects, sends `request`, reads the answer into `buf`.
pub async fn exchange<C: Connect>(
    connector: &mut C,
    request: &[u8],
    buf: &mut [u8],
) -> Result<Answer, ExchangeError> {
    let mut conn = connector
        .connect()
        .await
        .map_err(|_| ExchangeError::Transport(Failure::NotSent))?;
    conn.write_all(request)
        .await
        .map_err(|_| ExchangeError::Transport(Failure::NoResponse))?;
    conn.flush()
        .await
        .map_err(|_| ExchangeError::Transport(Failure::NoResponse))?;
    let mut filled = 0;
    let head = loop {
        match http1::parse_head(&buf[..filled], buf.len()) {
            Ok(Some(head)) => {
                let range = |v: &[u8]| (offset_in(buf, v), offset_in(buf, v) + v.len());
                break (
                    head.status,
                    (head.retry_after.map(range), head.idempotency_key.map(range)),
                    head.framing,
                    head.len,
                );
            }
            Ok(None) => {}
            Err(_) => return Err(ExchangeError::Invalid),
        }
        match conn.read(&mut buf[filled..]).await {
            Ok(0) if filled == 0 => return Err(ExchangeError::Transport(Failure::NoResponse)),
            Ok(0) => return Err(ExchangeError::Invalid),
            Ok(n) => filled += n,
            Err(_) => return Err(ExchangeError::Transport(Failure::NoResponse)),
        }
    };
    let (status, (retry_after, idempotency_key), framing, start) = head;
    // A body larger than the buffer: the head (its status) is the service's answer, and
    // the engine decides what a cut body means, as it does for the std adapter.
    let cut = |filled| Answer {
        status,
        retry_after,
        idempotency_key,
        body: (start, filled),
        cut: true,
    };
    loop {
        let body = &buf[start..filled];
        let complete = match framing {
            Framing::Length(n) if start + n > buf.len() => return Ok(cut(filled)),
            Framing::Length(n) => body.len() >= n,
            Framing::Chunked => {
                http1::chunked_complete(body).map_err(|_| ExchangeError::Invalid)?
            }
            Framing::UntilClose => false,
        };
        if complete {
            break;
        }
        if filled == buf.len() {
            return Ok(cut(filled));
        }
        match conn.read(&mut buf[filled..]).await {
            Ok(0) if framing == Framing::UntilClose => break,
            Ok(0) => return Err(ExchangeError::Invalid),
            Ok(n) => filled += n,
            Err(_) => return Err(ExchangeError::Transport(Failure::NoResponse)),
        }
    }
    let end = match framing {
        Framing::Length(n) => start + n,
        Framing::Chunked => {
            start
                + http1::dechunk_in_place(&mut buf[start..filled])
                    .map_err(|_| ExchangeError::Invalid)?
        }
        Framing::UntilClose => filled,
    };
    Ok(Answer {
        status,
        retry_after,
        idempotency_key,
        body: (start, end),
        cut: false,
    })
}
