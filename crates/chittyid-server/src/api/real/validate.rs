//! Validation at the real front (`REAL-SERVICE.md` section 3): format and check value
//! only, never "was this ID minted"; and for a fallback ID, the replacement: the request
//! kept under it is sent to the back end again with this call's `Authorization`, and
//! when that mints, the entry is deleted and the new ID is answered once, in a body with
//! no `valid` field.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::fallback::PENDING_TTL_MS;
use super::mint::{classify, spread};
use super::{format, json_answer, security_error};
use crate::api::{Shared, read_body};
use crate::backend;
use crate::clock::{rfc3339, unix_millis};

fn answer(fields: Map<String, Value>) -> Response {
    json_answer(StatusCode::OK, &Value::Object(fields))
}

fn with_timestamp(value: Value) -> Map<String, Value> {
    let mut fields = spread(value);
    fields.insert("timestamp".into(), json!(rfc3339(unix_millis())));
    fields
}

/// `POST /api/validate {"id":…}`.
pub(super) async fn validate(State(app): State<Shared>, req: Request) -> Response {
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = match read_body(&app, req.into_body()).await {
        Ok(bytes) => bytes,
        Err(refusal) => return refusal.into_response(),
    };
    let Ok(body) = serde_json::from_slice::<Value>(&bytes) else {
        return security_error();
    };
    app.stats.validation();
    let text = match body.get("id") {
        _ if body.is_null() => return security_error(),
        Some(Value::String(text)) if !text.is_empty() => text.clone(),
        None | Some(Value::Null | Value::Bool(false) | Value::String(_)) => {
            return answer(with_timestamp(json!({
                "success": true, "valid": false,
                "error": "ChittyID is required and must be a string",
            })));
        }
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => {
            return answer(with_timestamp(json!({
                "success": true, "valid": false,
                "error": "ChittyID is required and must be a string",
            })));
        }
        // The real front calls `.split` on it and throws.
        Some(_) => return security_error(),
    };
    if format::is_fallback(&text) {
        return fallback(&app, &text, authorization).await;
    }
    let verdict = match format::check(&text) {
        Ok(segments) => {
            json!({"success": true, "valid": true, "components": segments.components()})
        }
        Err(reason) => json!({"success": true, "valid": false, "error": reason}),
    };
    answer(with_timestamp(verdict))
}

/// A fallback ID: replaced when a request is kept under it and the back end mints it
/// now; otherwise what its code means.
async fn fallback(app: &Shared, text: &str, authorization: Option<String>) -> Response {
    let store = app.store.clone();
    let key = text.to_string();
    let record = match tokio::task::spawn_blocking(move || store.pending(&key)).await {
        Ok(Ok(record)) => record,
        _ => return security_error(),
    };
    if let Some(record) = record {
        let Ok(mut record) = serde_json::from_str::<Value>(&record) else {
            return security_error();
        };
        let request = record.get("originalRequest").cloned().unwrap_or(json!({}));
        let reply = backend::call(app.clone(), request, authorization).await;
        match classify(&reply) {
            Ok((_, minted)) => {
                let store = app.store.clone();
                let key = text.to_string();
                if !matches!(
                    tokio::task::spawn_blocking(move || store.delete_pending(&key)).await,
                    Ok(Ok(()))
                ) {
                    return security_error();
                }
                app.stats.backend_mint();
                app.stats.fallback_replaced();
                let mut fields = Map::new();
                fields.insert("success".into(), json!(true));
                fields.insert("replaced".into(), json!(true));
                fields.insert("oldId".into(), json!(text));
                fields.insert(
                    "newId".into(),
                    minted.get("chittyId").cloned().unwrap_or(Value::Null),
                );
                fields.insert(
                    "message".into(),
                    json!("Fallback error ID has been replaced with a valid ChittyID"),
                );
                fields.extend(with_timestamp(minted));
                tracing::info!(old = text, new = ?fields.get("newId"), "fallback ID replaced");
                return answer(fields);
            }
            Err(_) => {
                app.stats.backend_failure(&reply.failure_name());
                // An exception (no answer, a 2xx that is not JSON) counts an attempt and
                // keeps the entry 7 more days; a refusal leaves it as it is.
                let exception = match &reply {
                    backend::Reply::NoAnswer(_) => true,
                    backend::Reply::Answered { status, .. } => (200..300).contains(status),
                };
                if exception {
                    let attempts = record.get("attempts").and_then(Value::as_u64).unwrap_or(0);
                    record["attempts"] = json!(attempts + 1);
                    let store = app.store.clone();
                    let key = text.to_string();
                    let record = record.to_string();
                    let kept = tokio::task::spawn_blocking(move || {
                        store.put_pending(&key, &record, PENDING_TTL_MS)
                    })
                    .await;
                    if !matches!(kept, Ok(Ok(()))) {
                        return security_error();
                    }
                }
            }
        }
    }
    let sequential = text.split('-').nth(3).unwrap_or_default();
    let name = sequential
        .parse::<u16>()
        .ok()
        .filter(|n| format!("{n:04}") == sequential)
        .and_then(chittyid::FallbackCode::new)
        .and_then(|code| code.name());
    answer(with_timestamp(json!({
        "success": true,
        "valid": false,
        "isError": true,
        "errorCode": sequential,
        "errorName": name.unwrap_or("UNKNOWN_ERROR"),
        "message": format!(
            "This is a fallback error ID. Error: {}. Re-verify to attempt replacement with a valid ID.",
            name.unwrap_or(sequential)
        ),
        "canReplace": true,
    })))
}
