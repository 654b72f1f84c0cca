//! Decoding the service's answers: tolerant of field names (`chittyId`, `chitty_id`,
//! `chittyid`, `id`) and unknown fields, strict about limits (size, nesting, string
//! lengths), and never trusting a minted ID that does not parse and verify.

use core::fmt;

use serde::Deserialize;

use super::text::Text;
use crate::{ChittyId, FallbackCode, IdKind, ParseError};

/// The largest answer body decoded, in bytes.
pub const MAX_BODY: usize = 8 * 1024;
/// The deepest nesting of objects and arrays accepted (the service's answers use 2).
pub const MAX_DEPTH: usize = 8;
/// Scratch space for unescaping one string.
const UNESCAPE: usize = 256;

/// Why an answer could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum WireError {
    /// The body is larger than [`MAX_BODY`].
    BodyTooLarge,
    /// Objects or arrays nest deeper than [`MAX_DEPTH`].
    TooDeep,
    /// Not the JSON expected.
    Json(JsonError),
    /// No field carries the minted ID.
    MissingId,
    /// A required field is missing.
    MissingField(&'static str),
    /// The minted ID does not parse or verify: it is never handed on.
    InvalidId(ParseError),
    /// The output buffer is too small for the request.
    BufferTooSmall,
}

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WireError::BodyTooLarge => write!(f, "answer body larger than {MAX_BODY} bytes"),
            WireError::TooDeep => write!(f, "answer nests deeper than {MAX_DEPTH} levels"),
            WireError::Json(e) => write!(f, "answer is not the JSON expected: {}", e.describe()),
            WireError::MissingId => f.write_str("answer carries no ID"),
            WireError::MissingField(name) => write!(f, "answer lacks the field {name:?}"),
            WireError::InvalidId(e) => write!(f, "the service's ID is not valid: {e}"),
            WireError::BufferTooSmall => f.write_str("request buffer too small"),
        }
    }
}

impl core::error::Error for WireError {}

/// What was wrong with an answer's JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum JsonError {
    /// The body ended inside a value.
    Truncated,
    /// A value has the wrong type (a string where a boolean belongs, say).
    WrongType,
    /// A string longer than the decoder's scratch space.
    StringTooLong,
    /// Not JSON at all, or broken JSON.
    Syntax,
}

impl JsonError {
    fn of(error: serde_json_core::de::Error) -> JsonError {
        use serde_json_core::de::Error as E;
        match error {
            E::EofWhileParsingList
            | E::EofWhileParsingObject
            | E::EofWhileParsingString
            | E::EofWhileParsingNumber
            | E::EofWhileParsingValue => JsonError::Truncated,
            E::InvalidType | E::CustomError => JsonError::WrongType,
            E::EscapedStringIsTooLong => JsonError::StringTooLong,
            _ => JsonError::Syntax,
        }
    }

    /// A description for people.
    pub const fn describe(self) -> &'static str {
        match self {
            JsonError::Truncated => "the body ends inside a value",
            JsonError::WrongType => "a field has the wrong type",
            JsonError::StringTooLong => "a string is too long",
            JsonError::Syntax => "not valid JSON",
        }
    }
}

/// What a successful mint answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_enums,
    reason = "a mint either minted or handed out a placeholder: a new kind of answer must be seen by every caller"
)]
pub enum MintAnswer {
    /// A final, canonical ID.
    Minted(ChittyId),
    /// A fallback ID: a placeholder pending replacement, never final.
    Pending {
        /// The placeholder.
        id: ChittyId,
        /// The reason the service gave, from the ID or `errorCode`.
        code: Option<FallbackCode>,
    },
}

/// What a validation answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct ValidateAnswer {
    /// The service's verdict (`false` for a fallback ID it replaced).
    pub valid: bool,
    /// Its reason, when it gave one.
    pub reason: Option<Text<64>>,
    /// The ID that replaces a fallback ID: the service answers
    /// `{"replaced":true,"oldId":…,"newId":…}` (no `valid` field) once, and never again
    /// for that fallback ID.
    pub replaced_by: Option<ChittyId>,
}

/// What a health answer says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct HealthAnswer {
    /// `status` was `ok` or `healthy`.
    pub healthy: bool,
    /// The service's version, if it said.
    pub version: Option<Text<32>>,
}

/// An error answer: `{"success":false,"error":CODE,"message":…}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct ErrorBody {
    /// The error code, e.g. `RATE_LIMITED`.
    pub code: Option<Text<24>>,
    /// The message for people.
    pub message: Option<Text<40>>,
}

#[derive(Deserialize)]
struct MintBody {
    #[serde(rename = "chittyId")]
    camel: Option<Text<40>>,
    #[serde(rename = "chitty_id")]
    snake: Option<Text<40>>,
    chittyid: Option<Text<40>>,
    id: Option<Text<40>>,
    fallback: Option<bool>,
    #[serde(rename = "errorCode")]
    error_code: Option<Text<32>>,
}

#[derive(Deserialize)]
struct ValidateBody {
    valid: Option<bool>,
    replaced: Option<bool>,
    #[serde(rename = "newId")]
    new_id: Option<Text<40>>,
    reason: Option<Text<64>>,
    error: Option<Text<64>>,
    message: Option<Text<64>>,
}

#[derive(Deserialize)]
struct HealthBody {
    status: Option<Text<16>>,
    version: Option<Text<32>>,
}

#[derive(Deserialize)]
struct ErrorFields {
    error: Option<Text<24>>,
    #[serde(rename = "errorCode")]
    error_code: Option<Text<24>>,
    message: Option<Text<40>>,
}

/// Refuses bodies over the size limit or nested deeper than [`MAX_DEPTH`], before any
/// recursive decoding starts (a hostile answer must not exhaust a small stack).
fn check_limits(body: &[u8]) -> Result<(), WireError> {
    if body.len() > MAX_BODY {
        return Err(WireError::BodyTooLarge);
    }
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in body {
        match (in_string, escaped, b) {
            (true, true, _) => escaped = false,
            (true, false, b'\\') => escaped = true,
            (true, false, b'"') => in_string = false,
            (true, false, _) => {}
            (false, _, b'"') => in_string = true,
            (false, _, b'{' | b'[') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(WireError::TooDeep);
                }
            }
            (false, _, b'}' | b']') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn decode<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, WireError> {
    check_limits(body)?;
    let mut scratch = [0u8; UNESCAPE];
    serde_json_core::from_slice_escaped(body, &mut scratch)
        .map(|(value, _)| value)
        .map_err(|e| WireError::Json(JsonError::of(e)))
}

/// Decodes a 2xx mint answer. The ID must parse and verify; a fallback ID (or
/// `"fallback": true`) is `Pending`, never `Minted`.
pub fn decode_mint(body: &[u8]) -> Result<MintAnswer, WireError> {
    let fields: MintBody = decode(body)?;
    let text = [fields.camel, fields.snake, fields.chittyid, fields.id]
        .into_iter()
        .flatten()
        .next()
        .ok_or(WireError::MissingId)?;
    let id = ChittyId::parse(text.as_str()).map_err(WireError::InvalidId)?;
    let named_code = fields
        .error_code
        .and_then(|code| FallbackCode::from_name(code.as_str()));
    Ok(match id.kind() {
        IdKind::Fallback(code) => MintAnswer::Pending {
            id,
            code: Some(code),
        },
        _ if fields.fallback == Some(true) => MintAnswer::Pending {
            id,
            code: named_code,
        },
        _ => MintAnswer::Minted(id),
    })
}

/// Decodes a 2xx validation answer: `{"valid":bool,…}`, or a replacement
/// `{"replaced":true,"newId":…}`, whose new ID must parse and verify.
pub fn decode_validate(body: &[u8]) -> Result<ValidateAnswer, WireError> {
    let fields: ValidateBody = decode(body)?;
    let reason = fields.reason.or(fields.error).or(fields.message);
    if fields.replaced == Some(true) {
        let text = fields.new_id.ok_or(WireError::MissingField("newId"))?;
        let new = ChittyId::parse(text.as_str()).map_err(WireError::InvalidId)?;
        return Ok(ValidateAnswer {
            valid: false,
            reason,
            replaced_by: Some(new),
        });
    }
    Ok(ValidateAnswer {
        valid: fields.valid.ok_or(WireError::MissingField("valid"))?,
        reason,
        replaced_by: None,
    })
}

/// Decodes a health answer (`{"status":"ok",…}`).
pub fn decode_health(body: &[u8]) -> Result<HealthAnswer, WireError> {
    let fields: HealthBody = decode(body)?;
    let status = fields.status.ok_or(WireError::MissingField("status"))?;
    let healthy = ["ok", "healthy", "up"]
        .iter()
        .any(|s| status.as_str().eq_ignore_ascii_case(s));
    Ok(HealthAnswer {
        healthy,
        version: fields.version,
    })
}

/// Decodes an error answer; `None` when the body is not one.
pub fn decode_error(body: &[u8]) -> Option<ErrorBody> {
    let fields: ErrorFields = decode(body).ok()?;
    Some(ErrorBody {
        code: fields.error.or(fields.error_code),
        message: fields.message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_of_the_four_id_fields_and_unknown_fields_are_fine() {
        for field in ["chittyId", "chitty_id", "chittyid", "id"] {
            let body = std::format!(
                r#"{{"success":true,"{field}":"03-1-USA-5537-P-2602-0-38","components":{{"region":"1","x":[1,2,{{"y":null}}]}},"timestamp":1.5e3}}"#
            );
            let answer = decode_mint(body.as_bytes()).unwrap();
            assert_eq!(
                answer,
                MintAnswer::Minted("03-1-USA-5537-P-2602-0-38".parse().unwrap())
            );
        }
    }

    #[test]
    fn fallback_answers_are_pending_never_minted() {
        let body = br#"{"success":true,"chittyId":"03-0-ERR-0001-T-2611-0-32","fallback":true,"errorCode":"MINT_UNAVAILABLE"}"#;
        assert!(matches!(
            decode_mint(body),
            Ok(MintAnswer::Pending {
                code: Some(FallbackCode::MINT_UNAVAILABLE),
                ..
            })
        ));
        // A canonical-looking ID flagged as fallback is pending too.
        let body = br#"{"chittyId":"03-1-USA-5537-P-2602-0-38","fallback":true,"errorCode":"MINT_TIMEOUT"}"#;
        assert!(matches!(
            decode_mint(body),
            Ok(MintAnswer::Pending {
                code: Some(FallbackCode::MINT_TIMEOUT),
                ..
            })
        ));
    }

    #[test]
    fn a_replacement_carries_the_new_id_and_needs_no_valid_field() {
        let body = br#"{"success":true,"replaced":true,"oldId":"03-0-ERR-0001-T-2611-0-32","newId":"03-1-USA-5537-P-2602-0-38","message":"Fallback ID replaced","components":{"region":"1"}}"#;
        let answer = decode_validate(body).unwrap();
        assert_eq!(
            answer.replaced_by,
            Some("03-1-USA-5537-P-2602-0-38".parse().unwrap())
        );
        assert!(!answer.valid);
        let bad = br#"{"replaced":true,"newId":"03-1-USA-5537-P-2602-0-39"}"#;
        assert!(matches!(decode_validate(bad), Err(WireError::InvalidId(_))));
        assert_eq!(
            decode_validate(br#"{"replaced":true}"#),
            Err(WireError::MissingField("newId"))
        );
        // The answer when the fallback could not be replaced is a plain verdict.
        let kept = br#"{"success":true,"valid":false,"isError":true,"errorCode":"0001","errorName":"MINT_UNAVAILABLE","canReplace":true}"#;
        assert_eq!(decode_validate(kept).unwrap().replaced_by, None);
    }

    #[test]
    fn escaped_strings_are_unescaped() {
        let body = br#"{"chittyId":"03\u002d1-USA-5537-P-2602-0-38"}"#;
        assert!(matches!(decode_mint(body), Ok(MintAnswer::Minted(_))));
    }

    #[test]
    fn a_minted_id_that_does_not_verify_is_an_error() {
        let body = br#"{"chittyId":"03-1-USA-5537-P-2602-0-39"}"#;
        assert!(
            matches!(decode_mint(body), Err(WireError::InvalidId(e)) if e.kind() == crate::ErrorKind::ChecksumMismatch)
        );
        assert_eq!(
            decode_mint(br#"{"success":true}"#),
            Err(WireError::MissingId)
        );
        let long = std::format!(r#"{{"chittyId":"{}"}}"#, "9".repeat(300));
        assert!(decode_mint(long.as_bytes()).is_err());
    }

    #[test]
    fn hostile_bodies_end_in_typed_errors() {
        assert!(matches!(
            decode_mint(b"<html><body>502 Bad Gateway</body></html>"),
            Err(WireError::Json(_))
        ));
        let deep = std::format!("{}{}", "[".repeat(1_000), "]".repeat(1_000));
        assert_eq!(decode_mint(deep.as_bytes()), Err(WireError::TooDeep));
        let nested = std::format!(r#"{{"a":{}1{}}}"#, r#"{"b":"#.repeat(20), "}".repeat(20));
        assert_eq!(decode_validate(nested.as_bytes()), Err(WireError::TooDeep));
        assert_eq!(
            decode_mint(&[b' '; MAX_BODY + 1]),
            Err(WireError::BodyTooLarge)
        );
        assert!(decode_mint(b"{\"chittyId\":\"\xff\xfe\"}").is_err());
        assert!(decode_mint(b"").is_err());
        assert!(decode_mint(br#"{"chittyId":"03-1-USA-5537-P-2602-0-38""#).is_err());
    }

    #[test]
    fn validation_health_and_error_bodies() {
        let answer =
            decode_validate(br#"{"success":true,"valid":false,"error":"not minted here"}"#)
                .unwrap();
        assert!(!answer.valid);
        assert_eq!(answer.reason.unwrap().as_str(), "not minted here");
        assert!(
            decode_validate(br#"{"valid":true,"chittyId":"x","entity":"PEO"}"#)
                .unwrap()
                .valid
        );
        assert_eq!(
            decode_validate(br#"{"success":true}"#),
            Err(WireError::MissingField("valid"))
        );
        assert!(
            decode_health(br#"{"status":"ok","service":"id","version":"2.1"}"#)
                .unwrap()
                .healthy
        );
        assert!(!decode_health(br#"{"status":"degraded"}"#).unwrap().healthy);
        let error =
            decode_error(br#"{"success":false,"error":"RATE_LIMITED","message":"slow down"}"#)
                .unwrap();
        assert_eq!(error.code.unwrap().as_str(), "RATE_LIMITED");
        assert_eq!(decode_error(b"nope"), None);
    }
}
