//! The wire protocol of the ID service: the requests to build (as the deployed service
//! reads them) and the answers to decode, tolerantly and within fixed limits, into
//! caller-provided buffers; [`http1`] holds the HTTP/1.1 framing of both directions for
//! adapters that speak HTTP themselves.

mod decode;
mod fact;
mod head_value;
pub mod http1;
mod request;
mod text;

pub use decode::{
    ErrorBody, HealthAnswer, JsonError, MAX_BODY, MAX_DEPTH, MintAnswer, ValidateAnswer, WireError,
    decode_error, decode_health, decode_mint, decode_validate,
};
pub use fact::{Fact, Response};
pub use head_value::{HeadValueError, Host, Token};
pub use http1::ResponseReader;
pub use request::{IdempotencyKey, Method, MintRequest, Request, USER_AGENT};
pub use text::Text;
