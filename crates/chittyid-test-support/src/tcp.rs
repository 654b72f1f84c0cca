//! A `chittyid_embassy::Connect` over tokio TCP through `embedded-io-adapters`, for the
//! embassy adapter's host tests.

use std::net::SocketAddr;

use chittyid_embassy::{Connect, ConnectError};
use embedded_io_adapters::tokio_1::FromTokio;

/// Opens a TCP connection to one address per request.
pub struct Tcp(pub SocketAddr);

impl Connect for Tcp {
    type Connection = FromTokio<tokio::net::TcpStream>;

    async fn connect(&mut self) -> Result<Self::Connection, ConnectError> {
        tokio::net::TcpStream::connect(self.0)
            .await
            .map(FromTokio::new)
            .map_err(|_| ConnectError)
    }
}
