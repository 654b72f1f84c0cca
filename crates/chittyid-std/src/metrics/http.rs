//! The metrics over HTTP: a response any hyper 1 (or axum 0.8) service can return, and a
//! small server for a listener of its own.

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{ALLOW, CONTENT_TYPE as CONTENT_TYPE_HEADER, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::Client;

/// The content type of [`Client::metrics`]: the OpenMetrics text format (Prometheus
/// scrapes it since 2.5).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The path [`serve`] and [`handle`] answer with the metrics.
pub const PATH: &str = "/metrics";

/// A 200 response holding the client's metrics with their content type, rendered now.
///
/// Return it from any route of your own service. With axum 0.8 (a `Response<Full<Bytes>>`
/// is an `IntoResponse`):
///
/// ```text
/// let app = axum::Router::new().route(
///     "/metrics",
///     axum::routing::get(move || async move { chittyid_std::metrics::response(&client) }),
/// );
/// ```
pub fn response(client: &Client) -> Response<Full<Bytes>> {
    let mut answer = Response::new(Full::new(Bytes::from(client.metrics())));
    answer
        .headers_mut()
        .insert(CONTENT_TYPE_HEADER, HeaderValue::from_static(CONTENT_TYPE));
    answer
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut answer = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *answer.status_mut() = status;
    answer.headers_mut().insert(
        CONTENT_TYPE_HEADER,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    answer
}

/// Answers one request: `GET` or `HEAD` of [`PATH`] with [`response`], another method
/// there with 405, any other path with 404. The body of a request is never read.
///
/// A hyper 1 service in one line:
///
/// ```no_run
/// # async fn demo(client: chittyid_std::Client, stream: tokio::net::TcpStream) {
/// use hyper::service::service_fn;
/// use hyper_util::rt::TokioIo;
///
/// let service = service_fn(move |request| {
///     let answer = chittyid_std::metrics::handle(&client, &request);
///     async move { Ok::<_, std::convert::Infallible>(answer) }
/// });
/// let _ = hyper::server::conn::http1::Builder::new()
///     .serve_connection(TokioIo::new(stream), service)
///     .await;
/// # }
/// ```
pub fn handle<B>(client: &Client, request: &Request<B>) -> Response<Full<Bytes>> {
    if request.uri().path() != PATH {
        return plain(
            StatusCode::NOT_FOUND,
            "not found: the metrics are at /metrics\n",
        );
    }
    match *request.method() {
        Method::GET | Method::HEAD => response(client),
        _ => {
            let mut answer = plain(StatusCode::METHOD_NOT_ALLOWED, "GET or HEAD only\n");
            answer
                .headers_mut()
                .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
            answer
        }
    }
}

/// Serves [`handle`] over HTTP/1.1 on `listener`, one task per connection, until the
/// returned future is dropped (spawn it, and abort the task to stop). An error accepting
/// a connection (too many open files, say) is logged and retried after 100 ms; it never
/// ends the server.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = chittyid_std::Client::builder().build()?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:9464").await?;
/// let server = tokio::spawn(chittyid_std::metrics::serve(client.clone(), listener));
/// // ... the service runs; Prometheus scrapes http://127.0.0.1:9464/metrics ...
/// server.abort();
/// # Ok(()) }
/// ```
pub async fn serve(client: Client, listener: TcpListener) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                tracing::warn!(event = "metrics_accept_failed", error = %error, "metrics endpoint: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let client = client.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let answer = handle(&client, &request);
                async move { Ok::<_, Infallible>(answer) }
            });
            // A client that goes away mid-request is its own business.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
