//! Test support shared by the workspace's tests, so that each scenario has one copy:
//! calls of any kind driven through one loop ([`calls`]), distinct IDs ([`ids`]), a
//! writer that keeps what logs say ([`capture`]), the
//! CLI's `serve` as a child process ([`serve_process`]), the client metrics an
//! expression names ([`promql`]), and, with the `net` feature, a plain HTTP/1.1 client
//! that sends exactly the bytes asked for (`http`), a hostile ID service (`hostile`)
//! and a TCP connector for the embassy adapter (`tcp`).

pub mod calls;
pub mod capture;
#[cfg(feature = "net")]
pub mod hostile;
#[cfg(feature = "net")]
pub mod http;
pub mod ids;
pub mod promql;
pub mod serve_process;
#[cfg(feature = "net")]
pub mod tcp;
