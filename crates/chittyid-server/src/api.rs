//! The service's HTTP API (spec section 5): routes, handlers and their JSON, behind a
//! gate that adds latency, applies rate limits and injects faults.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chittyid::{ChittyId, EntityType, IdKind, Jurisdiction, Region, TrustLevel};
use http_body_util::{BodyExt, Limited};
use serde_json::{Value, json};

use crate::auth::authorized;
use crate::clock::{rfc3339, unix_millis};
use crate::config::FaultKind;
use crate::conn::KillSwitch;
use crate::faults::Faults;
use crate::ratelimit::RateLimiter;
use crate::stats::Stats;
use crate::store::{MintSpec, Minted, Store, StoreError};

/// The client's address, put in each request's extensions by the connection loop.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Everything the handlers share.
pub struct AppState {
    pub store: Store,
    pub faults: Faults,
    pub stats: Stats,
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

/// The API's routes.
pub fn router(state: Shared, admin: bool) -> Router {
    let api = Router::new()
        .route("/health", get(health))
        .route("/api/health", get(health))
        .route("/v1/mint", post(mint_post))
        .route("/api/get-chittyid", get(mint_get))
        .route("/api/validate", post(validate_post))
        .route("/v1/validate/{id}", get(validate_v1))
        .route("/api/spec", get(spec))
        .route_layer(middleware::from_fn_with_state(state.clone(), gate));
    let mut router = api;
    if admin {
        router = router.route("/admin/stats", get(admin_stats));
    }
    router
        .fallback(|| async { error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such route") })
        .with_state(state)
}

fn is_mint_route(route: &str) -> bool {
    route == "/v1/mint" || route == "/api/get-chittyid"
}

/// Which fault hit a mint, for the mint handler to act on.
#[derive(Debug, Clone, Copy)]
struct MintFault(FaultKind);

/// Latency, rate limits and faults, then the route; counts every answer.
async fn gate(State(app): State<Shared>, mut req: Request, next: Next) -> Response {
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

async fn health() -> Response {
    Json(json!({
        "status": "ok",
        "service": "chittyid-reference",
        "version": env!("CARGO_PKG_VERSION"),
        "timestamp": rfc3339(unix_millis()),
    }))
    .into_response()
}

/// The fields of a mint request, however the client spelled them.
fn mint_spec(
    fields: &serde_json::Map<String, Value>,
    metadata_limit: usize,
) -> Result<(MintSpec, String), ApiError> {
    let text = |names: &[&str]| names.iter().find_map(|n| fields.get(*n));
    let entity = text(&["entityType", "entity_type", "entity", "type"]).ok_or_else(|| {
        error(
            StatusCode::BAD_REQUEST,
            "MISSING_ENTITY_TYPE",
            "give entityType: person, place, thing, event or authority",
        )
    })?;
    let entity_type = entity
        .as_str()
        .and_then(EntityType::from_name)
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "INVALID_ENTITY_TYPE",
                format!("unknown entity type {entity}"),
            )
        })?;
    let region = match text(&["region"]) {
        None | Some(Value::Null) => Region::NorthAmerica,
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|&d| (1..=9).contains(&d))
            .and_then(|d| Region::from_digit(d as u8))
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_REGION",
                    format!("region {v} is not 1-9"),
                )
            })?,
    };
    let jurisdiction = match text(&["jurisdiction"]) {
        None | Some(Value::Null) => Jurisdiction::new(*b"USA").expect("USA is three letters"),
        Some(v) => v
            .as_str()
            .map(str::to_ascii_uppercase)
            .and_then(|s| <[u8; 3]>::try_from(s.as_bytes()).ok())
            .and_then(Jurisdiction::new)
            .filter(|j| !j.is_fallback_marker())
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_JURISDICTION",
                    format!("jurisdiction {v} is not three letters"),
                )
            })?,
    };
    let trust_level = match text(&["trust", "trustLevel", "trust_level"]) {
        None | Some(Value::Null) => TrustLevel::Unverified,
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|&t| t <= 5)
            .and_then(|t| TrustLevel::from_digit(t as u8))
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    "INVALID_TRUST_LEVEL",
                    format!("trust {v} is not 0-5"),
                )
            })?,
    };
    let metadata = fields
        .get("metadata")
        .map(Value::to_string)
        .unwrap_or_default();
    if metadata.len() > metadata_limit {
        return Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "METADATA_TOO_LARGE",
            format!(
                "metadata is {} bytes; at most {metadata_limit}",
                metadata.len()
            ),
        ));
    }
    let spec = MintSpec {
        entity_type,
        region,
        jurisdiction,
        trust_level,
    };
    let fingerprint = format!(
        "{}|{}|{}|{}|{metadata}",
        entity_type.code(),
        region.digit(),
        jurisdiction,
        trust_level.digit()
    );
    Ok((spec, fingerprint))
}

fn components(id: ChittyId) -> Value {
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

async fn mint_post(State(app): State<Shared>, req: Request) -> Result<Response, ApiError> {
    if !authorized(req.headers(), &app.tokens) {
        return Err(unauthorized());
    }
    let fault = req.extensions().get::<MintFault>().map(|f| f.0);
    let kill = req.extensions().get::<KillSwitch>().cloned();
    let key = idempotency_key(req.headers());
    let fields = json_object(&app, req.into_body()).await?;
    mint(app, fields, key, fault, kill).await
}

async fn mint_get(
    State(app): State<Shared>,
    Query(query): Query<serde_json::Map<String, Value>>,
    req: Request,
) -> Result<Response, ApiError> {
    if !authorized(req.headers(), &app.tokens) {
        return Err(unauthorized());
    }
    let fault = req.extensions().get::<MintFault>().map(|f| f.0);
    let kill = req.extensions().get::<KillSwitch>().cloned();
    let key = idempotency_key(req.headers());
    mint(app, query, key, fault, kill).await
}

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .map(str::to_string)
}

fn unauthorized() -> ApiError {
    error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "minting needs Authorization: Bearer <CHITTY_ID_TOKEN>",
    )
}

fn storage_failed() -> ApiError {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "STORAGE_UNAVAILABLE",
        "storage failed",
    )
}

async fn mint(
    app: Shared,
    fields: serde_json::Map<String, Value>,
    key: Option<String>,
    fault: Option<FaultKind>,
    kill: Option<KillSwitch>,
) -> Result<Response, ApiError> {
    let (spec, fingerprint) = mint_spec(&fields, app.metadata_limit)?;
    if fault == Some(FaultKind::Fallback) {
        app.stats.fault(FaultKind::Fallback);
        let store = app.store.clone();
        let id = tokio::task::spawn_blocking(move || store.issue_fallback(spec.entity_type))
            .await
            .map_err(|_| storage_failed())?
            .map_err(|_| storage_failed())?;
        app.stats.fallback();
        return Ok(Json(json!({
            "success": true, "chittyId": id.to_string(), "components": components(id),
            "fallback": true, "errorCode": "MINT_UNAVAILABLE", "timestamp": rfc3339(unix_millis()),
        }))
        .into_response());
    }
    let store = app.store.clone();
    let minted =
        tokio::task::spawn_blocking(move || store.mint(spec, key.as_deref(), &fingerprint))
            .await
            .map_err(|_| {
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL_ERROR",
                    "the mint task failed",
                )
            })?;
    let (id, replayed) = match minted {
        Ok(Minted::New(id)) => (id, false),
        Ok(Minted::Replayed(id)) => (id, true),
        Err(StoreError::KeyReused) => {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key came with a different request",
            ));
        }
        Err(StoreError::SequencesExhausted) => {
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SEQUENCES_EXHAUSTED",
                "no sequence left for this region, jurisdiction and type",
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "mint failed in storage");
            return Err(storage_failed());
        }
    };
    app.stats.minted(replayed);
    tracing::info!(id = %id, replayed, "minted");
    if fault == Some(FaultKind::DropAfterCommit) {
        app.stats.fault(FaultKind::DropAfterCommit);
        if let Some(kill) = kill {
            kill.kill();
        }
        return std::future::pending().await;
    }
    Ok(Json(json!({
        "success": true, "chittyId": id.to_string(), "components": components(id),
        "timestamp": rfc3339(unix_millis()),
    }))
    .into_response())
}

/// The verdict on one ID text, as `(valid, extra fields)`.
async fn verdict(app: &Shared, text: &str) -> Result<(bool, Value), ApiError> {
    app.stats.validation();
    let id = match ChittyId::parse(text) {
        Err(e) => {
            return Ok((
                false,
                json!({"error": e.to_string(), "errorCode": e.kind().code()}),
            ));
        }
        Ok(id) => id,
    };
    let store = app.store.clone();
    let answer = tokio::task::spawn_blocking(move || -> Result<(bool, Value), StoreError> {
        if let IdKind::Fallback(_) = id.kind() {
            let spec = MintSpec {
                entity_type: id.entity_type(),
                region: Region::NorthAmerica,
                jurisdiction: Jurisdiction::new(*b"USA").expect("USA is three letters"),
                trust_level: TrustLevel::Unverified,
            };
            return Ok(match store.replace_fallback(id, spec)? {
                Some(new) => (false, json!({"fallback": true, "replacedBy": new.to_string(), "reason": "fallback ID replaced"})),
                None => (false, json!({"fallback": true, "reason": "fallback ID not issued by this service"})),
            });
        }
        Ok(if store.is_minted(id)? {
            (true, json!({"components": components(id)}))
        } else {
            (false, json!({"reason": "not minted by this service"}))
        })
    })
    .await;
    match answer {
        Ok(Ok(answer)) => Ok(answer),
        _ => Err(error(
            StatusCode::SERVICE_UNAVAILABLE,
            "STORAGE_UNAVAILABLE",
            "storage failed",
        )),
    }
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
        base.extend(extra);
    }
    base
}

async fn validate_post(State(app): State<Shared>, req: Request) -> Result<Response, ApiError> {
    let fields = json_object(&app, req.into_body()).await?;
    let text = ["id", "chittyId", "chitty_id"]
        .iter()
        .find_map(|n| fields.get(*n))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "MISSING_ID",
                "give the ID to validate as \"id\"",
            )
        })?;
    let (valid, extra) = verdict(&app, text).await?;
    Ok(Json(merge(
        json!({"success": true, "valid": valid, "id": text}),
        extra,
    ))
    .into_response())
}

async fn validate_v1(
    State(app): State<Shared>,
    Path(text): Path<String>,
) -> Result<Response, ApiError> {
    let (valid, _) = verdict(&app, &text).await?;
    let entity = ChittyId::parse(&text)
        .ok()
        .filter(|_| valid)
        .map(|id| id.entity_type().name());
    Ok(Json(json!({"valid": valid, "chittyId": text, "entity": entity})).into_response())
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

async fn admin_stats(State(app): State<Shared>) -> Response {
    let mut stats = serde_json::to_value(app.stats.snapshot()).unwrap_or(Value::Null);
    if let (Value::Object(map), Ok(count)) = (&mut stats, app.store.minted_count()) {
        map.insert("idsStored".into(), count.into());
    }
    Json(stats).into_response()
}
