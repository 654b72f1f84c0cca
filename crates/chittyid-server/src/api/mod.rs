//! The service's HTTP API: what the handlers share (state, error answers, reading JSON
//! bodies, an ID's components), the choice of routes by profile, and the strict
//! profile's routes (spec section 5) with its small read-only ones. The gate in front
//! of every route, strict minting and validation, the real profile (`real/`), the mint
//! profile's back-end route and the admin routes have their own modules.

mod admin;
mod commit;
mod gate;
mod mint;
mod mint_route;
mod real;
mod validate;

pub use mint::default_spec;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chittyid::{ChittyId, Region, TrustLevel};
use http_body_util::{BodyExt, Limited};
use serde_json::{Value, json};

use crate::backend::Backend;
use crate::clock::{rfc3339, unix_millis};
use crate::config::Profile;
use crate::faults::Faults;
use crate::ratelimit::RateLimiter;
use crate::stats::Stats;
use crate::store::Store;

/// The client's address, put in each request's extensions by the connection loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Everything the handlers share.
pub struct AppState {
    pub profile: Profile,
    pub backend: Backend,
    pub store: Store,
    pub faults: Arc<Faults>,
    pub stats: Arc<Stats>,
    pub tokens: Vec<String>,
    pub mint_limit: Option<RateLimiter>,
    pub api_limit: Option<RateLimiter>,
    pub body_limit: usize,
    pub metadata_limit: usize,
    pub body_timeout: Duration,
    pub hold: Duration,
}

type Shared = Arc<AppState>;

/// An error answer: `{"success":false,"error":CODE,"message":…}` with a status.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"success": false, "error": self.code, "message": self.message});
        (self.status, Json(body)).into_response()
    }
}

fn error(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError {
        status,
        code,
        message: message.into(),
    }
}

/// The routes of the state's profile, with the admin routes when `admin` is set.
pub fn router(state: Shared, admin: bool) -> Router {
    let admin_routes = admin.then(|| admin::routes(state.clone()));
    let router = match state.profile {
        Profile::Strict => strict_router(state.clone()),
        Profile::Real => real::router(state.clone()),
        Profile::Mint => mint_route::router(state.clone()),
    };
    match admin_routes {
        Some(admin_routes) => router.merge(admin_routes),
        None => router,
    }
}

/// The strict profile's routes.
fn strict_router(state: Shared) -> Router {
    let api = Router::new()
        .route("/health", get(strict_health))
        .route("/api/health", get(strict_health))
        .route("/v1/mint", post(mint::mint_post))
        .route("/api/get-chittyid", get(mint::mint_get))
        .route("/api/validate", post(validate::validate_post))
        .route("/v1/validate/{id}", get(validate::validate_v1))
        .route("/api/spec", get(spec))
        .route_layer(middleware::from_fn_with_state(state.clone(), gate::gate));
    api.fallback(|| async { error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route") })
        .with_state(state)
}

fn storage_failed() -> ApiError {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "STORAGE_UNAVAILABLE",
        "storage failed",
    )
}

/// The body, within the size limit and the time limit.
async fn read_body(app: &AppState, body: Body) -> Result<Bytes, ApiError> {
    let limited = Limited::new(body, app.body_limit);
    match tokio::time::timeout(app.body_timeout, limited.collect()).await {
        Err(_) => Err(error(
            StatusCode::REQUEST_TIMEOUT,
            "REQUEST_TIMEOUT",
            "the body was too slow to arrive",
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the body is larger than {} bytes", app.body_limit),
        )),
        Ok(Err(e)) => Err(error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            format!("could not read the body: {e}"),
        )),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            "INVALID_JSON",
            format!("the body is not JSON: {e}"),
        )
    })
}

/// The JSON object in a request body.
async fn json_object(
    app: &AppState,
    body: Body,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    match parse_json(&read_body(app, body).await?)? {
        Value::Object(fields) => Ok(fields),
        _ => Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_REQUEST",
            "the body must be a JSON object",
        )),
    }
}

/// A requested jurisdiction: three letters in any case, not the fallback marker `ERR`.
pub(crate) fn requested_jurisdiction(value: &Value) -> Option<chittyid::Jurisdiction> {
    value
        .as_str()
        .map(str::to_ascii_uppercase)
        .and_then(|s| <[u8; 3]>::try_from(s.as_bytes()).ok())
        .and_then(chittyid::Jurisdiction::new)
        .filter(|j| !j.is_fallback_marker())
}

/// An ID's segments as the service names them in answers.
pub fn components(id: ChittyId) -> Value {
    json!({
        "version": format!("{:02}", id.version()),
        "region": id.region().digit().to_string(),
        "jurisdiction": id.jurisdiction().to_string(),
        "sequential": format!("{:04}", id.sequence()),
        "entityType": id.entity_type().code().to_string(),
        "yearMonth": id.year_month().to_string(),
        "trustLevel": id.trust_level().digit().to_string(),
        "checksum": format!("{:02}", id.check_value()),
    })
}

async fn health() -> Response {
    Json(json!({
        "status": "ok",
        "service": "chittyid-reference",
        "version": env!("CARGO_PKG_VERSION"),
        "timestamp": rfc3339(unix_millis()),
    }))
    .into_response()
}

/// The strict profile's health answer. A request that carries an `Idempotency-Key`
/// gets it back: this service honours keys, and a client may ask so before its first
/// mint (the real profile never echoes one).
async fn strict_health(headers: axum::http::HeaderMap) -> Response {
    let mut response = health().await;
    if let Some(key) = headers.get("idempotency-key") {
        response
            .headers_mut()
            .insert("idempotency-key", key.clone());
    }
    response
}

async fn spec() -> Response {
    Json(json!({
        "format": "VV-G-LLL-SSSS-T-YYMM-C-XX",
        "checksum": "mod-97: r = (r*10 + d) mod 97 for digits, (r*100 + (L-'A'+10)) mod 97 for letters; XX = (98 - r) mod 97",
        "entityTypes": {"P": "person", "L": "place", "T": "thing", "E": "event", "A": "authority"},
        "regions": (1..=9).filter_map(|d| Some((d.to_string(), json!(Region::from_digit(d)?.name())))).collect::<serde_json::Map<_, _>>(),
        "trustLevels": (0..=5).filter_map(|d| Some((d.to_string(), json!(TrustLevel::from_digit(d)?.name())))).collect::<serde_json::Map<_, _>>(),
        "fallback": "region 0, jurisdiction ERR, sequence = error code 0001-0099: pending replacement",
    }))
    .into_response()
}
