//! What an adapter saw on the wire for one attempt: the engine's only input besides
//! time. Adapters report facts; the engine decides what each means.

/// An HTTP answer as the adapter received it: a head with this status, and its body
/// complete or cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(
    clippy::exhaustive_structs,
    reason = "what an adapter saw; a new field is a new fact every adapter must supply"
)]
pub struct Response<'a> {
    /// The status code.
    pub status: u16,
    /// The raw `Retry-After` header value, if any.
    pub retry_after: Option<&'a [u8]>,
    /// The raw `Idempotency-Key` header value, if any: a service that echoes the
    /// request's key says that it honours keys.
    pub idempotency_key: Option<&'a [u8]>,
    /// The body (the engine enforces its own size limit), or its start when `cut`.
    pub body: &'a [u8],
    /// The body was longer than the adapter keeps: `body` is only its start. The status
    /// still counts as the service's answer; a 2xx answer cut short is unusable.
    pub cut: bool,
}

impl<'a> Response<'a> {
    /// An answer with this status and body and no headers the engine reads.
    pub const fn new(status: u16, body: &'a [u8]) -> Response<'a> {
        Response {
            status,
            retry_after: None,
            idempotency_key: None,
            body,
            cut: false,
        }
    }
}

/// How the attempt in flight ended on the wire, as the adapter saw it. An attempt that
/// got no fact before its `timeout_at` needs none: polling at or after that instant
/// ends it as timed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fact<'a> {
    /// The request does not fit the adapter's buffer: nothing was sent.
    DoesNotFit,
    /// No byte of the request left: no connection could be opened (refused, no route,
    /// name or TLS failure before the request).
    NotSent,
    /// The request was (perhaps partly) written and the connection broke, or closed,
    /// before an answer's head arrived: the service may have acted on it.
    Broken,
    /// Bytes arrived that are not an HTTP/1.1 answer as accepted (a bad status line or
    /// header, broken framing, a body cut off by the connection closing).
    NotHttp,
    /// A head arrived, and its body (complete, or cut because it was too large).
    Answered(Response<'a>),
}
