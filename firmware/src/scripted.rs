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
            request: [0; 512],
            written: 0,
            answer: [0; 192],
            length: None,
            read: 0,
        })
    }
}

/// One connection: the request as it is written, then the answer to it.
pub struct Exchange {
    request: [u8; 512],
    written: usize,
    answer: [u8; 192],
    /// The answer's length once it is made (at the first read).
    length: Option<usize>,
    read: usize,
}

impl ErrorType for Exchange {
    type Error = ErrorKind;
}

impl Write for Exchange {
    async fn write(&mut self, bytes: &[u8]) -> Result<usize, ErrorKind> {
        let room = &mut self.request[self.written..];
        let n = bytes.len().min(room.len());
        if n == 0 && !bytes.is_empty() {
            return Err(ErrorKind::OutOfMemory);
        }
        room[..n].copy_from_slice(&bytes[..n]);
        self.written += n;
        Ok(n)
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
        let length = match self.length {
            Some(length) => length,
            None => {
                let length = answer(&self.request[..self.written], &mut self.answer);
                self.length = Some(length);
                length
            }
        };
        let rest = &self.answer[self.read..length];
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

/// Writes the answer to `request` (head and JSON body) into `out`; returns its length.
fn answer(request: &[u8], out: &mut [u8]) -> usize {
    let mut body = [0u8; 96];
    let mut body_len = 0;
    let mut put = |text: &[u8]| {
        let n = text.len().min(body.len() - body_len);
        body[body_len..body_len + n].copy_from_slice(&text[..n]);
        body_len += n;
    };
    let status: &[u8] = if request.starts_with(b"POST /v1/mint?type=thing") {
        match mint(EntityType::Thing) {
            Some(id) => {
                put(b"{\"success\":true,\"chittyId\":\"");
                put(id.to_buf().as_bytes());
                put(b"\"}");
                b"200 OK"
            }
            None => b"500 Internal Server Error",
        }
    } else if request.starts_with(b"POST /api/validate") {
        put(b"{\"valid\":true}");
        b"200 OK"
    } else if request.starts_with(b"GET /health") {
        put(b"{\"status\":\"ok\"}");
        b"200 OK"
    } else {
        b"404 Not Found"
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
