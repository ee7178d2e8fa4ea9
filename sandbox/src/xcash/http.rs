//! Xcash's routes: create (signed), status and select-method (public),
//! and the control routes.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use serde_json::{Value, json};

use super::ledger::{Stage, single_method, throttle};
use super::request::{CreateInvoice, FieldErrors, char_field, json_object};
use super::wire::{Code, drf, forbidden_page, in_language, not_found};
use crate::control::fail;
use crate::{AppState, lock};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/invoice", post(create).fallback(method_not_allowed))
        .route("/v1/invoice/{sys_no}", get(status).fallback(method_not_allowed))
        .route("/v1/invoice/{sys_no}/select-method", post(select_method).fallback(method_not_allowed))
        .route("/v1/invoice/", any(unknown_route))
        .route("/v1/invoice/{sys_no}/", any(unknown_route))
        .route("/v1/invoice/{sys_no}/{*rest}", any(unknown_route))
        .route("/_sandbox/xcash/invoices", get(control_list))
        .route("/_sandbox/xcash/invoices/{id}/{action}", post(control_action))
}

/// DRF's 405.
async fn method_not_allowed(method: Method) -> Response {
    drf(StatusCode::METHOD_NOT_ALLOWED, format!("Method \"{method}\" not allowed."))
}

/// A trailing slash or an unknown route under `/v1/invoice`: the real
/// server's HTML 403 (xcash.md § Measured), not DRF's `{"detail"}`.
async fn unknown_route() -> Response {
    forbidden_page()
}

/// `POST /v1/invoice` (signed): HTTP 201 with the new invoice, 200 with the
/// existing one for a repeated `out_no` with the same fields, `1007` for a
/// repeated `out_no` with other fields.
async fn create(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let english = shared.xcash.opts.english_messages;
    in_language(create_answer(&shared, &headers, &body), english).await
}

fn create_answer(shared: &AppState, headers: &HeaderMap, body: &Bytes) -> Response {
    let store = &shared.xcash;
    let now = store.now_ms();
    if let Err(refusal) = store.authenticate(headers, body, now) {
        return refusal.into_response();
    }
    let req = match json_object(headers, body).and_then(|obj| CreateInvoice::parse(&obj)) {
        Ok(req) => req,
        Err(refusal) => return refusal.into_response(),
    };
    let appid = store.opts.appid.as_str();
    let mut st = lock(&store.state);
    if let Some(existing) = st.by_out_no.get(&req.out_no).and_then(|&i| st.invoices.get(i)) {
        return if existing.same_as(&req) {
            (StatusCode::OK, axum::Json(existing.create_shape(appid, now))).into_response()
        } else {
            Code::DuplicateOutNo.answer(json!(req.out_no))
        };
    }
    if store.opts.max_waiting.is_some_and(|max| st.waiting(now) >= max) {
        return Code::TooManyWaiting.answer(json!(""));
    }
    let lifetime_ms = store.lifetime_ms(req.duration);
    let single = single_method(&req.methods);
    let idx = st.insert(req, lifetime_ms, now);
    if store.opts.select_at_create
        && let Some((crypto, chain)) = single
    {
        st.select(idx, &crypto, &chain, now);
    }
    match st.invoices.get(idx) {
        Some(inv) => (StatusCode::CREATED, axum::Json(inv.create_shape(appid, now))).into_response(),
        None => not_found(),
    }
}

/// DRF's throttled answer: HTTP 429, `Retry-After`, `{"detail":…}`.
fn throttled(wait_secs: i64) -> Response {
    let unit = if wait_secs == 1 { "second" } else { "seconds" };
    let mut resp =
        drf(StatusCode::TOO_MANY_REQUESTS, format!("Request was throttled. Expected available in {wait_secs} {unit}."));
    if let Ok(value) = HeaderValue::from_str(&wait_secs.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, value);
    }
    resp
}

/// `GET /v1/invoice/{sys_no}` (public): the status shape; unknown → 404.
async fn status(State(shared): State<AppState>, sys_no: Result<Path<String>, PathRejection>) -> Response {
    let english = shared.xcash.opts.english_messages;
    let Ok(Path(sys_no)) = sys_no else { return in_language(not_found(), english).await };
    in_language(status_answer(&shared, &sys_no), english).await
}

fn status_answer(shared: &AppState, sys_no: &str) -> Response {
    let store = &shared.xcash;
    let now = store.now_ms();
    let mut st = lock(&store.state);
    if sys_no.len() > 64 {
        return not_found();
    }
    if let Err(wait) = throttle(&mut st.status_calls, sys_no, store.opts.status_per_minute, now) {
        return throttled(wait);
    }
    match st.by_sys_no.get(sys_no).and_then(|&i| st.invoices.get(i)) {
        Some(inv) => axum::Json(inv.status_shape(now)).into_response(),
        None => not_found(),
    }
}

/// `POST /v1/invoice/{sys_no}/select-method` (public) `{"crypto","chain"}`:
/// 200 with the status shape; `5006` not waiting, `5012` expired, `2001` /
/// `2000` crypto / chain not among the invoice's methods.
async fn select_method(
    State(shared): State<AppState>,
    sys_no: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let english = shared.xcash.opts.english_messages;
    let Ok(Path(sys_no)) = sys_no else { return in_language(not_found(), english).await };
    in_language(select_answer(&shared, &sys_no, &headers, &body), english).await
}

fn select_answer(shared: &AppState, sys_no: &str, headers: &HeaderMap, body: &Bytes) -> Response {
    let store = &shared.xcash;
    let now = store.now_ms();
    if sys_no.len() > 64 {
        return not_found();
    }
    if let Err(wait) = throttle(&mut lock(&store.state).select_calls, sys_no, store.opts.select_per_minute, now) {
        return throttled(wait);
    }
    let Some(idx) = lock(&store.state).by_sys_no.get(sys_no).copied() else { return not_found() };
    let obj = match json_object(headers, body) {
        Ok(obj) => obj,
        Err(refusal) => return refusal.into_response(),
    };
    let mut errors = FieldErrors::default();
    let crypto = char_field(&obj, "crypto", 64, &mut errors);
    let chain = char_field(&obj, "chain", 64, &mut errors);
    let (Some(crypto), Some(chain)) = (crypto, chain) else {
        return Code::Parameter.answer(Value::Object(errors.0));
    };
    let mut st = lock(&store.state);
    let Some(inv) = st.invoices.get(idx) else { return not_found() };
    if inv.stage != Stage::Waiting {
        return Code::InvoiceStatus.answer(json!(""));
    }
    if now >= inv.expires_ms {
        return Code::InvoiceExpired.answer(json!(""));
    }
    let Some(chains) = inv.methods.get(&crypto) else {
        return Code::InvalidCrypto.answer(json!(crypto));
    };
    if !chains.contains(&chain) {
        return Code::InvalidChain.answer(json!(chain));
    }
    let already = inv.selected.as_ref().is_some_and(|(c, ch)| *c == crypto && *ch == chain);
    if !already {
        st.select(idx, &crypto, &chain, now);
    }
    match st.invoices.get(idx) {
        Some(inv) => axum::Json(inv.status_shape(now)).into_response(),
        None => not_found(),
    }
}

// -- control API -------------------------------------------------------------

async fn control_list(State(shared): State<AppState>) -> Response {
    axum::Json(shared.xcash.list()).into_response()
}

async fn control_action(State(shared): State<AppState>, Path((id, action)): Path<(String, String)>) -> Response {
    match shared.xcash.act(&id, &action) {
        Ok(inv) => axum::Json(inv).into_response(),
        Err((status, message)) => fail(status, &message),
    }
}
