//! What the firmware tells the client: where the service is, the token, the engine's
//! settings and the time-outs of a device's network steps.

use core::time::Duration;

use chittyid::engine::EngineConfig;
use chittyid::wire::{HeadValueError, Host, Token};

/// How long one network step may take. Each is bounded by the attempt's own time-out
/// too (default 10 s); these end a step that stalls sooner, so that a dead link is
/// found before the whole attempt's time has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Timeouts {
    /// Opening a connection (default 5 s, as the std client's): a link that is down
    /// fails here, as not sent.
    pub connect: Duration,
    /// Each read of the answer (default 10 s, an attempt's default time-out, so that a
    /// slow service answers firmware as it answers the std client): a stall longer than
    /// this ends the connection as broken. Set it shorter to find a dead link sooner.
    /// (Writing the request is bounded by the attempt's time-out.)
    pub read: Duration,
}

impl Timeouts {
    /// Both time-outs.
    pub const fn new(connect: Duration, read: Duration) -> Timeouts {
        Timeouts { connect, read }
    }
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts::new(Duration::from_secs(5), Duration::from_secs(10))
    }
}

/// The client's settings. A host and (usually) a token are all most firmware sets.
/// Each is checked where it is set: a request head never carries a line break or a
/// space from them.
///
/// ```
/// use chittyid_embassy::{HeadValueError, Settings};
///
/// let settings = Settings::new("id.chitty.cc")?.with_token("t0k")?;
/// assert_eq!(settings.host(), "id.chitty.cc");
/// // A URL is not a host, and a token cannot carry a line break.
/// assert_eq!(Settings::new("https://id.chitty.cc").unwrap_err(), HeadValueError::Url);
/// assert!(settings.with_token("t0k\r\nX-Evil: 1").is_err());
/// # Ok::<(), HeadValueError>(())
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Settings<'a> {
    host: Host<'a>,
    token: Option<Token<'a>>,
    /// The engine's settings (default: the defaults the simulation chose).
    pub engine: EngineConfig,
    /// The network steps' time-outs.
    pub timeouts: Timeouts,
}

impl<'a> Settings<'a> {
    /// Settings for the service at `host` (a name or an address, with `:port` if it is
    /// not 80; sent as the `Host` header), with no token and every default. An empty
    /// host, a URL, or one with a space, a control character, a byte outside ASCII or
    /// `/ ? # @` is refused.
    pub fn new(host: &'a str) -> Result<Settings<'a>, HeadValueError> {
        Ok(Settings {
            host: Host::new(host)?,
            token: None,
            engine: EngineConfig::default(),
            timeouts: Timeouts::default(),
        })
    }

    /// The bearer token that mints (it is never logged: it has no `defmt::Format`).
    /// An empty token, or one with a space, a control character or a byte outside
    /// ASCII, is refused.
    pub fn with_token(mut self, token: &'a str) -> Result<Settings<'a>, HeadValueError> {
        self.token = Some(Token::new(token)?);
        Ok(self)
    }

    /// The service's host.
    pub fn host(&self) -> &'a str {
        self.host.as_str()
    }

    pub(crate) fn host_header(&self) -> Host<'a> {
        self.host
    }

    pub(crate) fn token(&self) -> Option<Token<'a>> {
        self.token
    }
}

impl core::fmt::Debug for Settings<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Settings")
            .field("host", &self.host)
            .field("token", &self.token.map(|_| "<redacted>"))
            .field("engine", &self.engine)
            .field("timeouts", &self.timeouts)
            .finish()
    }
}
