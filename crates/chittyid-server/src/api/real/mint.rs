//! Minting at the real front (`REAL-SERVICE.md` section 2): the request's fields from
//! where the real front reads them (the type from the body or the query; region,
//! jurisdiction and trust from the query only; no token check, no idempotency), the call
//! to the minting back end with the caller's `Authorization`, and what the front answers
//! for each thing the back end did. The front faults that only a mint meets (a fallback
//! answer, a committed mint whose answer is lost) are acted on here.

use axum::extract::{Query, Request, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use chittyid::FallbackCode;
use serde_json::{Map, Value, json};

use super::{fallback, json_answer, security_error};
use crate::api::gate::{Counter, MintFault};
use crate::api::{Shared, read_body};
use crate::backend::{self, Reply};
use crate::config::FaultKind;
use crate::conn::KillSwitch;

/// The query string's pairs, in order (a repeated name: the first counts).
struct QueryPairs(Vec<(String, String)>);

impl QueryPairs {
    fn of(uri: &Uri) -> QueryPairs {
        QueryPairs(
            Query::<Vec<(String, String)>>::try_from_uri(uri)
                .map(|q| q.0)
                .unwrap_or_default(),
        )
    }

    /// The first value of `name`, when it is not empty (empty is "not given").
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

/// JavaScript truthiness of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// The entity type word the front sends: the first present of body `entityType`, body
/// `entity_type`, query `entity_type`, `type`, `for`, else `thing`; lower-cased; codes
/// and purposes mapped to words. `Err` where the real front throws (a body type that is
/// not a string).
fn entity_word(body: &Value, query: &QueryPairs) -> Result<String, ()> {
    let from_body = ["entityType", "entity_type"]
        .iter()
        .find_map(|name| body.get(*name).filter(|v| truthy(v)));
    let raw = match from_body {
        Some(value) => value.as_str().ok_or(())?.to_string(),
        None => ["entity_type", "type", "for"]
            .iter()
            .find_map(|name| query.get(name))
            .unwrap_or("thing")
            .to_string(),
    }
    .to_lowercase();
    Ok(match raw.as_str() {
        "p" => "person",
        "l" => "place",
        "t" => "thing",
        "e" => "event",
        "a" => "authority",
        "context" | "claude" => "person",
        "work-item" | "document" | "general" => "thing",
        other => other,
    }
    .to_string())
}

/// The body sent to the back end: `{entityType, region?, jurisdiction?, trust?}`.
fn backend_request(word: &str, query: &QueryPairs) -> Value {
    let mut request = Map::new();
    request.insert("entityType".into(), json!(word));
    if let Some(region) = query.get("region") {
        request.insert("region".into(), json!(region));
    }
    if let Some(jurisdiction) = query.get("jurisdiction") {
        request.insert("jurisdiction".into(), json!(jurisdiction));
    }
    if let Some(trust) = query.get("trust") {
        request.insert(
            "trust".into(),
            super::format::js_number(super::format::js_parse_int(trust)),
        );
    }
    Value::Object(request)
}

/// What the back end's reply means to the front: its status and JSON when it minted
/// (2xx with JSON), else the fallback code to answer.
pub(super) fn classify(reply: &Reply) -> Result<(u16, Value), FallbackCode> {
    match reply {
        Reply::Answered { status, body } if (200..300).contains(status) => {
            serde_json::from_slice(body)
                .map(|json| (*status, json))
                .map_err(|_| FallbackCode::MINT_UNAVAILABLE)
        }
        Reply::Answered { status: 429, .. } => Err(FallbackCode::RATE_LIMITED),
        Reply::Answered { status: 400, .. } => Err(FallbackCode::INVALID_REQUEST),
        Reply::Answered { .. } => Err(FallbackCode::MINT_REJECTED),
        Reply::NoAnswer(why) if why.to_ascii_lowercase().contains("timeout") => {
            Err(FallbackCode::MINT_TIMEOUT)
        }
        Reply::NoAnswer(_) => Err(FallbackCode::MINT_UNAVAILABLE),
    }
}

/// JavaScript's `{...value}`: an object's fields, an array's or a string's by index,
/// nothing for anything else.
pub(super) fn spread(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(fields) => fields,
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        Value::String(s) => s
            .chars()
            .enumerate()
            .map(|(i, c)| (i.to_string(), json!(c.to_string())))
            .collect(),
        _ => Map::new(),
    }
}

/// What a mint takes from its request besides the fields.
struct Context {
    authorization: Option<String>,
    fault: Option<FaultKind>,
    kill: Option<KillSwitch>,
    counter: Option<Counter>,
}

fn context(req: &Request) -> Context {
    Context {
        authorization: req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        fault: req.extensions().get::<MintFault>().map(|f| f.0),
        kill: req.extensions().get::<KillSwitch>().cloned(),
        counter: req.extensions().get::<Counter>().cloned(),
    }
}

/// `POST /v1/mint`: a body that is not JSON counts as `{}`.
pub(super) async fn mint_post(State(app): State<Shared>, req: Request) -> Response {
    let context = context(&req);
    let query = QueryPairs::of(req.uri());
    let bytes = match read_body(&app, req.into_body()).await {
        Ok(bytes) => bytes,
        Err(refusal) => return axum::response::IntoResponse::into_response(refusal),
    };
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({}));
    mint(app, body, query, context).await
}

/// `GET /api/get-chittyid` and `GET /generate`: everything from the query.
pub(super) async fn mint_get(State(app): State<Shared>, req: Request) -> Response {
    let context = context(&req);
    let query = QueryPairs::of(req.uri());
    drop(req);
    mint(app, json!({}), query, context).await
}

async fn mint(app: Shared, body: Value, query: QueryPairs, context: Context) -> Response {
    if body.is_null() {
        // `body.entityType` throws on a JSON `null` body.
        return security_error();
    }
    let Ok(word) = entity_word(&body, &query) else {
        return security_error();
    };
    let request = backend_request(&word, &query);
    if context.fault == Some(FaultKind::Fallback) {
        app.stats.fault(FaultKind::Fallback);
        return fallback::answer(&app, FallbackCode::MINT_UNAVAILABLE, &word, &request).await;
    }
    let reply = backend::call(app.clone(), request.clone(), context.authorization).await;
    let (status, minted) = match classify(&reply) {
        Ok(minted) => minted,
        Err(code) => {
            app.stats.backend_failure(&reply.failure_name());
            return fallback::answer(&app, code, &word, &request).await;
        }
    };
    app.stats.backend_mint();
    if context.fault == Some(FaultKind::DropAfterCommit) {
        app.stats.fault(FaultKind::DropAfterCommit);
        if let Some(counter) = context.counter {
            counter.count(0);
        }
        if let Some(kill) = context.kill {
            kill.kill();
        }
        return std::future::pending().await;
    }
    let mut answer = spread(minted);
    answer.insert("service".into(), json!("id.chitty.cc"));
    answer.insert("mintedBy".into(), json!("mint.chitty.cc"));
    json_answer(
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        &Value::Object(answer),
    )
}
