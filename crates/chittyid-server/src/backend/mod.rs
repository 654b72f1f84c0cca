//! The minting back end (ChittyMint, mint.chitty.cc) as the front sees it: one call,
//! `POST /api/mint` with `{entityType, region?, jurisdiction?, trust?}` and the
//! caller's `Authorization`, answered with a status and a body, or not at all.
//!
//! Back-end faults and back-end latency are applied here, where the back end is called,
//! whichever back end it is (built in, or external at `mint_backend`); the strict
//! profile, which has no back end, applies the back-end latency at its own mint
//! (`api/commit.rs`). Every call runs
//! in its own task, so a caller hanging up cancels nothing: a slow back end still mints,
//! as the real one may after its caller has given up.

mod builtin;
mod external;

use std::sync::Arc;

use axum::body::Bytes;
use serde_json::{Value, json};

pub use external::External;

use crate::api::AppState;
use crate::config::FaultKind;

/// How a call to the back end went.
#[derive(Debug, Clone)]
pub enum Reply {
    /// The back end answered with this status and body.
    Answered {
        /// The HTTP status.
        status: u16,
        /// The body, as sent.
        body: Bytes,
    },
    /// No answer (a connection error or an exception); the message says why, and a
    /// front reads "timeout" in it as `MINT_TIMEOUT`.
    NoAnswer(String),
}

impl Reply {
    fn json(status: u16, body: &Value) -> Reply {
        Reply::Answered {
            status,
            body: Bytes::from(body.to_string()),
        }
    }

    /// A short name for statistics: `status401`, `no-answer`…
    pub fn failure_name(&self) -> String {
        match self {
            Reply::Answered { status, .. } => format!("status{status}"),
            Reply::NoAnswer(_) => "no-answer".to_string(),
        }
    }
}

/// Which back end mints.
pub enum Backend {
    /// The one in this process, minting into this service's store.
    BuiltIn,
    /// Another service speaking `POST /api/mint`.
    External(External),
}

/// Calls the back end configured for this service, in a task of its own.
pub async fn call(app: Arc<AppState>, request: Value, authorization: Option<String>) -> Reply {
    spawned(app, request, authorization, false).await
}

/// Answers as the built-in back end does (for the mint profile's `POST /api/mint`),
/// with back-end faults and latency, in a task of its own.
pub async fn answer_here(
    app: Arc<AppState>,
    request: Value,
    authorization: Option<String>,
) -> Reply {
    spawned(app, request, authorization, true).await
}

async fn spawned(
    app: Arc<AppState>,
    request: Value,
    authorization: Option<String>,
    built_in: bool,
) -> Reply {
    let task = tokio::spawn(async move {
        let delay = app.faults.backend_latency();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        if let Some(kind) = app.faults.pick_backend() {
            app.stats.fault(kind);
            return injected(kind);
        }
        match (&app.backend, built_in) {
            (Backend::External(external), false) => {
                external.mint(&request, authorization.as_deref()).await
            }
            _ => builtin::mint(&app, &request, authorization.as_deref()).await,
        }
    });
    task.await
        .unwrap_or_else(|e| Reply::NoAnswer(format!("the back-end task failed: {e}")))
}

/// What a back-end fault looks like to the front.
fn injected(kind: FaultKind) -> Reply {
    let refusal = |status: u16, code: &str| {
        Reply::json(
            status,
            &json!({"success": false, "error": code, "message": "injected back-end fault"}),
        )
    };
    match kind {
        FaultKind::BackendReject => refusal(401, "UNAUTHORIZED"),
        FaultKind::Backend429 => refusal(429, "RATE_LIMITED"),
        FaultKind::Backend400 => refusal(400, "INVALID_REQUEST"),
        FaultKind::Backend503 => refusal(503, "SERVICE_UNAVAILABLE"),
        FaultKind::BackendTimeout => {
            Reply::NoAnswer("the back end did not answer: timeout (injected)".to_string())
        }
        FaultKind::BackendNotJson => Reply::Answered {
            status: 200,
            body: Bytes::from_static(b"<html>Bad gateway</html>"),
        },
        _ => Reply::NoAnswer("connection refused (injected back-end fault)".to_string()),
    }
}
