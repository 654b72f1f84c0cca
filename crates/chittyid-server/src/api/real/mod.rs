//! The real profile: the routes of id.chitty.cc as its public code behaves
//! (`REAL-SERVICE.md` section 1): CORS on every JSON answer, `OPTIONS` on any path, a
//! JSON 404 for everything else (wrong methods and `GET /v1/validate/{id}` included),
//! the health and spec answers, and the 503 `SECURITY_ERROR` answer. Minting,
//! fallback IDs, validation and the format rules have their own modules.

mod fallback;
mod format;
mod mint;
mod validate;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::{Shared, gate};
use crate::clock::{rfc3339, unix_millis};

const SERVICE: &str = "chittyid-mothership";
const VERSION: &str = "2.0.0";

/// Marks an answer that must go out without a CORS header.
#[derive(Debug, Clone, Copy)]
struct NoCors;

/// The real profile's routes.
pub(super) fn router(state: Shared) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/api/health", get(api_health))
        .route("/v1/mint", post(mint::mint_post))
        .route("/api/get-chittyid", get(mint::mint_get))
        .route("/generate", get(mint::mint_get))
        .route("/api/validate", post(validate::validate))
        .route("/api/spec", get(spec))
        .route_layer(middleware::from_fn_with_state(state.clone(), gate::gate))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn(cors))
        .with_state(state)
}

/// A JSON answer with a status.
fn json_answer(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// `OPTIONS` anywhere: 200, empty, with the CORS headers; `HEAD` anywhere: the 404
/// (the real front serves `GET` only); every other answer gets
/// `Access-Control-Allow-Origin: *` unless marked [`NoCors`].
async fn cors(req: Request, next: Next) -> Response {
    if req.method() == Method::HEAD {
        let uri = req.uri().clone();
        let mut response = not_found(uri).await;
        response
            .headers_mut()
            .insert("access-control-allow-origin", HeaderValue::from_static("*"));
        return response;
    }
    if req.method() == Method::OPTIONS {
        return (
            StatusCode::OK,
            [
                ("access-control-allow-origin", "*"),
                ("access-control-allow-methods", "GET, POST, OPTIONS"),
                (
                    "access-control-allow-headers",
                    "Content-Type, Authorization",
                ),
            ],
        )
            .into_response();
    }
    let mut response = next.run(req).await;
    if response.extensions().get::<NoCors>().is_none() {
        response
            .headers_mut()
            .insert("access-control-allow-origin", HeaderValue::from_static("*"));
    }
    response
}

async fn not_found(uri: Uri) -> Response {
    json_answer(
        StatusCode::NOT_FOUND,
        &json!({
            "success": false,
            "error": "NOT_FOUND",
            "message": format!("Route not found: {}", uri.path()),
            "timestamp": rfc3339(unix_millis()),
            "service": SERVICE,
        }),
    )
}

/// What the real front answers when a handler fails (a body that is not JSON, storage
/// that fails): 503, and no CORS header.
fn security_error() -> Response {
    let body = json!({
        "success": false,
        "error": "SECURITY_ERROR",
        "message": "Request processing failed security validation",
        "timestamp": rfc3339(unix_millis()),
        "security": {"level": "MAXIMUM", "enforcement": "MANDATORY", "bypassable": false},
    });
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            ("content-type", "application/json"),
            ("x-security-error", "true"),
            ("x-chittyos-service", SERVICE),
        ],
        body.to_string(),
    )
        .into_response();
    response.extensions_mut().insert(NoCors);
    response
}

async fn health() -> Response {
    json_answer(
        StatusCode::OK,
        &json!({"status": "ok", "service": SERVICE, "version": VERSION, "timestamp": rfc3339(unix_millis())}),
    )
}

async fn api_health() -> Response {
    json_answer(
        StatusCode::OK,
        &json!({"status": "healthy", "version": VERSION, "timestamp": rfc3339(unix_millis()), "service": SERVICE}),
    )
}

async fn spec() -> Response {
    json_answer(
        StatusCode::OK,
        &json!({
            "success": true,
            "specification": {
                "format": "VV-G-LLL-SSSS-T-YM-C-X",
                "entityTypes": {"P": "Person", "L": "Place", "T": "Thing", "E": "Event", "A": "Authority"},
                "trustLevels": {"0": "Unverified", "1": "Basic", "2": "Standard", "3": "Verified", "4": "Premium", "5": "Official"},
            },
            "timestamp": rfc3339(unix_millis()),
        }),
    )
}
