//! How the client reaches the service: a [`Connect`] the firmware provides opens one
//! connection per request (an embassy-net `TcpSocket`, or anything that speaks
//! `embedded_io_async`).

/// A connection could not be opened (no route, the link is down, refused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[allow(
    clippy::exhaustive_structs,
    reason = "a unit error: why a connection failed is the connection's to say"
)]
pub struct ConnectError;

impl core::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("could not open a connection to the service")
    }
}

impl core::error::Error for ConnectError {}

/// Opens connections to the service. One connection serves one request; each task that
/// calls the client brings its own (with its own socket buffers).
pub trait Connect {
    /// The connection.
    type Connection: embedded_io_async::Read + embedded_io_async::Write;

    /// Opens a connection to the service.
    async fn connect(&mut self) -> Result<Self::Connection, ConnectError>;
}
