//! The mint profile: a stand-in for ChittyMint (mint.chitty.cc) for a real-profile
//! front to call. `POST /api/mint` is the built-in back end over HTTP (bearer token,
//! durable mint, back-end faults and latency; a back end that is "down" or "times out"
//! closes the connection unanswered); `GET /health` says what it is.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{Value, json};

use super::gate::Counter;
use super::{ApiError, Shared, error, gate, read_body};
use crate::backend::{self, Reply};
use crate::conn::KillSwitch;

/// The mint profile's routes.
pub(super) fn router(state: Shared) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/mint", post(mint))
        .route_layer(middleware::from_fn_with_state(state.clone(), gate::gate))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route") })
        .with_state(state)
}

async fn health() -> Response {
    Json(json!({"status": "ok", "service": "chittymint-reference", "version": env!("CARGO_PKG_VERSION")}))
        .into_response()
}

async fn mint(State(app): State<Shared>, req: Request) -> Result<Response, ApiError> {
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let kill = req.extensions().get::<KillSwitch>().cloned();
    let counter = req.extensions().get::<Counter>().cloned();
    let bytes = read_body(&app, req.into_body()).await?;
    let request: Value = serde_json::from_slice(&bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            format!("the body is not JSON: {e}"),
        )
    })?;
    match backend::answer_here(app, request, authorization).await {
        Reply::Answered { status, body } => Ok((
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            [("content-type", "application/json")],
            body,
        )
            .into_response()),
        Reply::NoAnswer(_) => {
            if let Some(counter) = counter {
                counter.count(0);
            }
            if let Some(kill) = kill {
                kill.kill();
            }
            std::future::pending().await
        }
    }
}
