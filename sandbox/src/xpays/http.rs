//! xpays.life's routes: create and info (both signed), and the control
//! routes.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::request::{CreatePayment, json_object};
use super::wire::{MSG_NOT_FOUND, MSG_ORDER_EXISTS, fail};
use crate::{AppState, lock};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/payment/createInvoicePayment", post(create).fallback(method_not_allowed))
        .route("/v1/payment/info", get(info).fallback(method_not_allowed))
        .route("/_sandbox/xpays/invoices", get(control_list))
        .route("/_sandbox/xpays/invoices/{id}/{action}", post(control_action))
}

async fn method_not_allowed() -> Response {
    fail(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
}

/// `POST /v1/payment/createInvoicePayment` → `{"data":{…41 fields…}}`.
async fn create(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let store = &shared.xpays;
    let now = store.now_ms();
    if let Err((status, message)) = store.authenticate(&headers, &body, now) {
        return fail(status, message);
    }
    let req = match json_object(&headers, &body).and_then(|obj| CreatePayment::parse(&obj)) {
        Ok(req) => req,
        Err(message) => return fail(StatusCode::BAD_REQUEST, message),
    };
    let mut st = lock(&store.state);
    if st.by_order_id.contains_key(&req.order_id) {
        return fail(StatusCode::BAD_REQUEST, MSG_ORDER_EXISTS);
    }
    let idx = st.insert(req, store.opts.lifetime_secs, now);
    let data = st.invoices.get(idx).map(|inv| inv.wire(now, &store.group, &store.agent));
    drop(st);
    axum::Json(json!({ "data": data })).into_response()
}

/// `GET /v1/payment/info?id=<id>` → `{"data":{"payment":{…}}}`.
async fn info(
    State(shared): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Response {
    let store = &shared.xpays;
    let now = store.now_ms();
    if let Err((status, message)) = store.authenticate(&headers, &body, now) {
        return fail(status, message);
    }
    let Some(id) = query.ok().and_then(|Query(q)| q.get("id").cloned()).filter(|id| !id.is_empty()) else {
        return fail(StatusCode::BAD_REQUEST, "id is required");
    };
    let st = lock(&store.state);
    match st.by_id.get(&id).and_then(|&i| st.invoices.get(i)) {
        Some(inv) => {
            let payment = inv.wire(now, &store.group, &store.agent);
            axum::Json(json!({ "data": { "payment": payment } })).into_response()
        }
        None => fail(StatusCode::NOT_FOUND, MSG_NOT_FOUND),
    }
}

// -- control API -------------------------------------------------------------

async fn control_list(State(shared): State<AppState>) -> Response {
    axum::Json(shared.xpays.list()).into_response()
}

async fn control_action(State(shared): State<AppState>, Path((id, action)): Path<(String, String)>) -> Response {
    match shared.xpays.act(&id, &action) {
        Ok(inv) => axum::Json(inv).into_response(),
        Err((status, message)) => fail(status, message),
    }
}
