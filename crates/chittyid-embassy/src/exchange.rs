//! One HTTP exchange over a fresh connection: connect, write the request, read the
//! answer into the caller's buffer through the core's [`ResponseReader`], each step
//! within its own time-out, and hand on the [`Fact`] it makes. No decision here: the
//! engine decides what each fact means.

use chittyid::wire::{Fact, ResponseReader};
use embassy_time::with_timeout;
use embedded_io_async::{Read, Write};

use crate::connect::Connect;
use crate::settings::Timeouts;

/// A step's time-out as embassy time.
fn within(limit: core::time::Duration) -> embassy_time::Duration {
    let millis = limit.as_secs().saturating_mul(1000);
    embassy_time::Duration::from_millis(millis.saturating_add(u64::from(limit.subsec_millis())))
}

/// Connects, sends `request`, reads the answer into `buf`. A connect that fails or
/// stalls is not sent; a write that fails, or a read that fails or stalls, breaks the
/// connection.
pub async fn exchange<'b, C: Connect>(
    connector: &mut C,
    request: &[u8],
    buf: &'b mut [u8],
    timeouts: Timeouts,
) -> Fact<'b> {
    let Ok(Ok(mut conn)) = with_timeout(within(timeouts.connect), connector.connect()).await else {
        return Fact::NotSent;
    };
    // A write that stalls is bounded by the attempt's time-out; each read by its own.
    if conn.write_all(request).await.is_err() || conn.flush().await.is_err() {
        return Fact::Broken;
    }
    let mut reader = ResponseReader::new();
    while !reader.is_finished() {
        match with_timeout(within(timeouts.read), conn.read(reader.unfilled(buf))).await {
            Ok(Ok(n)) => {
                reader.received(buf, n);
            }
            Ok(Err(_)) | Err(_) => reader.read_failed(),
        }
    }
    let buf: &'b [u8] = buf;
    reader.fact(buf)
}
