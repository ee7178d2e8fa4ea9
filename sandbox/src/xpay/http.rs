//! xPay's routes: every endpoint a `POST` with a JSON body, answered in
//! an HTTP 200 envelope (the sandbox's 401 for a bad token aside).

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Map, Value, json};

use super::ledger::Bill;
use super::request::{CreateBill, FindBills, json_object, reference, required_bool, required_string};
use super::store::NewBillError;
use super::wire::{
    FindBody, FindEnvelope, Invalid, LoginBody, LoginData, LoginEnvelope, LoginUser, MSG_ALREADY_PAID,
    MSG_AUTHENTICATED, MSG_BILL_CANCELED, MSG_BILL_CREATED, MSG_BILL_FOUND, MSG_BILL_NOT_FOUND, MSG_BILLS_FOUND,
    MSG_INVALID_CREDENTIALS, MSG_REFERENCE_EXISTS, WireBill, error, success, unauthorized,
};
use crate::{AppState, lock, now_ms};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/client/authenticate", post(authenticate))
        .route("/client/bills/save", post(save))
        .route("/client/bills/view", post(view))
        .route("/client/bills/find", post(find))
        .route("/client/bills/cancel", post(cancel))
}

/// The response's `uuid`: the request's `uuid` header if any, else fresh.
fn request_uuid(headers: &HeaderMap) -> String {
    headers
        .get("uuid")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map_or_else(crate::new_uuid, str::to_owned)
}

/// The `Authorization: Bearer <token>` token, if it is live.
fn authorized(shared: &AppState, headers: &HeaderMap, now: i64) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, token)) = value.trim().split_once(' ') else {
        return false;
    };
    scheme.eq_ignore_ascii_case("bearer") && shared.xpay.token_valid(token.trim(), now)
}

/// What every bill route does first: the response's `uuid`, the clock, the
/// token (else HTTP 401), then the body read by `parse`.
fn admitted<T>(
    shared: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
    parse: impl FnOnce(&Map<String, Value>) -> Result<T, Invalid>,
) -> Result<(String, i64, T), Box<Response>> {
    let uuid = request_uuid(headers);
    let now = now_ms();
    if !authorized(shared, headers, now) {
        return Err(Box::new(unauthorized(uuid)));
    }
    match json_object(headers, body).and_then(|obj| parse(&obj)) {
        Ok(req) => Ok((uuid, now, req)),
        Err(e) => Err(Box::new(e.into_response(uuid))),
    }
}

/// `POST /client/authenticate`: an access token for the account's username
/// and secret key.
async fn authenticate(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let uuid = request_uuid(&headers);
    let obj = match json_object(&headers, &body) {
        Ok(obj) => obj,
        Err(e) => return e.into_response(uuid),
    };
    let creds = (|| {
        let username = required_string(&obj, "username")?;
        let secret = required_string(&obj, "secretKey")?;
        // The doc's body sends the boolean (its curl a string); till sends
        // the boolean, so the sandbox accepts only that.
        if !required_bool(&obj, "isAPI")? {
            return Err(Invalid::new("isAPI", "must be true"));
        }
        Ok((username, secret))
    })();
    let (username, secret) = match creds {
        Ok(c) => c,
        Err(e) => return e.into_response(uuid),
    };
    let store = &shared.xpay;
    if username != store.username || secret != store.secret_key {
        return error(uuid, MSG_INVALID_CREDENTIALS, json!({ "invalid": true }));
    }
    let now = now_ms();
    let expires_at = now.saturating_add(store.token_ttl_ms);
    let token = crate::hex(&crate::random_bytes::<32>());
    lock(&store.state).tokens.insert(token.clone(), expires_at);
    axum::Json(LoginEnvelope {
        success: LoginBody {
            message: MSG_AUTHENTICATED,
            data: LoginData {
                success: true,
                expires_at,
                user: LoginUser { username: store.username.clone(), scopes: ["tme_user"], is_api: true },
                ticket: crate::hex(&crate::random_bytes::<16>()),
                access_token: token,
            },
            uuid,
        },
    })
    .into_response()
}

/// `POST /client/bills/save`: a bill, its `reference` not used before.
async fn save(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (uuid, now, req) = match admitted(&shared, &headers, &body, CreateBill::parse) {
        Ok(admitted) => admitted,
        Err(answer) => return *answer,
    };
    let store = &shared.xpay;
    let bill = match store.new_bill(&shared.lightning, req, now) {
        Ok(bill) => bill,
        Err(NewBillError::Invalid(e)) => return e.into_response(uuid),
        Err(NewBillError::Failed(message)) => return error(uuid, message, Value::Null),
    };
    let mut st = lock(&store.state);
    if st.by_ref.contains_key(&bill.bill_ref) {
        drop(st);
        return error(uuid, MSG_REFERENCE_EXISTS, json!({ "reference": bill.bill_ref }));
    }
    let data = bill.create_shape(now);
    st.insert(bill);
    drop(st);
    success(uuid, MSG_BILL_CREATED, data)
}

/// `POST /client/bills/view`: the bill of a `reference`, view shape.
async fn view(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (uuid, now, reference) = match admitted(&shared, &headers, &body, reference) {
        Ok(admitted) => admitted,
        Err(answer) => return *answer,
    };
    let found = lock(&shared.xpay.state).by_reference(&reference).map(|b| b.view_shape(now));
    match found {
        Some(bill) => success(uuid, MSG_BILL_FOUND, bill),
        None => error(uuid, MSG_BILL_NOT_FOUND, json!({ "reference": reference })),
    }
}

/// `POST /client/bills/cancel`: canceled and closed, unless fully paid.
async fn cancel(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (uuid, now, reference) = match admitted(&shared, &headers, &body, reference) {
        Ok(admitted) => admitted,
        Err(answer) => return *answer,
    };
    let mut st = lock(&shared.xpay.state);
    let Some(bill) = st.by_reference(&reference) else {
        drop(st);
        return error(uuid, MSG_BILL_NOT_FOUND, json!({ "reference": reference }));
    };
    if bill.is_paid() {
        drop(st);
        return error(uuid, MSG_ALREADY_PAID, json!({ "reference": reference }));
    }
    // Canceling again, or canceling an expired bill, succeeds.
    bill.canceled = true;
    bill.closed = true;
    let data = bill.view_shape(now);
    drop(st);
    success(uuid, MSG_BILL_CANCELED, data)
}

/// `POST /client/bills/find`: a page of bills matching `wallet` and `tag`.
async fn find(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let (uuid, now, req) = match admitted(&shared, &headers, &body, FindBills::parse) {
        Ok(admitted) => admitted,
        Err(answer) => return *answer,
    };
    let st = lock(&shared.xpay.state);
    // Creation order is the tie-break, so the order is total.
    let mut hits: Vec<(usize, &Bill)> = st.bills.iter().enumerate().filter(|(_, b)| req.matches(b)).collect();
    hits.sort_by_key(|&(idx, b)| (b.created_at, idx));
    if !req.ascending {
        hits.reverse();
    }
    let total = hits.len() as u64;
    let skip = (req.page - 1).saturating_mul(req.page_size);
    let data: Vec<WireBill> = hits
        .iter()
        .skip(usize::try_from(skip).unwrap_or(usize::MAX))
        .take(usize::try_from(req.page_size).unwrap_or(usize::MAX))
        .map(|(_, b)| b.view_shape(now))
        .collect();
    drop(st);
    let count = data.len() as u64;
    axum::Json(FindEnvelope {
        success: FindBody {
            message: MSG_BILLS_FOUND,
            data,
            page: req.page,
            page_size: req.page_size,
            next_page: skip.saturating_add(count) < total,
            total,
            count,
        },
        uuid,
    })
    .into_response()
}
