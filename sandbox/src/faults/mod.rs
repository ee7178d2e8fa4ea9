//! Misbehaviour on demand for tests: `/_sandbox/faults` (CONTROL.md § Faults).
//!
//! `POST /_sandbox/faults` arms a fault for the next `count` gateway requests
//! matching `gateway` (by path prefix) and, if given, `path` (a prefix of the
//! request path); faults are kept in arming order and the first armed one
//! that matches is spent. `DELETE /_sandbox/faults` disarms all;
//! `GET /_sandbox/faults` lists what is armed. Control paths
//! (`/_sandbox/…`) are never faulted.
//!
//! Body: `{"gateway", "path"?, "kind", "count"? (1), "retry_after_secs"? (1),
//! "delay_ms"? (5000)}`; answers: `{"armed": <the fault, defaults filled>}`,
//! `{"disarmed": n}`, `{"faults": [...]}`; a bad body is HTTP 400
//! `{"error":"…"}`.
//!
//! `unverifiable` is generic: it reads the JSON answer and changes every
//! string that looks like a TRON address, an EVM address, a bech32 Bitcoin
//! address, a BOLT11 invoice or an http(s) URL (corrupt.rs).

use std::sync::Mutex;
use std::time::Duration;

mod corrupt;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Serialize;
use serde_json::{Value, json};

use self::corrupt::corrupt_json;
use crate::control::fail;
use crate::gateway::{Gateway, PREFIX};
use crate::{AppState, lock};

/// Largest answer `unverifiable` reads (the sandbox's own answers are small).
const READ_LIMIT: usize = 16 * 1024 * 1024;
/// Size of the `huge` answer: 2 MiB.
const HUGE_BYTES: usize = 2 * 1024 * 1024;
/// The `malformed` answer (CONTROL.md).
const MALFORMED_BODY: &str = "{\"data\": [tru";

/// What a matching request gets (CONTROL.md § Faults).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Status500,
    Status500After,
    RateLimit,
    /// The work is done, then 429 (a gateway that counted the request late).
    RateLimitAfter,
    Slow,
    Malformed,
    /// The work is done, then 200 with an empty body.
    Empty,
    Huge,
    Unverifiable,
}

impl Kind {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "status500" => Self::Status500,
            "status500_after" => Self::Status500After,
            "rate_limit" => Self::RateLimit,
            "rate_limit_after" => Self::RateLimitAfter,
            "slow" => Self::Slow,
            "malformed" => Self::Malformed,
            "empty" => Self::Empty,
            "huge" => Self::Huge,
            "unverifiable" => Self::Unverifiable,
            _ => return None,
        })
    }
}

/// One armed fault.
#[derive(Clone, Debug, Serialize)]
struct Fault {
    gateway: Gateway,
    path: Option<String>,
    kind: Kind,
    /// Matching requests it still applies to.
    count: u64,
    retry_after_secs: u64,
    delay_ms: u64,
}

impl Fault {
    fn matches(&self, path: &str) -> bool {
        self.gateway.owns(path) && self.path.as_deref().is_none_or(|p| path.starts_with(p))
    }

    /// Validates the `POST /_sandbox/faults` body.
    fn parse(body: &[u8]) -> Result<Self, String> {
        let value: Value = serde_json::from_slice(body).map_err(|e| format!("malformed JSON: {e}"))?;
        let Value::Object(obj) = value else { return Err("the body must be a JSON object".to_owned()) };
        let text = |name: &str| match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("{name} must be a string")),
        };
        let int = |name: &str, default: u64| match obj.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v.as_u64().ok_or_else(|| format!("{name} must be a non-negative integer")),
        };
        let gateway_name = text("gateway")?.ok_or("gateway is required (xpay, xpays, xcash, xaigate, bitsby)")?;
        let gateway = Gateway::parse(&gateway_name)
            .ok_or_else(|| format!("unknown gateway {gateway_name:?} (xpay, xpays, xcash, xaigate, bitsby)"))?;
        let kind_name = text("kind")?.ok_or("kind is required")?;
        let kind = Kind::parse(&kind_name).ok_or_else(|| {
            format!(
                "unknown kind {kind_name:?} (status500, status500_after, rate_limit, rate_limit_after, slow, malformed, empty, huge, unverifiable)"
            )
        })?;
        let path = text("path")?;
        if path.as_deref().is_some_and(|p| !p.starts_with('/')) {
            return Err("path must start with /".to_owned());
        }
        let count = int("count", 1)?;
        if count == 0 {
            return Err("count must be at least 1".to_owned());
        }
        Ok(Self {
            gateway,
            path,
            kind,
            count,
            retry_after_secs: int("retry_after_secs", 1)?,
            delay_ms: int("delay_ms", 5000)?,
        })
    }
}

/// Faults armed and not yet spent.
#[derive(Default)]
pub(crate) struct Faults {
    armed: Mutex<Vec<Fault>>,
}

impl Faults {
    /// Spends one use of the first armed fault matching `path`.
    fn take(&self, path: &str) -> Option<Fault> {
        let mut armed = lock(&self.armed);
        let idx = armed.iter().position(|f| f.matches(path))?;
        let fault = armed.get_mut(idx)?;
        fault.count = fault.count.saturating_sub(1);
        let taken = fault.clone();
        if fault.count == 0 {
            armed.remove(idx);
        }
        Some(taken)
    }
}

/// Middleware: applies an armed fault to a matching gateway request.
pub(crate) async fn apply(State(shared): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path.starts_with(PREFIX) {
        return next.run(req).await;
    }
    let Some(fault) = shared.faults.take(path) else {
        return next.run(req).await;
    };
    match fault.kind {
        Kind::Status500 => sandbox_fault(StatusCode::INTERNAL_SERVER_ERROR),
        Kind::RateLimit => rate_limited(fault.retry_after_secs),
        Kind::RateLimitAfter => {
            drop(next.run(req).await);
            rate_limited(fault.retry_after_secs)
        }
        Kind::Empty => {
            drop(next.run(req).await);
            json_body(Bytes::new())
        }
        Kind::Status500After => {
            drop(next.run(req).await);
            sandbox_fault(StatusCode::INTERNAL_SERVER_ERROR)
        }
        Kind::Slow => {
            let resp = next.run(req).await;
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
            resp
        }
        Kind::Malformed => {
            drop(next.run(req).await);
            json_body(Bytes::from_static(MALFORMED_BODY.as_bytes()))
        }
        Kind::Huge => {
            drop(next.run(req).await);
            json_body(Bytes::from(huge_body()))
        }
        Kind::Unverifiable => {
            let (mut parts, body) = next.run(req).await.into_parts();
            let Ok(bytes) = axum::body::to_bytes(body, READ_LIMIT).await else {
                return sandbox_fault(StatusCode::INTERNAL_SERVER_ERROR);
            };
            let corrupted = corrupt_json(&bytes).map_or(bytes, Bytes::from);
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(corrupted))
        }
    }
}

/// 429 with `Retry-After`.
fn rate_limited(retry_after_secs: u64) -> Response {
    let mut resp = sandbox_fault(StatusCode::TOO_MANY_REQUESTS);
    resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    resp
}

/// `{"error":"sandbox fault"}` with `status`.
fn sandbox_fault(status: StatusCode) -> Response {
    fail(status, "sandbox fault")
}

/// HTTP 200 with `body` as `application/json`.
fn json_body(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Exactly [`HUGE_BYTES`] of valid JSON: `{"data":"xxx…"}`.
fn huge_body() -> Vec<u8> {
    let (head, tail) = (b"{\"data\":\"".as_slice(), b"\"}".as_slice());
    let mut body = Vec::with_capacity(HUGE_BYTES);
    body.extend_from_slice(head);
    body.resize(HUGE_BYTES - tail.len(), b'x');
    body.extend_from_slice(tail);
    body
}

// ---------------------------------------------------------------------------
// Control routes.

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/_sandbox/faults", post(arm).delete(disarm).get(list))
}

async fn arm(State(shared): State<AppState>, body: Bytes) -> Response {
    match Fault::parse(&body) {
        Ok(fault) => {
            lock(&shared.faults.armed).push(fault.clone());
            axum::Json(json!({ "armed": fault })).into_response()
        }
        Err(message) => fail(StatusCode::BAD_REQUEST, &message),
    }
}

async fn disarm(State(shared): State<AppState>) -> Response {
    let mut armed = lock(&shared.faults.armed);
    let count = armed.len();
    armed.clear();
    drop(armed);
    axum::Json(json!({ "disarmed": count })).into_response()
}

async fn list(State(shared): State<AppState>) -> Response {
    let armed = lock(&shared.faults.armed).clone();
    axum::Json(json!({ "faults": armed })).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_is_two_mebibytes_of_json() {
        let body = huge_body();
        assert_eq!(body.len(), HUGE_BYTES);
        assert!(serde_json::from_slice::<Value>(&body).is_ok());
    }

    #[test]
    fn fault_bodies() {
        let f = Fault::parse(br#"{"gateway":"bitsby","kind":"rate_limit"}"#).expect("valid");
        assert_eq!((f.count, f.retry_after_secs, f.delay_ms, f.path.as_deref()), (1, 1, 5000, None));
        assert!(f.matches("/invoices/create") && f.matches("/payments/list") && !f.matches("/v1/invoice"));
        for bad in [
            &br#"{"kind":"slow"}"#[..],
            br#"{"gateway":"paypal","kind":"slow"}"#,
            br#"{"gateway":"xpays"}"#,
            br#"{"gateway":"xpays","kind":"boom"}"#,
            br#"{"gateway":"xpays","kind":"slow","count":0}"#,
            br#"{"gateway":"xpays","kind":"slow","count":-1}"#,
            br#"{"gateway":"xpays","kind":"slow","path":"v1"}"#,
            br#"[]"#,
            b"{",
        ] {
            assert!(Fault::parse(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
