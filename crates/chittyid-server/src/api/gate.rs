//! The gate in front of every route: added latency, per-client rate limits and
//! injected front faults, and the count of every request, answered or not (a request
//! whose connection is closed unanswered counts under status 0).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Peer, Shared, error};
use crate::config::FaultKind;
use crate::conn::KillSwitch;

fn is_mint_route(route: &str) -> bool {
    matches!(
        route,
        "/v1/mint" | "/api/get-chittyid" | "/generate" | "/api/mint"
    )
}

/// Counts one request once, under its route: with its status when it is answered, or
/// under 0 when it is closed unanswered (a handler that closes the connection calls
/// [`Counter::count`] first; a request dropped otherwise is counted when it is dropped).
#[derive(Clone)]
pub(super) struct Counter {
    app: Shared,
    route: Arc<str>,
    done: Arc<AtomicBool>,
}

impl Counter {
    /// Counts the request with this status, unless it was counted already.
    pub(super) fn count(&self, status: u16) {
        if !self.done.swap(true, Ordering::SeqCst) {
            self.app.stats.request(&self.route, status);
        }
    }

    /// Marks the request as not to be counted.
    fn skip(&self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

/// Counts a request dropped before it was counted.
struct CountOnDrop(Counter);

impl Drop for CountOnDrop {
    fn drop(&mut self) {
        self.0.count(0);
    }
}

/// Which fault hit a mint, for the mint handler to act on.
#[derive(Debug, Clone, Copy)]
pub(super) struct MintFault(pub(super) FaultKind);

/// Latency, rate limits and faults, then the route; counts every answer.
pub(super) async fn gate(State(app): State<Shared>, mut req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let counter = Counter {
        app: app.clone(),
        route: route.as_str().into(),
        done: Arc::new(AtomicBool::new(false)),
    };
    let _guard = CountOnDrop(counter.clone());
    req.extensions_mut().insert(counter.clone());
    if app.faults.in_outage() {
        // Connections opened before the outage get the same treatment as new ones.
        counter.skip();
        app.stats.outage_connection();
        if let Some(kill) = req.extensions().get::<KillSwitch>() {
            kill.kill();
        }
        return std::future::pending().await;
    }
    let latency = app.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let mint = is_mint_route(&route);
    let limiter = if mint {
        &app.mint_limit
    } else {
        &app.api_limit
    };
    if let (Some(limiter), Some(peer)) = (limiter, req.extensions().get::<Peer>())
        && let Err(wait) = limiter.check(peer.0.ip())
    {
        app.stats.rate_limited();
        counter.count(429);
        return too_many(wait.as_secs().max(1), "RATE_LIMITED", "rate limit exceeded");
    }
    let kill = req.extensions().get::<KillSwitch>().cloned();
    match app.faults.pick(mint) {
        Some(kind @ (FaultKind::Reset | FaultKind::Timeout)) => {
            app.stats.fault(kind);
            if kind == FaultKind::Timeout {
                tokio::time::sleep(app.hold).await;
            }
            counter.count(0);
            if let Some(kill) = kill {
                kill.kill();
            }
            return std::future::pending().await;
        }
        Some(kind @ FaultKind::Status503) => {
            app.stats.fault(kind);
            counter.count(503);
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "injected fault",
            )
            .into_response();
        }
        Some(kind @ FaultKind::Status429) => {
            app.stats.fault(kind);
            counter.count(429);
            return too_many(1, "RATE_LIMITED", "injected fault");
        }
        Some(kind @ FaultKind::Malformed) => {
            app.stats.fault(kind);
            counter.count(200);
            let body = r#"{"success":true,"chittyId":"03-1-US"#;
            return (StatusCode::OK, [("content-type", "application/json")], body).into_response();
        }
        Some(kind) => {
            req.extensions_mut().insert(MintFault(kind));
        }
        None => {}
    }
    let response = next.run(req).await;
    counter.count(response.status().as_u16());
    response
}

fn too_many(retry_after_secs: u64, code: &'static str, message: &str) -> Response {
    let mut response = error(StatusCode::TOO_MANY_REQUESTS, code, message).into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from(retry_after_secs));
    response
}
