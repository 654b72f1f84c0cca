//! `chittyid serve` as a child process, for the CLI's tests: started on a loopback
//! port 0, its address read from the first line it prints, and killed when dropped, so
//! that a failing test leaves no server behind.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

/// A running `chittyid serve`.
pub struct Serving {
    /// The process.
    pub child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl Serving {
    /// Starts `chittyid serve` from the binary at `exe` (a test's
    /// `env!("CARGO_BIN_EXE_chittyid")`) accepting `token`, with the `extra` arguments.
    pub fn start(exe: &str, token: &str, extra: &[&str]) -> Serving {
        let mut child = Command::new(exe)
            .args(["serve", "--addr", "127.0.0.1:0", "--token", token])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chittyid serve starts");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let addr = first
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .parse()
            .unwrap();
        Serving { child, addr }
    }

    /// The service URL to give the CLI.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The URL of a loopback port that nothing listens on.
pub fn closed_port_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}
