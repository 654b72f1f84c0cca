//! Validation in the strict profile: the verdict on one ID text (its format, whether
//! this service minted it, and the replacement of a fallback ID), on both validation
//! routes.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chittyid::{ChittyId, IdKind};
use serde_json::{Value, json};

use super::mint::default_spec;
use super::{ApiError, Shared, components, error, json_object, storage_failed};
use crate::store::StoreError;

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
            return Ok(match store.replace_fallback(id, default_spec(id.entity_type()))? {
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
        _ => Err(storage_failed()),
    }
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(base), Value::Object(extra)) = (&mut base, extra) {
        base.extend(extra);
    }
    base
}

pub(super) async fn validate_post(
    State(app): State<Shared>,
    req: Request,
) -> Result<Response, ApiError> {
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

pub(super) async fn validate_v1(
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
