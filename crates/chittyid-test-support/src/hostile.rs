//! A hostile ID service for tests: after reading a request, it answers in one of many
//! broken ways. Every behaviour is bounded in bytes and time.

use std::net::SocketAddr;
use std::time::Duration;

use chittyid::engine::{EngineConfig, Failure, Unanswered, Validation};
use chittyid::resilience::BreakerState;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the service misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// A body far larger than any buffer (50 MB announced, streamed until the client goes).
    HugeBody,
    /// Header lines without end.
    EndlessHeaders,
    /// A valid answer, one byte every 300 ms.
    Drip,
    /// A body that is not UTF-8.
    InvalidUtf8,
    /// `Content-Length: 100` and 14 bytes, then close.
    WrongContentLength,
    /// No `Content-Length`, no chunking, and the connection kept open.
    MissingContentLength,
    /// Chunked encoding with a size that is not hex.
    BrokenChunked,
    /// JSON nested 2 000 deep.
    DeepJson,
    /// 1 MB of JSON.
    HugeJson,
    /// A minted ID whose check value is wrong.
    WrongCheckValue,
    /// A 200 with an HTML error page.
    HtmlPage,
    /// A 503 whose body (20 KiB) is larger than any adapter keeps.
    Huge503,
    /// A status line cut off by the connection closing: no answer.
    CutHead,
    /// Bytes that cannot begin an HTTP answer, no blank line, the connection kept open.
    Garbage,
}

impl Hostile {
    /// Every behaviour.
    pub const ALL: [Hostile; 14] = [
        Hostile::HugeBody,
        Hostile::EndlessHeaders,
        Hostile::Drip,
        Hostile::InvalidUtf8,
        Hostile::WrongContentLength,
        Hostile::MissingContentLength,
        Hostile::BrokenChunked,
        Hostile::DeepJson,
        Hostile::HugeJson,
        Hostile::WrongCheckValue,
        Hostile::HtmlPage,
        Hostile::Huge503,
        Hostile::CutHead,
        Hostile::Garbage,
    ];
}

/// Starts the hostile service on a free loopback port.
pub async fn start(kind: Hostile) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, kind));
        }
    });
    addr
}

fn answer(head: &str, body: &[u8]) -> Vec<u8> {
    let mut bytes = format!(
        "HTTP/1.1 200 OK\r\n{head}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

async fn read_request(stream: &mut TcpStream) -> bool {
    let mut buf = vec![0u8; 16 * 1024];
    let mut filled = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if filled >= end + 4 + length.min(8 * 1024) {
                return true;
            }
        }
        if filled == buf.len() {
            return false;
        }
        match tokio::time::timeout_at(deadline, stream.read(&mut buf[filled..])).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => return false,
            Ok(Ok(n)) => filled += n,
        }
    }
}

async fn serve(mut stream: TcpStream, kind: Hostile) {
    if !read_request(&mut stream).await {
        return;
    }
    let limit = tokio::time::Instant::now() + Duration::from_secs(20);
    let _ = tokio::time::timeout_at(limit, misbehave(&mut stream, kind)).await;
}

async fn misbehave(stream: &mut TcpStream, kind: Hostile) -> std::io::Result<()> {
    match kind {
        Hostile::HugeBody => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n")
                .await?;
            let chunk = vec![b'a'; 64 * 1024];
            for _ in 0..(50_000_000 / chunk.len()) {
                stream.write_all(&chunk).await?;
            }
        }
        Hostile::EndlessHeaders => {
            stream.write_all(b"HTTP/1.1 200 OK\r\n").await?;
            for i in 0..200_000 {
                stream
                    .write_all(format!("X-Filler-{i}: {}\r\n", "v".repeat(40)).as_bytes())
                    .await?;
            }
        }
        Hostile::Drip => {
            for byte in answer(
                "",
                br#"{"valid":true,"chittyId":"03-1-USA-5537-P-2602-0-38"}"#,
            ) {
                stream.write_all(&[byte]).await?;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        }
        Hostile::InvalidUtf8 => {
            stream
                .write_all(&answer(
                    "",
                    b"{\"chittyId\":\"\xff\xfe\",\"valid\":\"\xff\",\"status\":\"\xfe\"}",
                ))
                .await?;
        }
        Hostile::WrongContentLength => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"valid\":true}")
                .await?;
        }
        Hostile::MissingContentLength => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\n\r\n{\"valid\":true}")
                .await?;
            tokio::time::sleep(Duration::from_secs(15)).await;
        }
        Hostile::BrokenChunked => {
            stream
                .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
                .await?;
        }
        Hostile::DeepJson => {
            let body = format!("{}{}", "[".repeat(2_000), "]".repeat(2_000));
            stream.write_all(&answer("", body.as_bytes())).await?;
        }
        Hostile::HugeJson => {
            let body = format!(r#"{{"chittyId":"{}"}}"#, "9".repeat(1_000_000));
            stream.write_all(&answer("", body.as_bytes())).await?;
        }
        Hostile::WrongCheckValue => {
            let body = br#"{"success":true,"chittyId":"03-1-USA-5537-P-2602-0-39","valid":"yes","status":7}"#;
            stream.write_all(&answer("", body)).await?;
        }
        Hostile::HtmlPage => {
            let body = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
            stream
                .write_all(&answer("Content-Type: text/html\r\n", body))
                .await?;
        }
        Hostile::CutHead => {
            stream.write_all(b"HTTP/1.1 200 O").await?;
        }
        Hostile::Garbage => {
            stream.write_all(b"<html><body>no HTTP here").await?;
            tokio::time::sleep(Duration::from_secs(15)).await;
        }
        Hostile::Huge503 => {
            let body = vec![b'x'; HUGE_503_BODY];
            stream
                .write_all(
                    format!("HTTP/1.1 503 Service Unavailable\r\nContent-Length: {HUGE_503_BODY}\r\n\r\n")
                        .as_bytes(),
                )
                .await?;
            stream.write_all(&body).await?;
        }
    }
    stream.flush().await
}

/// The body of [`Hostile::Huge503`]: larger than the std adapter keeps (8 KiB) and than a
/// firmware's answer buffer.
const HUGE_503_BODY: usize = 20 * 1024;

/// What both adapters must make of [`Hostile::Huge503`] with default settings: the first
/// validation spends every attempt on 503s and ends local-only saying so; by the second
/// the breaker (ten failures in a row) has opened. A cut body does not hide the status.
pub fn judge_huge_503(
    first: &Validation,
    second: &Validation,
    breaker: BreakerState,
) -> Result<(), String> {
    let attempts = EngineConfig::default().retry.max_attempts;
    let ok_first = matches!(
        first,
        Validation::LocalOnly {
            reason: Unanswered::Failed {
                last: Failure::Status(503),
                attempts: n,
            },
            ..
        } if *n == attempts
    );
    let ok_second = matches!(second, Validation::LocalOnly { .. });
    if ok_first && ok_second && breaker == BreakerState::Open {
        Ok(())
    } else {
        Err(format!("{first:?}, then {second:?}, breaker {breaker:?}"))
    }
}

/// The deadline the hostile tests give each call.
pub const DEADLINE: Duration = Duration::from_secs(3);

/// One call's ending: `acceptable` (a typed error, or a local-only verdict) and within
/// the deadline (plus scheduling slack).
pub fn judge(
    kind: Hostile,
    call: &str,
    acceptable: bool,
    outcome: &dyn std::fmt::Debug,
    took: Duration,
) -> Result<(), String> {
    if !acceptable {
        return Err(format!("{kind:?}: {call} ended with {outcome:?}"));
    }
    if took > DEADLINE + Duration::from_millis(500) {
        return Err(format!("{kind:?}: {call} took {took:?}"));
    }
    Ok(())
}

/// Runs `scenario` against every behaviour at once and fails listing each that ended
/// wrongly.
pub async fn run_all<F, Fut>(scenario: F)
where
    F: Fn(Hostile) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let runs: Vec<_> = Hostile::ALL
        .into_iter()
        .map(|kind| tokio::spawn(scenario(kind)))
        .collect();
    let mut failures = Vec::new();
    for run in runs {
        if let Err(message) = run.await.unwrap() {
            failures.push(message);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
