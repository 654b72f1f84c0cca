//! Why a request was not sent. The client reports only that no connection was made
//! (`Failure::NotSent`: a name that does not resolve, a refused connection and a failed
//! TLS handshake look the same), so the CLI retraces the steps itself: resolve the
//! service's host, open a TCP connection, and if that works on an `https` URL, the
//! handshake is what failed.

use std::io;
use std::time::Duration;

use chittyid::engine::{Failure, Unanswered};

/// `true` when a call ended because no connection could be made.
fn not_sent(why: &Unanswered) -> bool {
    matches!(
        why,
        Unanswered::Failed {
            last: Failure::NotSent,
            ..
        }
    )
}

/// Explains why calls to one service got no answer, looking for the cause of a failed
/// connection once per run.
pub struct Diagnosis {
    url: String,
    timeout: Duration,
    found: Option<Option<String>>,
}

impl Diagnosis {
    pub fn new(url: &str, timeout: Duration) -> Diagnosis {
        Diagnosis {
            url: url.to_string(),
            timeout,
            found: None,
        }
    }

    /// `why` in words; when no connection was made, with the cause found.
    pub async fn explain(&mut self, why: &Unanswered) -> String {
        if !not_sent(why) {
            return why.to_string();
        }
        if self.found.is_none() {
            self.found = Some(why_not_sent(&self.url, self.timeout).await);
        }
        match &self.found {
            Some(Some(cause)) => format!("{why}; {cause}"),
            _ => why.to_string(),
        }
    }
}

/// What a fresh attempt to reach `service_url` finds wrong, in a sentence, or `None`
/// when it finds nothing (the failure was passing, or the URL is not understood).
async fn why_not_sent(service_url: &str, timeout: Duration) -> Option<String> {
    let target = Target::of(service_url)?;
    let host = target.host;
    let resolved = tokio::time::timeout(timeout, tokio::net::lookup_host((host, target.port)));
    let addrs: Vec<_> = match resolved.await {
        Err(_) => return Some(format!("the name {host} did not resolve in time")),
        Ok(Err(e)) => return Some(format!("the name {host} does not resolve ({e})")),
        Ok(Ok(addrs)) => addrs.collect(),
    };
    let Some(first) = addrs.first() else {
        return Some(format!("the name {host} has no address"));
    };
    let mut last_error = None;
    for addr in &addrs {
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) if target.tls => {
                return Some(format!(
                    "the TLS handshake with {host} failed (a TCP connection to {addr} \
                     works): its certificate is not trusted (see --ca), or it does not \
                     speak HTTPS"
                ));
            }
            Ok(Ok(_)) => return None,
            Ok(Err(e)) => last_error = Some((*addr, e)),
            Err(_) => last_error = Some((*addr, io::ErrorKind::TimedOut.into())),
        }
    }
    let (addr, error) = last_error.unwrap_or((*first, io::ErrorKind::NotConnected.into()));
    Some(match error.kind() {
        io::ErrorKind::ConnectionRefused => format!("{addr} refused the connection"),
        io::ErrorKind::TimedOut => format!("a TCP connection to {addr} timed out"),
        _ => format!("a TCP connection to {addr} failed ({error})"),
    })
}

/// The parts of a service URL that a connection needs.
#[derive(Debug, PartialEq)]
struct Target<'a> {
    tls: bool,
    host: &'a str,
    port: u16,
}

impl<'a> Target<'a> {
    fn of(url: &'a str) -> Option<Target<'a>> {
        let (tls, rest) = match url.split_once("://")? {
            (scheme, rest) if scheme.eq_ignore_ascii_case("https") => (true, rest),
            (scheme, rest) if scheme.eq_ignore_ascii_case("http") => (false, rest),
            _ => return None,
        };
        let authority = rest.split(['/', '?', '#']).next()?;
        let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
        let (host, port) = match authority.strip_prefix('[') {
            Some(bracketed) => {
                let (host, after) = bracketed.split_once(']')?;
                (host, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        let port = match port {
            Some(port) => port.parse().ok()?,
            None if tls => 443,
            None => 80,
        };
        (!host.is_empty()).then_some(Target { tls, host, port })
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    #[test]
    fn service_urls_give_scheme_host_and_port() {
        let target = |tls, host, port| Some(Target { tls, host, port });
        assert_eq!(
            Target::of("https://id.chitty.cc"),
            target(true, "id.chitty.cc", 443)
        );
        assert_eq!(
            Target::of("http://127.0.0.1:8787/api"),
            target(false, "127.0.0.1", 8787)
        );
        assert_eq!(Target::of("HTTP://[::1]:9/"), target(false, "::1", 9));
        assert_eq!(Target::of("https://[::1]"), target(true, "::1", 443));
        assert_eq!(Target::of("https://u:p@h:1?q"), target(true, "h", 1));
        for bad in [
            "id.chitty.cc",
            "ftp://h",
            "http://",
            "http://h:port",
            "http://[::1",
        ] {
            assert_eq!(Target::of(bad), None, "{bad}");
        }
    }
}
