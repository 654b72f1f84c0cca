//! One HTTP exchange over a fresh connection: connect, write the request, read the
//! answer into the caller's buffer through the core's [`ResponseReader`], and hand on
//! the [`Fact`] it makes. No decision here: the engine decides what each fact means.

use chittyid::wire::{Fact, ResponseReader};
use embedded_io_async::{Read, Write};

use crate::client::Connect;

/// Connects, sends `request`, reads the answer into `buf`.
pub async fn exchange<'b, C: Connect>(
    connector: &mut C,
    request: &[u8],
    buf: &'b mut [u8],
) -> Fact<'b> {
    let Ok(mut conn) = connector.connect().await else {
        return Fact::NotSent;
    };
    if conn.write_all(request).await.is_err() || conn.flush().await.is_err() {
        return Fact::Broken;
    }
    let mut reader = ResponseReader::new();
    while !reader.is_finished() {
        match conn.read(reader.unfilled(buf)).await {
            Ok(n) => {
                reader.received(buf, n);
            }
            Err(_) => reader.read_failed(),
        }
    }
    let buf: &'b [u8] = buf;
    reader.fact(buf)
}
