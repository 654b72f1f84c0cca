//! Building the service's requests into a caller-provided buffer: mint, validate and
//! health, where the deployed service reads each field (region, jurisdiction and trust
//! from the query string only). Their HTTP/1.1 bytes, for adapters that write requests
//! themselves, are written by [`super::http1`].

use core::fmt;

use super::decode::WireError;
use crate::resilience::Rng;
use crate::{ChittyId, EntityType, Jurisdiction, Region, TrustLevel};

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_enums,
    reason = "a new method must break the adapters that send requests"
)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`
    Post,
}

impl Method {
    /// The method's name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// What to mint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct MintRequest {
    /// The type of the entity (required).
    pub entity_type: EntityType,
    /// A region, or the service's default.
    pub region: Option<Region>,
    /// A jurisdiction, or the service's default.
    pub jurisdiction: Option<Jurisdiction>,
    /// A trust level, or the service's default.
    pub trust_level: Option<TrustLevel>,
}

impl MintRequest {
    /// A request for one ID of this type, everything else left to the service.
    pub const fn new(entity_type: EntityType) -> MintRequest {
        MintRequest {
            entity_type,
            region: None,
            jurisdiction: None,
            trust_level: None,
        }
    }

    /// The same request asking for this region.
    ///
    /// ```
    /// use chittyid::wire::MintRequest;
    /// use chittyid::{EntityType, Jurisdiction, Region, TrustLevel};
    ///
    /// let asked = MintRequest::new(EntityType::Place)
    ///     .with_region(Region::Europe)
    ///     .with_jurisdiction(Jurisdiction::new(*b"GBR").unwrap())
    ///     .with_trust_level(TrustLevel::Standard);
    /// assert_eq!(asked.region, Some(Region::Europe));
    /// ```
    pub const fn with_region(mut self, region: Region) -> MintRequest {
        self.region = Some(region);
        self
    }

    /// The same request asking for this jurisdiction.
    pub const fn with_jurisdiction(mut self, jurisdiction: Jurisdiction) -> MintRequest {
        self.jurisdiction = Some(jurisdiction);
        self
    }

    /// The same request asking for this trust level.
    pub const fn with_trust_level(mut self, trust_level: TrustLevel) -> MintRequest {
        self.trust_level = Some(trust_level);
        self
    }
}

/// An `Idempotency-Key`: 32 lower-case hex digits (128 random bits).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdempotencyKey([u8; 32]);

impl IdempotencyKey {
    /// A fresh key from the generator.
    pub fn generate(rng: &mut Rng) -> IdempotencyKey {
        let bits = [rng.next_u64(), rng.next_u64()];
        let mut key = [0u8; 32];
        for (i, slot) in key.iter_mut().enumerate() {
            let nibble = (bits[i / 16] >> ((i % 16) * 4)) & 0xF;
            *slot = b"0123456789abcdef"[nibble as usize];
        }
        IdempotencyKey(key)
    }

    /// A key from its text (32 lower-case hex digits), as [`IdempotencyKey::as_str`]
    /// gives it: for resending a mint whose key was kept elsewhere (a journal).
    ///
    /// ```
    /// use chittyid::wire::IdempotencyKey;
    /// let key = IdempotencyKey::parse("0123456789abcdef0123456789abcdef").unwrap();
    /// assert_eq!(key.as_str(), "0123456789abcdef0123456789abcdef");
    /// assert!(IdempotencyKey::parse("0123456789ABCDEF0123456789abcdef").is_none());
    /// ```
    pub fn parse(text: &str) -> Option<IdempotencyKey> {
        let bytes = <[u8; 32]>::try_from(text.as_bytes()).ok()?;
        bytes
            .iter()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            .then_some(IdempotencyKey(bytes))
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdempotencyKey({})", self.as_str())
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for IdempotencyKey {
    fn format(&self, f: defmt::Formatter) {
        defmt::write!(f, "{=str}", self.as_str())
    }
}

/// The `User-Agent` every adapter sends.
pub const USER_AGENT: &str = concat!("chittyid-rs/", env!("CARGO_PKG_VERSION"));

/// A request to send: method, path, JSON body, and whether it needs the token and which
/// idempotency key it carries. Its text lives in the buffer it was built into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Request<'a> {
    /// The method.
    pub method: Method,
    /// The path, e.g. `/v1/mint`.
    pub path: &'a str,
    /// The JSON body; empty for `GET`.
    pub body: &'a [u8],
    /// Whether it carries `Authorization: Bearer` (when the client has a token): mints
    /// and validations do, health checks do not.
    pub sends_token: bool,
    /// The `Idempotency-Key` to send, if any.
    pub idempotency_key: Option<&'a str>,
}

/// Text into a byte slice that reports running out of room (also used by the HTTP/1.1
/// request writer). It writes pieces and decimal numbers itself: a request is built
/// without the formatting machinery, which would cost firmware kilobytes of flash.
pub(super) struct Cursor<'b> {
    pub(super) out: &'b mut [u8],
    pub(super) at: usize,
}

/// The buffer is full.
#[derive(Debug)]
pub(super) struct Full;

impl Cursor<'_> {
    /// Appends `s`.
    pub(super) fn put(&mut self, s: &str) -> Result<(), Full> {
        self.put_bytes(s.as_bytes())
    }

    /// Appends `n` in decimal.
    pub(super) fn put_number(&mut self, n: usize) -> Result<(), Full> {
        let mut digits = [0u8; 20];
        let (mut n, mut at) = (n, digits.len());
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.put_bytes(&digits[at..])
    }

    fn put_bytes(&mut self, bytes: &[u8]) -> Result<(), Full> {
        let end = self.at.checked_add(bytes.len()).ok_or(Full)?;
        self.out
            .get_mut(self.at..end)
            .ok_or(Full)?
            .copy_from_slice(bytes);
        self.at = end;
        Ok(())
    }
}

/// Writes the path with `path`, the body with `body`, then `extra` (an idempotency key)
/// into `buf`, and returns the three as slices of it.
fn build<'b>(
    buf: &'b mut [u8],
    path: impl FnOnce(&mut Cursor<'_>) -> Result<(), Full>,
    body: impl FnOnce(&mut Cursor<'_>) -> Result<(), Full>,
    extra: &str,
) -> Result<(&'b str, &'b [u8], &'b str), WireError> {
    let mut cursor = Cursor { out: buf, at: 0 };
    path(&mut cursor).map_err(|_| WireError::BufferTooSmall)?;
    let path_end = cursor.at;
    body(&mut cursor).map_err(|_| WireError::BufferTooSmall)?;
    let body_end = cursor.at;
    cursor.put(extra).map_err(|_| WireError::BufferTooSmall)?;
    let end = cursor.at;
    let (head, extra) = buf[..end].split_at(body_end);
    let (path, body) = head.split_at(path_end);
    let text = |bytes| core::str::from_utf8(bytes).unwrap_or_default();
    Ok((text(path), body, text(extra)))
}

impl<'b> Request<'b> {
    /// `POST /v1/mint?type=…[&region=…][&jurisdiction=…][&trust=…]` with
    /// `{"entityType":…}`.
    ///
    /// The deployed service reads region, jurisdiction and trust from the query string
    /// only (body fields are ignored), and older deployments read the entity type from
    /// the query only: so every field is in the query, and the type in the body too.
    pub fn mint(
        what: &MintRequest,
        key: Option<&IdempotencyKey>,
        buf: &'b mut [u8],
    ) -> Result<Request<'b>, WireError> {
        let (path, body, key) = build(
            buf,
            |c| {
                c.put("/v1/mint?type=")?;
                c.put(what.entity_type.name())?;
                if let Some(region) = what.region {
                    c.put("&region=")?;
                    c.put_number(usize::from(region.digit()))?;
                }
                if let Some(jurisdiction) = what.jurisdiction {
                    c.put("&jurisdiction=")?;
                    c.put(jurisdiction.as_str())?;
                }
                if let Some(trust) = what.trust_level {
                    c.put("&trust=")?;
                    c.put_number(usize::from(trust.digit()))?;
                }
                Ok(())
            },
            |c| {
                c.put(r#"{"entityType":""#)?;
                c.put(what.entity_type.name())?;
                c.put(r#""}"#)
            },
            key.map_or("", IdempotencyKey::as_str),
        )?;
        Ok(Request {
            method: Method::Post,
            path,
            body,
            sends_token: true,
            idempotency_key: (!key.is_empty()).then_some(key),
        })
    }

    /// Validation of a well-formed ID: `POST /api/validate {"id":…}`. It carries the
    /// token when the client has one: the service forwards it when it replaces a
    /// fallback ID.
    pub fn validate(id: ChittyId, buf: &'b mut [u8]) -> Result<Request<'b>, WireError> {
        let text = id.to_buf();
        let (path, body, _) = build(
            buf,
            |c| c.put("/api/validate"),
            |c| {
                c.put(r#"{"id":""#)?;
                c.put(text.as_str())?;
                c.put(r#""}"#)
            },
            "",
        )?;
        Ok(Request {
            method: Method::Post,
            path,
            body,
            sends_token: true,
            idempotency_key: None,
        })
    }

    /// `GET /health`, with an `Idempotency-Key` when the engine asks whether the service
    /// honours keys (one that does echoes it).
    pub fn health(
        key: Option<&IdempotencyKey>,
        buf: &'b mut [u8],
    ) -> Result<Request<'b>, WireError> {
        let (path, body, key) = build(
            buf,
            |c| c.put("/health"),
            |_| Ok(()),
            key.map_or("", IdempotencyKey::as_str),
        )?;
        Ok(Request {
            method: Method::Get,
            path,
            body,
            sends_token: false,
            idempotency_key: (!key.is_empty()).then_some(key),
        })
    }

    /// The most bytes a request's parts (path, body and key) take in the buffer the
    /// engine builds them in: the longest mint (every field set, a key) fits, as a test
    /// shows. Give [`crate::engine::Engine::poll`] at least this much.
    pub const MAX_PARTS: usize = 128;
}

/// The mint request the wire tests share: every field set.
#[cfg(test)]
pub(crate) fn every_field() -> MintRequest {
    MintRequest::new(EntityType::Place)
        .with_region(Region::Europe)
        .with_jurisdiction(Jurisdiction::new(*b"GBR").expect("three capitals"))
        .with_trust_level(TrustLevel::Standard)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mint_request_puts_every_field_in_the_query_and_the_type_in_the_body_too() {
        let mut rng = Rng::new(3);
        let key = IdempotencyKey::generate(&mut rng);
        let mut buf = [0u8; 256];
        let req = Request::mint(&every_field(), Some(&key), &mut buf).unwrap();
        assert_eq!(
            (req.method, req.path),
            (
                Method::Post,
                "/v1/mint?type=place&region=3&jurisdiction=GBR&trust=2"
            )
        );
        assert_eq!(req.body, br#"{"entityType":"place"}"#);
        assert_eq!(req.idempotency_key, Some(key.as_str()));
        assert_eq!(key.as_str().len(), 32);

        let mut buf = [0u8; 64];
        let plain = Request::mint(&MintRequest::new(EntityType::Person), None, &mut buf).unwrap();
        assert_eq!(plain.path, "/v1/mint?type=person");
        assert_eq!(plain.idempotency_key, None);
    }

    #[test]
    fn validation_and_health_requests() {
        let id: ChittyId = "03-1-USA-5537-P-2602-0-38".parse().unwrap();
        let mut buf = [0u8; 128];
        let req = Request::validate(id, &mut buf).unwrap();
        assert_eq!((req.method, req.path), (Method::Post, "/api/validate"));
        assert_eq!(req.body, br#"{"id":"03-1-USA-5537-P-2602-0-38"}"#);
        assert!(req.sends_token);
        let mut buf = [0u8; 64];
        let req = Request::health(None, &mut buf).unwrap();
        assert_eq!(
            (req.method, req.path, req.body),
            (Method::Get, "/health", &b""[..])
        );
        assert!(!req.sends_token);
    }

    #[test]
    fn small_buffers_are_an_error_not_a_panic() {
        let mut tiny = [0u8; 10];
        assert_eq!(
            Request::mint(&MintRequest::new(EntityType::Person), None, &mut tiny),
            Err(WireError::BufferTooSmall)
        );
    }
}
