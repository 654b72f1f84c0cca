//! Minting in the strict profile: the request's fields however they are spelled, the
//! token, idempotency keys (the answer echoes `Idempotency-Key` when the mint was
//! stored or replayed under it), and the faults that only a mint can meet (a fallback
//! ID, a lost answer). The commit itself (back-end latency, then the store) has its
//! own module. Also the service's default mint fields, shared with the back end.

use axum::Json;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chittyid::{EntityType, Jurisdiction, Region, TrustLevel};
use serde_json::{Value, json};

use super::commit::{CommitError, commit};
use super::gate::{Counter, MintFault};
use super::{
    ApiError, AppState, Shared, components, error, json_object, requested_jurisdiction,
    storage_failed,
};
use crate::auth::authorized;
use crate::clock::{rfc3339, unix_millis};
use crate::config::FaultKind;
use crate::conn::KillSwitch;
use crate::store::{MintSpec, Minted, StoreError};

/// What the service mints when a request leaves a field out; also what replaces a
/// fallback ID.
pub fn default_spec(entity_type: EntityType) -> MintSpec {
    MintSpec {
        entity_type,
        region: Region::NorthAmerica,
        jurisdiction: Jurisdiction::new(*b"USA").expect("USA is three letters"),
        trust_level: TrustLevel::Unverified,
    }
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
    let defaults = default_spec(entity_type);
    let region = match text(&["region"]) {
        None | Some(Value::Null) => defaults.region,
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
        None | Some(Value::Null) => defaults.jurisdiction,
        Some(v) => requested_jurisdiction(v).ok_or_else(|| {
            error(
                StatusCode::BAD_REQUEST,
                "INVALID_JURISDICTION",
                format!("jurisdiction {v} is not three letters"),
            )
        })?,
    };
    let trust_level = match text(&["trust", "trustLevel", "trust_level"]) {
        None | Some(Value::Null) => defaults.trust_level,
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

/// What a mint takes from its request besides the fields: the idempotency key, the
/// fault the gate picked, and the connection's kill switch.
struct MintContext {
    key: Option<String>,
    fault: Option<FaultKind>,
    kill: Option<KillSwitch>,
    counter: Option<Counter>,
}

/// The request's mint context, or a refusal when it carries no valid token.
fn mint_context(app: &AppState, req: &Request) -> Result<MintContext, ApiError> {
    if !authorized(req.headers(), &app.tokens) {
        return Err(unauthorized());
    }
    Ok(MintContext {
        key: idempotency_key(req.headers()),
        fault: req.extensions().get::<MintFault>().map(|f| f.0),
        kill: req.extensions().get::<KillSwitch>().cloned(),
        counter: req.extensions().get::<Counter>().cloned(),
    })
}

/// `POST /v1/mint`: the body's fields, and the query's where the body leaves one out
/// (the deployed service reads region, jurisdiction and trust from the query only, so
/// clients send them there; a strict service accepts both).
pub(super) async fn mint_post(
    State(app): State<Shared>,
    Query(query): Query<serde_json::Map<String, Value>>,
    req: Request,
) -> Result<Response, ApiError> {
    let context = mint_context(&app, &req)?;
    let mut fields = json_object(&app, req.into_body()).await?;
    for (name, value) in query {
        fields.entry(name).or_insert(value);
    }
    mint(app, fields, context).await
}

pub(super) async fn mint_get(
    State(app): State<Shared>,
    Query(query): Query<serde_json::Map<String, Value>>,
    req: Request,
) -> Result<Response, ApiError> {
    let context = mint_context(&app, &req)?;
    mint(app, query, context).await
}

/// The request header that names a mint's idempotency key, echoed on the answer when
/// the mint was stored or replayed under it.
const IDEMPOTENCY_KEY: &str = "idempotency-key";

fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    headers
        .get(IDEMPOTENCY_KEY)
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

async fn mint(
    app: Shared,
    fields: serde_json::Map<String, Value>,
    context: MintContext,
) -> Result<Response, ApiError> {
    let MintContext {
        key,
        fault,
        kill,
        counter,
    } = context;
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
    let minted = commit(app.clone(), spec, key.clone(), fingerprint).await;
    let (id, replayed) = match minted {
        Ok(Minted::New(id)) => (id, false),
        Ok(Minted::Replayed(id)) => (id, true),
        Err(CommitError::Store(StoreError::KeyReused)) => {
            return Err(error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "IDEMPOTENCY_KEY_REUSED",
                "this Idempotency-Key came with a different request",
            ));
        }
        Err(CommitError::Store(StoreError::SequencesExhausted)) => {
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "SEQUENCES_EXHAUSTED",
                "no sequence left for this region, jurisdiction and type",
            ));
        }
        Err(CommitError::Store(e)) => {
            tracing::error!(error = %e, "mint failed in storage");
            return Err(storage_failed());
        }
        Err(CommitError::Task) => {
            return Err(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_ERROR",
                "the mint task failed",
            ));
        }
    };
    tracing::info!(id = %id, replayed, "minted");
    if fault == Some(FaultKind::DropAfterCommit) {
        app.stats.fault(FaultKind::DropAfterCommit);
        if let Some(counter) = counter {
            counter.count(0);
        }
        if let Some(kill) = kill {
            kill.kill();
        }
        return std::future::pending().await;
    }
    let mut response = Json(json!({
        "success": true, "chittyId": id.to_string(), "components": components(id),
        "timestamp": rfc3339(unix_millis()),
    }))
    .into_response();
    // The key it stored or replayed under: how a client learns that keys are honoured.
    if let Some(value) = key.and_then(|key| HeaderValue::from_str(&key).ok()) {
        response.headers_mut().insert(IDEMPOTENCY_KEY, value);
    }
    Ok(response)
}
