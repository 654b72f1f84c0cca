//! HTTP/1.1 with keep-alive pooling and TLS by rustls (web PKI roots, plus optional
//! custom CAs). It carries out the engine's `Send` actions and says what happened as
//! the engine's [`Fact`]s; it adds no policy of its own.

use std::sync::Arc;

use chittyid::engine::{Fact, Response};
use chittyid::wire::{MAX_BODY, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls_pki_types::CertificateDer;

use crate::secret::Secret;

/// An answer, owned: a head arrived, and its body (cut when longer than the engine
/// accepts).
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<Vec<u8>>,
    pub idempotency_key: Option<Vec<u8>>,
    pub body: Vec<u8>,
    /// The body was longer than the engine accepts: `body` is its start.
    pub cut: bool,
}

impl Answer {
    /// The answer as the engine reads it.
    pub fn response(&self) -> Response<'_> {
        Response {
            status: self.status,
            retry_after: self.retry_after.as_deref(),
            idempotency_key: self.idempotency_key.as_deref(),
            body: &self.body,
            cut: self.cut,
        }
    }
}

/// What to send, owned (built while the engine's lock is held, sent after).
pub struct Outgoing {
    pub method: Method,
    pub path: String,
    pub body: Vec<u8>,
    pub sends_token: bool,
    pub idempotency_key: Option<String>,
}

impl Outgoing {
    /// An owned copy of the engine's request.
    pub fn of(request: &Request<'_>) -> Outgoing {
        Outgoing {
            method: request.method,
            path: request.path.to_string(),
            body: request.body.to_vec(),
            sends_token: request.sends_token,
            idempotency_key: request.idempotency_key.map(str::to_string),
        }
    }
}

/// The HTTP client with its pool.
#[derive(Clone)]
pub struct Transport {
    client: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
    base: String,
    token: Option<Secret>,
}

/// A TLS setting that could not be used.
#[derive(Debug)]
pub struct TlsSetupError(pub String);

impl Transport {
    /// A transport for `base` (`http://…` or `https://…`, no trailing slash).
    pub fn new(
        base: String,
        token: Option<Secret>,
        extra_roots: Vec<CertificateDer<'static>>,
    ) -> Result<Transport, TlsSetupError> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        for cert in extra_roots {
            roots
                .add(cert)
                .map_err(|e| TlsSetupError(format!("custom CA: {e}")))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        // As the firmware client's: a connection not open in 5 s was not sent.
        http.set_connect_timeout(Some(std::time::Duration::from_secs(5)));
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(std::time::Duration::from_secs(60))
            .build(connector);
        Ok(Transport {
            client,
            base,
            token,
        })
    }

    /// Sends one request and reads the answer; without one, the fact of what went
    /// wrong (hyper's errors mapped onto the same facts the core's HTTP reader gives
    /// the firmware).
    pub async fn send(&self, outgoing: Outgoing) -> Result<Answer, Fact<'static>> {
        let method = match outgoing.method {
            Method::Get => hyper::Method::GET,
            Method::Post => hyper::Method::POST,
        };
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.base, outgoing.path))
            .header("accept", "application/json")
            .header("user-agent", chittyid::wire::USER_AGENT);
        if outgoing.sends_token
            && let Some(token) = &self.token
        {
            builder = builder.header("authorization", format!("Bearer {}", token.expose()));
        }
        if let Some(key) = &outgoing.idempotency_key {
            builder = builder.header("idempotency-key", key.as_str());
        }
        if outgoing.method == Method::Post {
            builder = builder.header("content-type", "application/json");
        }
        let request = builder
            .body(Full::new(Bytes::from(outgoing.body)))
            .map_err(|_| Fact::DoesNotFit)?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| fact_of(&e))?;
        let status = response.status().as_u16();
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &hyper::header::HeaderValue| v.as_bytes().to_vec())
        };
        let (retry_after, idempotency_key) = (header("retry-after"), header("idempotency-key"));
        let body = read_capped(response.into_body()).await?;
        Ok(Answer {
            status,
            retry_after,
            idempotency_key,
            cut: body.len() > MAX_BODY,
            body,
        })
    }
}

/// What a failed request makes: no connection is [`Fact::NotSent`]; an answer that
/// is not HTTP as hyper reads it is [`Fact::NotHttp`]; anything else (the connection
/// closed or broke before a head) is [`Fact::Broken`].
fn fact_of(error: &hyper_util::client::legacy::Error) -> Fact<'static> {
    if error.is_connect() {
        return Fact::NotSent;
    }
    let parse = std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<hyper::Error>())
        .is_some_and(hyper::Error::is_parse);
    if parse { Fact::NotHttp } else { Fact::Broken }
}

/// Reads a body, keeping at most one byte more than the engine accepts: an oversized
/// answer is never read whole, and is reported as cut. A body that breaks off after
/// its head (a reset, a close before its length, broken chunks) is not HTTP as
/// accepted, as the core's reader says for the firmware.
async fn read_capped(mut body: Incoming) -> Result<Vec<u8>, Fact<'static>> {
    let mut kept = Vec::new();
    while kept.len() <= MAX_BODY {
        let Some(frame) = body.frame().await else {
            break;
        };
        let frame = frame.map_err(|_| Fact::NotHttp)?;
        if let Some(data) = frame.data_ref() {
            let room = MAX_BODY + 1 - kept.len();
            kept.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    Ok(kept)
}
