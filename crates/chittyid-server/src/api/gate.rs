//! The gate in front of every route: added latency, per-client rate limits and
//! injected faults, and the count of every answer.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::{Peer, Shared, error};
use crate::config::FaultKind;
use crate::conn::KillSwitch;

fn is_mint_route(route: &str) -> bool {
    route == "/v1/mint" || route == "/api/get-chittyid"
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
    if app.faults.in_outage() {
        // Connections opened before the outage get the same treatment as new ones.
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
        app.stats.request(&route, 429);
        return too_many(wait.as_secs().max(1), "RATE_LIMITED", "rate limit exceeded");
    }
    let kill = req.extensions().get::<KillSwitch>().cloned();
    match app.faults.pick(mint) {
        Some(kind @ (FaultKind::Reset | FaultKind::Timeout)) => {
            app.stats.fault(kind);
            app.stats.request(&route, 0);
            if kind == FaultKind::Timeout {
                tokio::time::sleep(app.hold).await;
            }
            if let Some(kill) = kill {
                kill.kill();
            }
            return std::future::pending().await;
        }
        Some(kind @ FaultKind::Status503) => {
            app.stats.fault(kind);
            app.stats.request(&route, 503);
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "injected fault",
            )
            .into_response();
        }
        Some(kind @ FaultKind::Status429) => {
            app.stats.fault(kind);
            app.stats.request(&route, 429);
            return too_many(1, "RATE_LIMITED", "injected fault");
        }
        Some(kind @ FaultKind::Malformed) => {
            app.stats.fault(kind);
            app.stats.request(&route, 200);
            let body = r#"{"success":true,"chittyId":"03-1-US"#;
            return (StatusCode::OK, [("content-type", "application/json")], body).into_response();
        }
        Some(kind) => {
            req.extensions_mut().insert(MintFault(kind));
        }
        None => {}
    }
    let response = next.run(req).await;
    app.stats.request(&route, response.status().as_u16());
    response
}

fn too_many(retry_after_secs: u64, code: &'static str, message: &str) -> Response {
    let mut response = error(StatusCode::TOO_MANY_REQUESTS, code, message).into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from(retry_after_secs));
    response
}
