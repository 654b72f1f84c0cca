//! The built-in minting back end: a stand-in for ChittyMint in this process. It checks
//! the bearer token (401), reads `{entityType, region?, jurisdiction?, trust?}` (400 on
//! anything it cannot mint), mints into the durable store, and answers ChittyMint's
//! fields: `success`, `chittyId`, `components`, `geo`, `trust`, `drand`, `timestamp`.
//! Without region, jurisdiction or trust it chooses 1, USA and 0 (on loopback that is
//! "from the caller's country").

use chittyid::{EntityType, Region, TrustLevel};
use serde_json::{Value, json};

use super::Reply;
use crate::api::{AppState, components, default_spec, requested_jurisdiction};
use crate::auth::bearer_authorized;
use crate::clock::{rfc3339, unix_millis};
use crate::store::{MintSpec, Minted, StoreError};

fn refuse(status: u16, code: &str, message: impl Into<String>) -> Reply {
    Reply::json(
        status,
        &json!({"success": false, "error": code, "message": message.into()}),
    )
}

/// Where each field came from, for the answer's `geo` and `trust`.
struct Chosen {
    spec: MintSpec,
    geo_given: bool,
    trust_given: bool,
}

fn fields(request: &Value) -> Result<Chosen, Reply> {
    let bad = |message: String| refuse(400, "INVALID_REQUEST", message);
    let present = |name: &str| request.get(name).filter(|v| !v.is_null());
    let entity_type = present("entityType")
        .and_then(Value::as_str)
        .and_then(EntityType::from_name)
        .ok_or_else(|| bad("entityType must be person, place, thing, event or authority".into()))?;
    let defaults = default_spec(entity_type);
    let region = match present("region") {
        None => defaults.region,
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .filter(|d| (1..=9).contains(d))
            .and_then(|d| Region::from_digit(d as u8))
            .ok_or_else(|| bad(format!("region {v} is not 1-9")))?,
    };
    let jurisdiction = match present("jurisdiction") {
        None => defaults.jurisdiction,
        Some(v) => requested_jurisdiction(v)
            .ok_or_else(|| bad(format!("jurisdiction {v} is not three letters")))?,
    };
    let trust_level = match present("trust") {
        None => defaults.trust_level,
        Some(v) => v
            .as_u64()
            .filter(|t| *t <= 5)
            .and_then(|t| TrustLevel::from_digit(t as u8))
            .ok_or_else(|| bad(format!("trust {v} is not 0-5")))?,
    };
    Ok(Chosen {
        spec: MintSpec {
            entity_type,
            region,
            jurisdiction,
            trust_level,
        },
        geo_given: present("region").is_some() || present("jurisdiction").is_some(),
        trust_given: present("trust").is_some(),
    })
}

/// Mints one ID for `request`, as ChittyMint answers.
pub(super) async fn mint(app: &AppState, request: &Value, authorization: Option<&str>) -> Reply {
    if !bearer_authorized(authorization, &app.tokens) {
        return refuse(
            401,
            "UNAUTHORIZED",
            "minting needs Authorization: Bearer <CHITTY_ID_TOKEN>",
        );
    }
    let chosen = match fields(request) {
        Ok(chosen) => chosen,
        Err(refusal) => return refusal,
    };
    let store = app.store.clone();
    let spec = chosen.spec;
    let minted = tokio::task::spawn_blocking(move || store.mint(spec, None, "")).await;
    let id = match minted {
        Ok(Ok(Minted::New(id) | Minted::Replayed(id))) => id,
        Ok(Err(StoreError::SequencesExhausted)) => {
            return refuse(
                503,
                "SEQUENCES_EXHAUSTED",
                "no sequence left for this region, jurisdiction and type",
            );
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "back-end mint failed in storage");
            return refuse(503, "STORAGE_UNAVAILABLE", "storage failed");
        }
        Err(_) => return refuse(500, "INTERNAL_ERROR", "the mint task failed"),
    };
    app.stats.minted(false);
    tracing::info!(id = %id, "minted by the back end");
    let source = |given: bool| if given { "request" } else { "default" };
    Reply::json(
        200,
        &json!({
            "success": true,
            "chittyId": id.to_string(),
            "components": components(id),
            "geo": {
                "region": id.region().digit().to_string(),
                "regionName": id.region().name(),
                "jurisdiction": id.jurisdiction().to_string(),
                "source": source(chosen.geo_given),
            },
            "trust": {
                "level": id.trust_level().digit(),
                "source": source(chosen.trust_given),
                "verified": false,
            },
            "drand": {"round": Value::Null, "source": "none (reference back end)"},
            "timestamp": rfc3339(unix_millis()),
        }),
    )
}
