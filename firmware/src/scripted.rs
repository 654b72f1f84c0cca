//! A scripted ID service inside the image, for the firmware example. QEMU's mps2-an386
//! board has an Ethernet controller, but reaching the host's reference service through
//! it would take a driver and an IP stack that this example is not about; so the
//! service is here, behind the same `Connect` a real network would give: HTTP/1.1 over
//! an in-memory connection, answering as the reference service does (a minted ID of the
//! type asked for, validation, health), with an outage the example switches on (the
//! link goes down: connections fail, as an embassy-net socket's do without a link).

use core::sync::atomic::{AtomicBool, AtomicU16, Ordering};

use chittyid_embassy::{Connect, ConnectError};
use embedded_io_async::{ErrorKind, ErrorType, Read, Write};

/// While set, the link is down.
pub static DOWN: AtomicBool = AtomicBool::new(false);
/// How many IDs the service has minted.
static SEQUENCE: AtomicU16 = AtomicU16::new(0);

/// The network to the scripted service.
pub struct Network;

impl Connect for Network {
    type Connection = Exchange;

    async fn connect(&mut self) -> Result<Exchange, ConnectError> {
        if DOWN.load(Ordering::SeqCst) {
            return Err(ConnectError);
        }
        Ok(Exchange {
            request: [0; KEPT],
            written: 0,
            answer: None,
            read: 0,
        })
    }
}

/// How much of a request the service keeps: enough for its request line's start.
const KEPT: usize = 32;

/// What the service answers a request with: whole HTTP/1.1 answers, as bytes.
type Reply = &'static [u8];

/// The IDs the service mints, in turn (a real service's sequence numbers; check values
/// computed by `chittyid checksum`).
const MINTED: [&[u8]; 2] = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 55\r\n\r\n{\"success\":true,\"chittyId\":\"03-1-USA-0001-T-2612-1-12\"}",
    b"HTTP/1.1 200 OK\r\nContent-Length: 55\r\n\r\n{\"success\":true,\"chittyId\":\"03-1-USA-0002-T-2612-1-33\"}",
];
const VALID: Reply = b"HTTP/1.1 200 OK\r\nContent-Length: 14\r\n\r\n{\"valid\":true}";
const HEALTHY: Reply = b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}";
const NOT_FOUND: Reply = b"HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n";

/// One connection: the request as it is written (its start), then the answer to it.
pub struct Exchange {
    request: [u8; KEPT],
    written: usize,
    /// Decided at the first read.
    answer: Option<Reply>,
    read: usize,
}

impl ErrorType for Exchange {
    type Error = ErrorKind;
}

impl Write for Exchange {
    async fn write(&mut self, bytes: &[u8]) -> Result<usize, ErrorKind> {
        // The start is kept; the rest (headers, body) is read and dropped.
        let room = &mut self.request[self.written..];
        let kept = bytes.len().min(room.len());
        room[..kept].copy_from_slice(&bytes[..kept]);
        self.written += kept;
        Ok(bytes.len())
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

impl Read for Exchange {
    async fn read(&mut self, into: &mut [u8]) -> Result<usize, ErrorKind> {
        if DOWN.load(Ordering::SeqCst) {
            return Err(ErrorKind::ConnectionReset);
        }
        let reply = *self
            .answer
            .get_or_insert_with(|| reply(&self.request[..self.written]));
        let rest = reply.get(self.read..).unwrap_or_default();
        let n = rest.len().min(into.len());
        into[..n].copy_from_slice(&rest[..n]);
        self.read += n;
        Ok(n)
    }
}

/// The reply to a request, from its request line.
fn reply(request: &[u8]) -> Reply {
    if request.starts_with(b"POST /v1/mint?type=thing") {
        MINTED[usize::from(SEQUENCE.fetch_add(1, Ordering::SeqCst)) % MINTED.len()]
    } else if request.starts_with(b"POST /api/validate") {
        VALID
    } else if request.starts_with(b"GET /health") {
        HEALTHY
    } else {
        NOT_FOUND
    }
}
