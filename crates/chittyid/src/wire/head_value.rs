//! What the service's host and the bearer token may hold: each is checked once, where
//! it is set, so that a request head never carries a space, a control character or a
//! line break from them (one would end the header early, or add a header of its own).

use core::fmt;

/// Why a host or a token cannot go into a request's head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum HeadValueError {
    /// It is empty.
    Empty,
    /// A URL where a host belongs (`https://id.chitty.cc`): give the host alone
    /// (`id.chitty.cc`, or `host:port`).
    Url,
    /// The byte at this offset cannot be carried: a space, a control character, a
    /// byte outside ASCII, or (in a host) `/`, `?`, `#` or `@`.
    Forbidden {
        /// Its offset, from 0.
        at: usize,
    },
}

impl fmt::Display for HeadValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeadValueError::Empty => f.write_str("it is empty"),
            HeadValueError::Url => {
                f.write_str("it is a URL: give the host alone (host or host:port)")
            }
            HeadValueError::Forbidden { at } => write!(
                f,
                "byte {at} cannot be sent in a request head (a space, a control character, a byte outside ASCII, or in a host / ? # @)"
            ),
        }
    }
}

impl core::error::Error for HeadValueError {}

/// `Ok` when `value` is not empty and `allowed` takes each of its bytes; else where it
/// fails.
fn check(value: &str, allowed: impl Fn(u8) -> bool) -> Result<(), HeadValueError> {
    if value.is_empty() {
        return Err(HeadValueError::Empty);
    }
    match value.bytes().position(|b| !allowed(b)) {
        Some(at) => Err(HeadValueError::Forbidden { at }),
        None => Ok(()),
    }
}

/// The service's host (and port), as the `Host` header carries it.
///
/// ```
/// use chittyid::wire::{HeadValueError, Host};
///
/// assert_eq!(Host::new("id.chitty.cc").unwrap().as_str(), "id.chitty.cc");
/// assert_eq!(Host::new("https://id.chitty.cc").unwrap_err(), HeadValueError::Url);
/// assert_eq!(Host::new("id.chitty.cc\r\nX: 1").unwrap_err(), HeadValueError::Forbidden { at: 12 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Host<'a>(&'a str);

impl<'a> Host<'a> {
    /// `host` (a name or an address, with `:port` if it is not the scheme's), if a
    /// `Host` header can carry it.
    pub fn new(host: &'a str) -> Result<Host<'a>, HeadValueError> {
        // (Not `str::contains`: its substring searcher costs a kilobyte of firmware.)
        if host.as_bytes().windows(3).any(|w| w == b"://") {
            return Err(HeadValueError::Url);
        }
        check(host, |b| {
            b.is_ascii_graphic() && !matches!(b, b'/' | b'?' | b'#' | b'@')
        })?;
        Ok(Host(host))
    }

    /// The host as it was given.
    pub const fn as_str(&self) -> &'a str {
        self.0
    }
}

/// A bearer token. Its `Debug` never shows it, and nothing in this crate prints it.
///
/// ```
/// use chittyid::wire::{HeadValueError, Token};
///
/// assert!(Token::new("t0k.en-_~+/=").is_ok());
/// assert_eq!(Token::new("t0k\n").unwrap_err(), HeadValueError::Forbidden { at: 3 });
/// ```
#[derive(Clone, Copy)]
pub struct Token<'a>(&'a str);

impl<'a> Token<'a> {
    /// `token`, if an `Authorization` header can carry it (visible ASCII, as every
    /// bearer token is).
    pub fn new(token: &'a str) -> Result<Token<'a>, HeadValueError> {
        check(token, |b| b.is_ascii_graphic())?;
        Ok(Token(token))
    }

    /// The token itself, for the `Authorization` header.
    pub const fn expose(&self) -> &'a str {
        self.0
    }
}

impl fmt::Debug for Token<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_take_names_addresses_and_ports_and_refuse_what_would_break_the_head() {
        for good in [
            "id.chitty.cc",
            "127.0.0.1:8080",
            "[::1]:80",
            "xn--bcher-kva.example",
        ] {
            assert_eq!(Host::new(good).map(|h| h.as_str()), Ok(good));
        }
        let bad: [(&str, HeadValueError); 7] = [
            ("", HeadValueError::Empty),
            ("http://id.chitty.cc", HeadValueError::Url),
            ("id.chitty.cc/api", HeadValueError::Forbidden { at: 12 }),
            (
                "id.chitty.cc\r\nX-Evil: 1",
                HeadValueError::Forbidden { at: 12 },
            ),
            ("id chitty", HeadValueError::Forbidden { at: 2 }),
            ("user@id.chitty.cc", HeadValueError::Forbidden { at: 4 }),
            ("bücher.example", HeadValueError::Forbidden { at: 1 }),
        ];
        for (host, error) in bad {
            assert_eq!(Host::new(host), Err(error), "{host:?}");
        }
    }

    #[test]
    fn tokens_are_visible_ascii() {
        assert!(Token::new("eyJhbGciOi.J9.abc-_~+/==").is_ok());
        for (token, error) in [
            ("", HeadValueError::Empty),
            ("t0k\r\nX-Evil: 1", HeadValueError::Forbidden { at: 3 }),
            ("t0k en", HeadValueError::Forbidden { at: 3 }),
            ("\tt0k", HeadValueError::Forbidden { at: 0 }),
        ] {
            assert_eq!(Token::new(token).map(|t| t.expose()), Err(error));
        }
    }

    #[test]
    fn errors_read_as_sentences_without_the_value() {
        let e = Token::new("s3cret\n").unwrap_err();
        let text = std::format!("{e}");
        assert!(text.starts_with("byte 6 cannot be sent"), "{text}");
        assert!(!text.contains("s3cret"));
        let token = Token::new("s3cret").unwrap();
        assert_eq!(std::format!("{token:?}"), "Token(<redacted>)");
    }
}
