//! An external minting back end at `http://HOST:PORT`: `POST {URL}/api/mint` over
//! HTTP/1.1 with the request's JSON and the caller's `Authorization`, and no time-out
//! (like the real front's call to ChittyMint).

use axum::body::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use super::Reply;

/// The largest back-end answer read; a longer one counts as not JSON.
const ANSWER_LIMIT: usize = 1024 * 1024;

/// A client for one external back end.
pub struct External {
    mint_url: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl External {
    /// A client for the back end at `url` (`http://…`; HTTPS is not supported here).
    pub fn new(url: &str) -> Result<External, String> {
        let base = url.trim_end_matches('/');
        let mint_url = format!("{base}/api/mint");
        let uri: hyper::Uri = mint_url
            .parse()
            .map_err(|e| format!("mint back end {url:?}: {e}"))?;
        if uri.scheme_str() != Some("http") || uri.host().is_none() {
            return Err(format!(
                "mint back end {url:?}: expected http://HOST:PORT (HTTPS is not supported)"
            ));
        }
        Ok(External {
            mint_url,
            client: Client::builder(TokioExecutor::new()).build_http(),
        })
    }

    /// One mint call.
    pub async fn mint(&self, request: &Value, authorization: Option<&str>) -> Reply {
        let mut builder =
            hyper::Request::post(&self.mint_url).header("content-type", "application/json");
        if let Some(authorization) = authorization {
            builder = builder.header("authorization", authorization);
        }
        let outgoing = match builder.body(Full::new(Bytes::from(request.to_string()))) {
            Ok(outgoing) => outgoing,
            Err(e) => return Reply::NoAnswer(format!("could not build the request: {e}")),
        };
        let response = match self.client.request(outgoing).await {
            Ok(response) => response,
            Err(e) => return Reply::NoAnswer(error_chain(&e)),
        };
        let status = response.status().as_u16();
        match Limited::new(response.into_body(), ANSWER_LIMIT)
            .collect()
            .await
        {
            Ok(collected) => Reply::Answered {
                status,
                body: collected.to_bytes(),
            },
            Err(e) => Reply::NoAnswer(format!("the answer broke off: {e}")),
        }
    }
}

/// An error and its causes, `: `-separated, so a time-out anywhere in the chain shows.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_urls() {
        assert!(External::new("http://127.0.0.1:9/").is_ok());
        assert!(External::new("https://mint.chitty.cc").is_err());
        assert!(External::new("not a url").is_err());
    }
}
