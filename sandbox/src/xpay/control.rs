//! xPay's control routes (CONTROL.md), under `/_sandbox/xpay/`:
//!
//! | Route | Effect |
//! |---|---|
//! | `GET /_sandbox/xpay/bills` | every xPay bill, view shape |
//! | `POST /_sandbox/xpay/bills/{id}/pay` | full payment (a bill closed by its expiry too: late money, then paid) |
//! | `POST /_sandbox/xpay/bills/{id}/partial` | part payment (`{"amount": n}`, default half) |
//! | `POST /_sandbox/xpay/bills/{id}/seen` | a tx seen, nothing credited |
//! | `POST /_sandbox/xpay/bills/{id}/expire` | `until` = now, closed |
//! | `POST /_sandbox/xpay/tokens/expire` | every token invalid |
//!
//! `{id}` is a bill's uuid or `billRef`. Bill actions answer the bill (view
//! shape); an unknown id is HTTP 404 `{"error":"no such bill"}`, a fully
//! paid bill (and paying a canceled one) HTTP 409, a bad body HTTP 400.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use super::store::ControlError;
use super::wire::WireBill;
use crate::control::fail;
use crate::{AppState, now_ms};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/xpay/bills", get(xpay_bills))
        .route("/_sandbox/xpay/bills/{id}/pay", post(xpay_pay))
        .route("/_sandbox/xpay/bills/{id}/partial", post(xpay_partial))
        .route("/_sandbox/xpay/bills/{id}/seen", post(xpay_seen))
        .route("/_sandbox/xpay/bills/{id}/expire", post(xpay_expire))
        .route("/_sandbox/xpay/tokens/expire", post(xpay_expire_tokens))
}

fn answer(result: Result<WireBill, ControlError>) -> Response {
    match result {
        Ok(bill) => axum::Json(bill).into_response(),
        Err(ControlError::NoSuchBill) => fail(StatusCode::NOT_FOUND, "no such bill"),
        Err(ControlError::Conflict(msg)) => fail(StatusCode::CONFLICT, msg),
        Err(ControlError::BadRequest(msg)) => fail(StatusCode::BAD_REQUEST, &msg),
    }
}

async fn xpay_bills(State(shared): State<AppState>) -> Response {
    axum::Json(shared.xpay.bills_view(now_ms())).into_response()
}

fn node_id(shared: &AppState) -> String {
    shared.lightning.node_id().to_string()
}

async fn xpay_pay(State(shared): State<AppState>, Path(id): Path<String>) -> Response {
    answer(shared.xpay.pay(&id, now_ms(), &node_id(&shared)))
}

/// Optional body `{"amount": <integer micro-dollars>}`.
fn partial_amount(body: &Bytes) -> Result<Option<u64>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("malformed JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("the body must be a JSON object".into());
    };
    match obj.get("amount") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64() {
            Some(n) if n > 0 => Ok(Some(n)),
            _ => Err("amount must be a positive integer (micro-dollars)".into()),
        },
    }
}

async fn xpay_partial(State(shared): State<AppState>, Path(id): Path<String>, body: Bytes) -> Response {
    match partial_amount(&body) {
        Ok(amount) => answer(shared.xpay.partial(&id, amount, now_ms(), &node_id(&shared))),
        Err(msg) => fail(StatusCode::BAD_REQUEST, &msg),
    }
}

async fn xpay_seen(State(shared): State<AppState>, Path(id): Path<String>) -> Response {
    answer(shared.xpay.seen(&id, now_ms()))
}

async fn xpay_expire(State(shared): State<AppState>, Path(id): Path<String>) -> Response {
    answer(shared.xpay.expire(&id, now_ms()))
}

async fn xpay_expire_tokens(State(shared): State<AppState>) -> Response {
    let expired = shared.xpay.expire_tokens(now_ms());
    axum::Json(json!({ "expired": expired })).into_response()
}
