//! A scripted ID service inside the image, for the firmware example. QEMU's mps2-an386
//! board has an Ethernet controller, but reaching the host's reference service through
//! it would take a driver and an IP stack that this example is not about; so the
//! service is here, behind the same `Connect` a real network would give: HTTP/1.1 over
//! an in-memory connection, answering as the reference service does (a minted ID of the
//! type asked for, validation, health), with an outage the example switches on (the
//! link goes down: connections fail, as an embassy-net socket's do without a link).

use core::sync::atomic::{AtomicBool, AtomicU16, Ordering};

use chittyid::{ChittyId, EntityType, Jurisdiction, Parts, Region, TrustLevel, YearMonth};
use chittyid_embassy::{Connect, ConnectError};
use embedded_io_async::{ErrorKind, ErrorType, Read, Write};

/// While set, the link is down.
pub static DOWN: AtomicBool = AtomicBool::new(false);
/// The next sequence number the service mints.
static SEQUENCE: AtomicU16 = AtomicU16::new(1);

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
/// The longest answer the service gives.
const LONGEST: usize = 160;

/// What the service answers a request with.
#[derive(Clone, Copy)]
enum Reply {
    Minted(ChittyId),
    Valid,
    Healthy,
    Failed,
    NotFound,
}

/// One connection: the request as it is written (its start), then the answer to it,
/// written out afresh at each read (nothing but the reply is kept: the image's RAM is
/// for the client).
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
        let mut text = [0u8; LONGEST];
        let length = write_reply(reply, &mut text);
        let rest = &text[self.read.min(length)..length];
        let n = rest.len().min(into.len());
        into[..n].copy_from_slice(&rest[..n]);
        self.read += n;
        Ok(n)
    }
}

/// A minted ID of `entity_type`, with the next sequence number.
fn mint(entity_type: EntityType) -> Option<ChittyId> {
    ChittyId::new(Parts {
        version: 3,
        region: Region::from_digit(1)?,
        jurisdiction: Jurisdiction::new(*b"USA")?,
        sequence: SEQUENCE.fetch_add(1, Ordering::SeqCst) % 10_000,
        entity_type,
        year_month: YearMonth::new(26, 12)?,
        trust_level: TrustLevel::Basic,
    })
    .ok()
}

/// The reply to a request, from its request line.
fn reply(request: &[u8]) -> Reply {
    if request.starts_with(b"POST /v1/mint?type=thing") {
        mint(EntityType::Thing).map_or(Reply::Failed, Reply::Minted)
    } else if request.starts_with(b"POST /api/validate") {
        Reply::Valid
    } else if request.starts_with(b"GET /health") {
        Reply::Healthy
    } else {
        Reply::NotFound
    }
}

/// Writes `reply` (head and JSON body) into `out`; returns its length.
fn write_reply(reply: Reply, out: &mut [u8; LONGEST]) -> usize {
    let mut body = [0u8; 96];
    let mut body_len = 0;
    let mut put = |text: &[u8]| {
        let n = text.len().min(body.len() - body_len);
        body[body_len..body_len + n].copy_from_slice(&text[..n]);
        body_len += n;
    };
    let status: &[u8] = match reply {
        Reply::Minted(id) => {
            put(b"{\"success\":true,\"chittyId\":\"");
            put(id.to_buf().as_bytes());
            put(b"\"}");
            b"200 OK"
        }
        Reply::Valid => {
            put(b"{\"valid\":true}");
            b"200 OK"
        }
        Reply::Healthy => {
            put(b"{\"status\":\"ok\"}");
            b"200 OK"
        }
        Reply::Failed => b"500 Internal Server Error",
        Reply::NotFound => b"404 Not Found",
    };
    let mut at = 0;
    for part in [
        &b"HTTP/1.1 "[..],
        status,
        b"\r\nContent-Type: application/json\r\nContent-Length: ",
    ] {
        out[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    at += write_decimal(body_len, &mut out[at..]);
    out[at..at + 4].copy_from_slice(b"\r\n\r\n");
    at += 4;
    out[at..at + body_len].copy_from_slice(&body[..body_len]);
    at + body_len
}

/// Writes `n` in decimal; returns the digits written.
fn write_decimal(n: usize, out: &mut [u8]) -> usize {
    let mut digits = [0u8; 20];
    let (mut n, mut len) = (n, 0);
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for (i, digit) in digits[..len].iter().rev().enumerate() {
        out[i] = *digit;
    }
    len
}
