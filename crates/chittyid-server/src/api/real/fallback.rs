//! Fallback answers (`REAL-SERVICE.md` section 2): the fallback ID for an error code and
//! entity type this month (`03-0-ERR-<code>-<T>-<YYMM>-0-<XX>`, so two fallbacks of the
//! same code, type and month are the same string), the request behind it kept 7 days
//! under that ID (a later one overwrites it), and the HTTP 200 body that carries it.

use axum::http::StatusCode;
use axum::response::Response;
use chittyid::{ChittyId, EntityType, FallbackCode};
use serde_json::{Value, json};

use super::{json_answer, security_error};
use crate::api::{Shared, components};
use crate::clock::{current_year_month, rfc3339, unix_millis};

/// How long the request behind a fallback ID is kept.
pub(super) const PENDING_TTL_MS: u64 = 7 * 24 * 3600 * 1000;

/// The entity type letter of the front's (lower-case) type word; `T` for any other.
fn entity_of(word: &str) -> EntityType {
    EntityType::ALL
        .into_iter()
        .find(|t| t.name() == word)
        .unwrap_or(EntityType::Thing)
}

/// The code's name as the real front writes it.
pub(super) fn code_name(code: FallbackCode) -> &'static str {
    code.name().unwrap_or("INTERNAL_ERROR")
}

/// Issues a fallback ID for `code`, keeps `request` under it, and answers it; 503
/// `SECURITY_ERROR` when it cannot be kept.
pub(super) async fn answer(
    app: &Shared,
    code: FallbackCode,
    word: &str,
    request: &Value,
) -> Response {
    let name = code_name(code);
    let Ok(id) = ChittyId::fallback(3, code, entity_of(word), current_year_month()) else {
        return security_error();
    };
    let text = id.to_string();
    let record = json!({
        "originalRequest": request,
        "errorCode": name,
        "createdAt": rfc3339(unix_millis()),
        "attempts": 0,
    })
    .to_string();
    let store = app.store.clone();
    let key = text.clone();
    let kept =
        tokio::task::spawn_blocking(move || store.put_pending(&key, &record, PENDING_TTL_MS)).await;
    if !matches!(kept, Ok(Ok(()))) {
        tracing::error!(id = %text, "could not keep the request behind a fallback ID");
        return security_error();
    }
    app.stats.fallback_code(name);
    tracing::info!(id = %text, code = name, "fallback ID issued");
    json_answer(
        StatusCode::OK,
        &json!({
            "success": true,
            "chittyId": text,
            "fallback": true,
            "errorCode": name,
            "message": format!("ChittyMint unavailable. Issued fallback ID with error code {name}. This ID will be replaced with a valid ID on next verification."),
            "components": components(id),
            "geo": {"region": "0", "regionName": "Error/Pending", "jurisdiction": "ERR", "source": "fallback"},
            "trust": {"level": 0, "source": "fallback", "verified": false},
            "timestamp": rfc3339(unix_millis()),
            "service": "id.chitty.cc",
            "mintedBy": "fallback",
        }),
    )
}
