//! The memory one call needs, owned by the calling task.

/// The caller's memory for one request and its answer: `request` at least
/// [`Request::max_http1_len`]`(host.len(), token.len())` bytes (about 400 with a short
/// token; a request that does not fit ends as `BufferTooSmall` and is never sent), and
/// `response` at least 1 KiB for the real service's answers (a longer body is cut: a
/// 2xx answer cut short is unusable, a refusal still counts as one). The engine also
/// builds each request's parts in `response` before the answer arrives, so it must hold
/// at least [`Request::MAX_PARTS`] bytes.
///
/// [`Request::max_http1_len`]: chittyid::wire::Request::max_http1_len
/// [`Request::MAX_PARTS`]: chittyid::wire::Request::MAX_PARTS
#[derive(Debug)]
#[allow(
    clippy::exhaustive_structs,
    reason = "a call's two buffers, named by the caller in a literal"
)]
pub struct Buffers<'a> {
    /// The HTTP/1.1 request is written here.
    pub request: &'a mut [u8],
    /// The answer is read here.
    pub response: &'a mut [u8],
}
