//! The admin routes, served only when admin is enabled and never faulted:
//! `GET /admin/stats` (the counters and the number of IDs stored) and
//! `GET|POST /admin/faults`, which shows and changes faults while the service runs.
//!
//! `POST /admin/faults` takes a JSON object; every field is optional and they apply in
//! this order: `"clear": true` (no faults, no latency, outage ended), `"set":
//! {"reset": 0.3, "backend-429": 1}` (rates 0 to 1; 0 removes a kind), `"down": bool`
//! (a manual outage: every connection, this route's too, is closed at once, so give
//! `"downForMs": N` to have it end by itself), `"latency"` and `"backendLatency"` (`"MS"`, `"MS:JITTER_MS"` or
//! a number of ms). Nothing is applied when any field is wrong (400). Both routes answer
//! the faults in force: `{"faults":{…},"down":…,"latencyMs":{"base":…,"jitter":…},
//! "backendLatencyMs":{…}}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Map, Value, json};

use super::{ApiError, Shared, error, parse_json, read_body};
use crate::config::{FaultKind, Latency, parse_latency, parse_rate_fraction};
use crate::faults::{FaultState, Faults};

/// The admin routes.
pub(super) fn routes(state: Shared) -> Router {
    Router::new()
        .route("/admin/stats", get(stats))
        .route("/admin/faults", get(show).post(change))
        .with_state(state)
}

async fn stats(State(app): State<Shared>) -> Response {
    let mut stats = serde_json::to_value(app.stats.snapshot()).unwrap_or(Value::Null);
    if let (Value::Object(map), Ok(count)) = (&mut stats, app.store.minted_count()) {
        map.insert("idsStored".into(), count.into());
    }
    Json(stats).into_response()
}

fn latency_json(latency: Latency) -> Value {
    json!({"base": latency.base.as_millis() as u64, "jitter": latency.jitter.as_millis() as u64})
}

fn state_json(state: &FaultState) -> Value {
    let rates: Map<String, Value> = state
        .rates
        .iter()
        .map(|(kind, rate)| (kind.name().to_string(), json!(rate)))
        .collect();
    json!({
        "faults": rates,
        "down": state.down,
        "latencyMs": latency_json(state.latency),
        "backendLatencyMs": latency_json(state.backend_latency),
    })
}

async fn show(State(app): State<Shared>) -> Response {
    Json(state_json(&app.faults.state())).into_response()
}

fn invalid(message: impl Into<String>) -> ApiError {
    error(StatusCode::BAD_REQUEST, "INVALID_FAULTS", message)
}

fn latency_field(value: &Value) -> Result<Latency, ApiError> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err(invalid("a latency is \"MS\", \"MS:JITTER_MS\" or a number")),
    };
    parse_latency(&text).map_err(|e| invalid(e.0))
}

/// The changes a request asks for, all read before any is applied.
struct Changes {
    clear: bool,
    set: Vec<(FaultKind, f64)>,
    down: Option<bool>,
    down_for: Option<std::time::Duration>,
    latency: Option<Latency>,
    backend_latency: Option<Latency>,
}

fn changes(fields: &Map<String, Value>) -> Result<Changes, ApiError> {
    let known = [
        "clear",
        "set",
        "down",
        "downForMs",
        "latency",
        "backendLatency",
    ];
    if let Some(unknown) = fields.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(invalid(format!(
            "unknown field {unknown:?}; known: {}",
            known.join(", ")
        )));
    }
    let flag = |name: &str| match fields.get(name) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(other) => Err(invalid(format!(
            "{name} must be true or false, not {other}"
        ))),
    };
    let mut set = Vec::new();
    match fields.get("set") {
        None => {}
        Some(Value::Object(rates)) => {
            for (name, rate) in rates {
                let kind = FaultKind::from_name(name).ok_or_else(|| {
                    let names: Vec<_> = FaultKind::ALL.iter().map(|k| k.name()).collect();
                    invalid(format!(
                        "fault kind {name:?} unknown; one of {}",
                        names.join(", ")
                    ))
                })?;
                let rate = parse_rate_fraction(&rate.to_string()).map_err(|e| invalid(e.0))?;
                set.push((kind, rate));
            }
        }
        Some(_) => return Err(invalid("set must be an object of KIND: RATE")),
    }
    Ok(Changes {
        clear: flag("clear")?.unwrap_or(false),
        set,
        down: flag("down")?,
        down_for: match fields.get("downForMs") {
            None => None,
            Some(v) => Some(
                v.as_u64()
                    .map(std::time::Duration::from_millis)
                    .ok_or_else(|| invalid("downForMs must be a whole number of ms"))?,
            ),
        },
        latency: fields.get("latency").map(latency_field).transpose()?,
        backend_latency: fields
            .get("backendLatency")
            .map(latency_field)
            .transpose()?,
    })
}

fn apply(faults: &Faults, changes: Changes) {
    if changes.clear {
        faults.clear();
    }
    for (kind, rate) in changes.set {
        faults.set(kind, rate);
    }
    match (changes.down, changes.down_for) {
        (Some(false), _) => faults.set_down(false),
        (_, Some(duration)) => faults.set_down_for(duration),
        (Some(true), None) => faults.set_down(true),
        (None, None) => {}
    }
    if let Some(latency) = changes.latency {
        faults.set_latency(latency);
    }
    if let Some(latency) = changes.backend_latency {
        faults.set_backend_latency(latency);
    }
}

async fn change(State(app): State<Shared>, body: axum::body::Body) -> Result<Response, ApiError> {
    let Value::Object(fields) = parse_json(&read_body(&app, body).await?)? else {
        return Err(invalid("the body must be a JSON object"));
    };
    apply(&app.faults, changes(&fields)?);
    tracing::info!(faults = ?app.faults.state(), "faults changed");
    Ok(Json(state_json(&app.faults.state())).into_response())
}
