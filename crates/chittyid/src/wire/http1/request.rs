//! The HTTP/1.1 request writer: a [`Request`]'s head and body as bytes, for adapters
//! that write requests themselves, and the bound to size their buffer with.

use crate::wire::WireError;
use crate::wire::request::{Cursor, Full, Method, Request, USER_AGENT};
use crate::wire::{Host, Token};

impl Request<'_> {
    /// The most bytes [`Request::write_http1`] writes for a `Host` of `host` bytes and a
    /// token of `token` bytes: size an adapter's request buffer with it (a longer token
    /// needs a larger buffer; a request that does not fit is never sent).
    pub const fn max_http1_len(host: usize, token: usize) -> usize {
        const FIXED: usize = "POST  HTTP/1.1\r\nHost: \r\n".len()
            + "Accept: application/json\r\nUser-Agent: \r\n".len()
            + USER_AGENT.len()
            + "Connection: close\r\n".len()
            + "Authorization: Bearer \r\n".len()
            + "Idempotency-Key: \r\n".len()
            + "Content-Type: application/json\r\nContent-Length: 000\r\n\r\n".len();
        FIXED + host + token + Request::MAX_PARTS
    }

    /// The whole HTTP/1.1 request (head and body) for `host`, into `out`; the token is
    /// sent only when the request carries it, and `Connection: close` when the adapter
    /// opens a connection per request (`close`). Returns the length written. At most
    /// [`Request::max_http1_len`] bytes.
    pub fn write_http1(
        &self,
        host: Host<'_>,
        token: Option<Token<'_>>,
        close: bool,
        out: &mut [u8],
    ) -> Result<usize, WireError> {
        let mut c = Cursor { out, at: 0 };
        let mut head = || -> Result<(), Full> {
            for part in [
                self.method.as_str(),
                " ",
                self.path,
                " HTTP/1.1\r\nHost: ",
                host.as_str(),
            ] {
                c.put(part)?;
            }
            c.put("\r\nAccept: application/json\r\nUser-Agent: ")?;
            c.put(USER_AGENT)?;
            c.put("\r\n")?;
            if close {
                c.put("Connection: close\r\n")?;
            }
            if let (true, Some(token)) = (self.sends_token, token) {
                c.put("Authorization: Bearer ")?;
                c.put(token.expose())?;
                c.put("\r\n")?;
            }
            if let Some(key) = self.idempotency_key {
                c.put("Idempotency-Key: ")?;
                c.put(key)?;
                c.put("\r\n")?;
            }
            if self.method == Method::Post {
                c.put("Content-Type: application/json\r\nContent-Length: ")?;
                c.put_number(self.body.len())?;
                c.put("\r\n")?;
            }
            c.put("\r\n")
        };
        head().map_err(|_| WireError::BufferTooSmall)?;
        let end = c.at + self.body.len();
        c.out
            .get_mut(c.at..end)
            .ok_or(WireError::BufferTooSmall)?
            .copy_from_slice(self.body);
        Ok(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resilience::Rng;
    use crate::wire::request::every_field;
    use crate::wire::{IdempotencyKey, MintRequest};
    use crate::{ChittyId, EntityType, Jurisdiction, Region, TrustLevel};

    fn host(host: &str) -> Host<'_> {
        Host::new(host).unwrap()
    }

    fn token(token: &str) -> Token<'_> {
        Token::new(token).unwrap()
    }

    #[test]
    fn a_mint_carries_its_token_key_and_body() {
        let mut rng = Rng::new(3);
        let key = IdempotencyKey::generate(&mut rng);
        let mut buf = [0u8; 256];
        let req = Request::mint(&every_field(), Some(&key), &mut buf).unwrap();
        let mut out = [0u8; 512];
        let n = req
            .write_http1(host("127.0.0.1:80"), Some(token("s3cret")), true, &mut out)
            .unwrap();
        let text = core::str::from_utf8(&out[..n]).unwrap();
        assert!(text.starts_with(
            "POST /v1/mint?type=place&region=3&jurisdiction=GBR&trust=2 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n"
        ));
        assert!(text.contains("Authorization: Bearer s3cret\r\n"));
        assert!(text.contains(&std::format!("Idempotency-Key: {}\r\n", key.as_str())));
        assert!(text.contains("Content-Length: 22\r\n\r\n{\"entityType\""));
    }

    #[test]
    fn validation_carries_the_token_and_health_does_not() {
        let id: ChittyId = "03-1-USA-5537-P-2602-0-38".parse().unwrap();
        let mut buf = [0u8; 128];
        let req = Request::validate(id, &mut buf).unwrap();
        let mut out = [0u8; 256];
        let n = req
            .write_http1(host("h"), Some(token("s3cret")), true, &mut out)
            .unwrap();
        assert!(
            core::str::from_utf8(&out[..n])
                .unwrap()
                .contains("Authorization: Bearer s3cret\r\n")
        );
        let mut buf = [0u8; 64];
        let req = Request::health(None, &mut buf).unwrap();
        let n = req
            .write_http1(host("h"), Some(token("s3cret")), true, &mut out)
            .unwrap();
        assert!(!core::str::from_utf8(&out[..n]).unwrap().contains("s3cret"));
    }

    #[test]
    fn the_longest_mint_fits_the_published_maxima() {
        let mut rng = Rng::new(9);
        let key = IdempotencyKey::generate(&mut rng);
        let what = MintRequest {
            region: Some(Region::InternationalWaters),
            jurisdiction: Jurisdiction::new(*b"ZZZ"),
            trust_level: Some(TrustLevel::Official),
            ..MintRequest::new(EntityType::Authority)
        };
        let mut parts = [0u8; Request::MAX_PARTS];
        let req = Request::mint(&what, Some(&key), &mut parts).unwrap();
        // A long host name and a long bearer token (JWTs run to a few KiB).
        let long_host = "h".repeat(253);
        let long_token = "t".repeat(4096);
        let max = Request::max_http1_len(long_host.len(), long_token.len());
        let mut out = std::vec![0u8; max];
        let n = req
            .write_http1(host(&long_host), Some(token(&long_token)), true, &mut out)
            .unwrap();
        // Within the bound, and close to it: the bound does not waste a small device's RAM.
        assert!(n <= max && max - n < 32, "{n} of {max}");
        let mut short = std::vec![0u8; n - 1];
        assert_eq!(
            req.write_http1(host(&long_host), Some(token(&long_token)), true, &mut short),
            Err(WireError::BufferTooSmall)
        );
    }

    #[test]
    fn a_small_buffer_is_an_error_not_a_panic() {
        let mut buf = [0u8; 64];
        let req = Request::health(None, &mut buf).unwrap();
        let mut out = [0u8; 20];
        assert_eq!(
            req.write_http1(host("h"), None, true, &mut out),
            Err(WireError::BufferTooSmall)
        );
    }
}
