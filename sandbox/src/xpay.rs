//! The xPay (xpay.stream) gateway, written from `providers/xpay.md`.
//!
//! Every endpoint is a `POST` with a JSON body; success and business errors
//! are both HTTP 200 envelopes:
//! `{"success":{"message","data"},"uuid"}` / `{"error":{"message","data","tag"},"uuid"}`.
//! The only non-200 answer is the sandbox's (undocumented) 401 for a bad token.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Serialize;
use serde_json::{Map, Number, Value, json};

use rust_decimal::prelude::ToPrimitive;

use crate::{AppState, Options, lightning, lock, now_ms, tron};

// ---------------------------------------------------------------------------
// Messages. Documented ones are marked "doc"; the others are the sandbox's
// choice where xpay.md is silent.

/// Login success (doc).
const MSG_AUTHENTICATED: &str = "Authenticated";
/// Login with a wrong username or secret key (doc).
const MSG_INVALID_CREDENTIALS: &str = "invalid credentials";
/// Missing, unknown or expired `Authorization: Bearer` token, sent with
/// HTTP 401. xPay does not document this answer: this is the sandbox's
/// choice (the till reacts to a 401 by logging in again).
pub(crate) const MSG_INVALID_TOKEN: &str = "invalid or expired token";
/// Create success (doc).
const MSG_BILL_CREATED: &str = "bill created";
/// View success (doc).
const MSG_BILL_FOUND: &str = "bill found";
/// Find success (sandbox's choice).
const MSG_BILLS_FOUND: &str = "bills found";
/// Cancel success (doc).
const MSG_BILL_CANCELED: &str = "Bill Canceled";
/// View/cancel of an unknown reference (sandbox's choice).
const MSG_BILL_NOT_FOUND: &str = "bill not found";
/// Create with a `reference` already used (sandbox's choice; the doc says
/// "Unique Non Reusable Bill Reference").
const MSG_REFERENCE_EXISTS: &str = "bill reference already exists";
/// Cancel of a fully paid bill (sandbox's choice).
pub(crate) const MSG_ALREADY_PAID: &str = "bill already paid";
/// Prefix of every request-validation error (sandbox's choice); the rest of
/// the message names the field and what was wrong, `data` is
/// `{"invalid": true, "field": "<name>"}`.
const MSG_INVALID_REQUEST: &str = "invalid request";

// ---------------------------------------------------------------------------
// Numbers where the doc is silent.

/// Fixed demo exchange rate: 1 BTC = 60 000 USD.
pub(crate) const USD_PER_BTC: u128 = 60_000;
/// `starting` is `createdAt` minus this (both doc samples).
const STARTING_BEFORE_CREATED_MS: i64 = 60_000;
/// The BOLT11 expires this long before `until` (both doc samples)…
const BOLT11_EXPIRY_MARGIN_SECS: u64 = 60;
/// …but never sooner than this after its timestamp (a 1-minute bill would
/// otherwise get an invoice that is expired at birth).
const BOLT11_MIN_EXPIRY_SECS: u64 = 60;
/// Largest `amount` accepted: just under 10^9 USD, 15 digits, so that
/// `dollars` is exact as a JSON number.
const MAX_AMOUNT: u64 = 999_999_999_999_999;
/// Accepted `expireInMinutes` range: 1 minute to 30 days.
const EXPIRE_MINUTES: std::ops::RangeInclusive<u64> = 1..=43_200;
/// `bills/find` defaults and limit.
const DEFAULT_PAGE_SIZE: u64 = 10;
const MAX_PAGE_SIZE: u64 = 100;
/// Micro-dollars → satoshis at the demo rate, rounded half up: the
/// `lnInvoice.satoshis` of a bill and the `txs[].amount` of a Lightning
/// payment (TRON payments count micro-dollars: USDT has 6 decimals).
fn satoshis(micro_usd: u64) -> u64 {
    // micro_usd / 10^6 USD / USD_PER_BTC × 10^8 sat, rounded half up.
    let num = u128::from(micro_usd) * 100;
    let sats = (num + USD_PER_BTC / 2) / USD_PER_BTC;
    u64::try_from(sats).unwrap_or(u64::MAX)
}

/// `billAmount / 10^6` as a JSON number: `10`, `12.5`, `2.5`.
fn dollars(micro_usd: u64) -> Number {
    if micro_usd.is_multiple_of(1_000_000) {
        Number::from(micro_usd / 1_000_000)
    } else {
        // Exact division of two exactly representable values: the nearest
        // f64 to the decimal, printed back as that decimal (≤ 15 digits).
        Number::from_f64(micro_usd as f64 / 1_000_000.0).unwrap_or_else(|| Number::from(0))
    }
}

// ---------------------------------------------------------------------------
// Wire types (responses).

#[derive(Serialize)]
struct SuccessEnvelope<T> {
    success: SuccessBody<T>,
    uuid: String,
}

#[derive(Serialize)]
struct SuccessBody<T> {
    message: &'static str,
    data: T,
}

/// Login success: here (doc sample) `uuid` sits inside `success`.
#[derive(Serialize)]
struct LoginEnvelope {
    success: LoginBody,
}

#[derive(Serialize)]
struct LoginBody {
    message: &'static str,
    data: LoginData,
    uuid: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginData {
    success: bool,
    expires_at: i64,
    user: LoginUser,
    ticket: String,
    #[serde(rename = "access_token")]
    access_token: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LoginUser {
    username: String,
    scopes: [&'static str; 1],
    #[serde(rename = "isAPI")]
    is_api: bool,
}

/// `bills/find`: the page of bills plus paging info beside `data`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FindBody {
    message: &'static str,
    data: Vec<WireBill>,
    page: u64,
    page_size: u64,
    next_page: bool,
    total: u64,
    count: u64,
}

#[derive(Serialize)]
struct FindEnvelope {
    success: FindBody,
    uuid: String,
}

#[derive(Serialize)]
struct ErrorEnvelope {
    error: ErrorBody,
    uuid: String,
}

#[derive(Serialize)]
struct ErrorBody {
    message: String,
    data: Value,
    tag: String,
}

/// `address`: a string in the create answer, `{base58, hex}` when viewed.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum WireAddress {
    Text(String),
    Object { base58: String, hex: String },
}

/// A bill as xPay sends it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireBill {
    uuid: String,
    username: String,
    wallet: String,
    hex: String,
    address: WireAddress,
    created_at: i64,
    bill_ref: String,
    bill_amount: u64,
    paid_amount: u64,
    testnet: bool,
    tag: String,
    starting: i64,
    until: i64,
    closed: bool,
    canceled: bool,
    cooldown: u64,
    txs: Vec<Tx>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ln_invoice: Option<LnInvoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ln_receipt: Option<Value>,
    #[serde(rename = "callbackURL", skip_serializing_if = "Option::is_none")]
    callback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
}

/// One payment seen on a bill (`txs[]`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Tx {
    #[serde(rename = "txRef")]
    tx_ref: String,
    #[serde(rename = "txID")]
    tx_id: String,
    /// Satoshis for Lightning, micro-dollars for TRON.
    amount: u64,
    /// Epoch ms.
    timestamp: i64,
}

/// `lnInvoice`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LnInvoice {
    /// Epoch **seconds**.
    created_at: i64,
    external_id: String,
    payment_request: String,
    payment_hash: String,
    payment_secret: String,
    /// Always `"PENDING"`, even once paid (as in the doc's view sample).
    payment_status: &'static str,
    satoshis: u64,
    dollars: Number,
}

// ---------------------------------------------------------------------------
// Store.

/// A bill as the sandbox keeps it.
#[derive(Clone, Debug)]
struct Bill {
    uuid: String,
    username: String,
    wallet: String,
    tron: Option<tron::Address>,
    created_at: i64,
    bill_ref: String,
    bill_amount: u64,
    paid_amount: u64,
    tag: String,
    starting: i64,
    until: i64,
    /// Closed explicitly (paid, canceled, expired through the control API).
    /// A bill past `until` reads as closed too (see `Bill::is_closed`).
    closed: bool,
    canceled: bool,
    txs: Vec<Tx>,
    ln: Option<LnInvoice>,
    /// Released in `lnReceipt` once paid.
    ln_preimage: Option<[u8; 32]>,
    ln_receipt: Option<Value>,
    callback_url: Option<String>,
    email: Option<String>,
}

impl Bill {
    fn is_closed(&self, now: i64) -> bool {
        self.closed || now >= self.until
    }

    fn is_paid(&self) -> bool {
        self.bill_amount > 0 && self.paid_amount >= self.bill_amount
    }

    fn wire(&self, now: i64, address: WireAddress) -> WireBill {
        WireBill {
            uuid: self.uuid.clone(),
            username: self.username.clone(),
            wallet: self.wallet.clone(),
            hex: self.tron.as_ref().map(|a| a.hex.clone()).unwrap_or_default(),
            address,
            created_at: self.created_at,
            bill_ref: self.bill_ref.clone(),
            bill_amount: self.bill_amount,
            paid_amount: self.paid_amount,
            testnet: false,
            tag: self.tag.clone(),
            starting: self.starting,
            until: self.until,
            closed: self.is_closed(now),
            canceled: self.canceled,
            cooldown: 0,
            txs: self.txs.clone(),
            ln_invoice: self.ln.clone(),
            ln_receipt: self.ln_receipt.clone(),
            callback_url: self.callback_url.clone(),
            email: self.email.clone(),
        }
    }

    /// The create answer's shape: `address` and `hex` are strings.
    fn create_shape(&self, now: i64) -> WireBill {
        let base58 = self.tron.as_ref().map(|a| a.base58.clone());
        self.wire(now, WireAddress::Text(base58.unwrap_or_default()))
    }

    /// The view/find shape: `address` is `{"base58", "hex"}`.
    pub(crate) fn view_shape(&self, now: i64) -> WireBill {
        let (base58, hex) = match &self.tron {
            Some(a) => (a.base58.clone(), a.hex.clone()),
            None => (String::new(), String::new()),
        };
        self.wire(now, WireAddress::Object { base58, hex })
    }

    /// `txs[].amount` for a payment of `micro_usd`.
    fn tx_units(&self, micro_usd: u64) -> u64 {
        if self.ln.is_some() { satoshis(micro_usd) } else { micro_usd }
    }

    fn push_tx(&mut self, micro_usd: u64, now: i64) -> String {
        let tx_ref = object_id(now);
        let tx_id = match &self.ln {
            // Lightning: the tx id is the payment hash (doc view sample).
            Some(ln) => ln.payment_hash.clone(),
            None => crate::hex(&crate::random_bytes::<32>()),
        };
        self.txs.push(Tx { tx_ref: tx_ref.clone(), tx_id, amount: self.tx_units(micro_usd), timestamp: now });
        tx_ref
    }
}

/// A MongoDB-ObjectId-like id (`66bb8c62ad181d1aae0ac541` in the doc:
/// 4 bytes of epoch seconds, then 8 random bytes), used for `txRef`.
fn object_id(now_ms: i64) -> String {
    let secs = u32::try_from(now_ms.div_euclid(1000)).unwrap_or(u32::MAX);
    let mut raw = [0u8; 12];
    raw[..4].copy_from_slice(&secs.to_be_bytes());
    raw[4..].copy_from_slice(&crate::random_bytes::<8>());
    crate::hex(&raw)
}

#[derive(Default)]
struct Ledger {
    /// Access token → expiry (epoch ms).
    tokens: HashMap<String, i64>,
    /// Every bill, in creation order.
    bills: Vec<Bill>,
    by_ref: HashMap<String, usize>,
    by_uuid: HashMap<String, usize>,
}

impl Ledger {
    /// A bill by uuid or `billRef`.
    fn find_mut(&mut self, id: &str) -> Option<&mut Bill> {
        let idx = self.by_uuid.get(id).or_else(|| self.by_ref.get(id)).copied()?;
        self.bills.get_mut(idx)
    }

    fn by_reference(&mut self, reference: &str) -> Option<&mut Bill> {
        let idx = self.by_ref.get(reference).copied()?;
        self.bills.get_mut(idx)
    }
}

/// The simulated xPay account.
pub(crate) struct Store {
    username: String,
    secret_key: String,
    token_ttl_ms: i64,
    /// The account's wallet UUID (`wallet` of every bill).
    wallet: String,
    /// `lnReceipt.accountId`.
    account_id: String,
    state: Mutex<Ledger>,
}

/// Why a control-API action failed.
#[derive(Debug)]
pub(crate) enum ControlError {
    NoSuchBill,
    Conflict(&'static str),
    BadRequest(String),
}

impl Store {
    pub(crate) fn new(opts: &Options) -> Self {
        Self {
            username: opts.xpay_username.clone(),
            secret_key: opts.xpay_secret_key.clone(),
            token_ttl_ms: i64::try_from(opts.token_ttl.as_millis()).unwrap_or(i64::MAX),
            wallet: crate::new_uuid(),
            account_id: crate::new_uuid(),
            state: Mutex::new(Ledger::default()),
        }
    }

    fn token_valid(&self, token: &str, now: i64) -> bool {
        let mut st = lock(&self.state);
        match st.tokens.get(token) {
            Some(&expires) if now < expires => true,
            Some(_) => {
                st.tokens.remove(token);
                false
            }
            None => false,
        }
    }

    // -- control API ---------------------------------------------------------

    /// Every bill, view shape, in creation order.
    pub(crate) fn bills_view(&self, now: i64) -> Vec<WireBill> {
        lock(&self.state).bills.iter().map(|b| b.view_shape(now)).collect()
    }

    /// Invalidates every issued token; returns how many were live.
    pub(crate) fn expire_tokens(&self, now: i64) -> usize {
        let mut st = lock(&self.state);
        let live = st.tokens.values().filter(|&&exp| now < exp).count();
        st.tokens.clear();
        live
    }

    fn with_bill(
        &self,
        id: &str,
        now: i64,
        f: impl FnOnce(&mut Bill) -> Result<(), ControlError>,
    ) -> Result<WireBill, ControlError> {
        let mut st = lock(&self.state);
        let bill = st.find_mut(id).ok_or(ControlError::NoSuchBill)?;
        f(bill)?;
        Ok(bill.view_shape(now))
    }

    /// Credits `micro_usd`; a bill that becomes fully paid closes (and a
    /// Lightning bill gets its `lnReceipt`).
    fn credit(&self, bill: &mut Bill, micro_usd: u64, now: i64, node_id: &str) {
        bill.paid_amount = bill.paid_amount.saturating_add(micro_usd);
        let tx_ref = bill.push_tx(micro_usd, now);
        if bill.is_paid() {
            bill.closed = true;
            if let Some(ln) = &bill.ln {
                // The doc's stored copy is cut inside `lnReceipt`; the fields
                // it shows are here, the rest is plausible filler.
                bill.ln_receipt = Some(json!({
                    "accountId": self.account_id,
                    "eventType": "receive.lightning",
                    "transaction": {
                        "createdAt": crate::time::iso8601_ms(now),
                        "direction": "RECEIVE",
                        "externalId": ln.payment_hash,
                        "id": tx_ref,
                        "initiationVia": {
                            "type": "lightning",
                            "paymentHash": ln.payment_hash,
                            "pubkey": node_id,
                        },
                        "memo": lightning::DESCRIPTION,
                        "settlementAmount": ln.satoshis,
                        "settlementCurrency": "BTC",
                        "settlementVia": {
                            "type": "lightning",
                            "preImage": bill.ln_preimage.map(|p| crate::hex(&p)),
                        },
                        "status": "success",
                    },
                }));
            }
        }
    }

    /// Full payment of what is left.
    pub(crate) fn pay(&self, id: &str, now: i64, node_id: &str) -> Result<WireBill, ControlError> {
        self.with_bill(id, now, |bill| {
            let left = bill.bill_amount.saturating_sub(bill.paid_amount);
            if left == 0 {
                return Err(ControlError::Conflict(MSG_ALREADY_PAID));
            }
            self.credit(bill, left, now, node_id);
            Ok(())
        })
    }

    /// Part payment: `amount` micro-dollars, by default half of `billAmount`.
    pub(crate) fn partial(
        &self,
        id: &str,
        amount: Option<u64>,
        now: i64,
        node_id: &str,
    ) -> Result<WireBill, ControlError> {
        self.with_bill(id, now, |bill| {
            if bill.is_paid() {
                return Err(ControlError::Conflict(MSG_ALREADY_PAID));
            }
            let amount = amount.unwrap_or(bill.bill_amount / 2);
            if amount == 0 {
                return Err(ControlError::BadRequest(
                    "partial amount must be a positive integer (micro-dollars)".into(),
                ));
            }
            self.credit(bill, amount, now, node_id);
            Ok(())
        })
    }

    /// A transaction seen but not credited (the till shows "confirming").
    pub(crate) fn seen(&self, id: &str, now: i64) -> Result<WireBill, ControlError> {
        self.with_bill(id, now, |bill| {
            let left = bill.bill_amount.saturating_sub(bill.paid_amount);
            if left == 0 {
                return Err(ControlError::Conflict(MSG_ALREADY_PAID));
            }
            bill.push_tx(left, now);
            Ok(())
        })
    }

    /// Ends the bill's validity now.
    pub(crate) fn expire(&self, id: &str, now: i64) -> Result<WireBill, ControlError> {
        self.with_bill(id, now, |bill| {
            bill.until = now;
            bill.closed = true;
            Ok(())
        })
    }
}

// ---------------------------------------------------------------------------
// HTTP.

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

fn success<T: Serialize>(uuid: String, message: &'static str, data: T) -> Response {
    axum::Json(SuccessEnvelope { success: SuccessBody { message, data }, uuid }).into_response()
}

fn error_body(uuid: String, message: impl Into<String>, data: Value) -> ErrorEnvelope {
    ErrorEnvelope { error: ErrorBody { message: message.into(), data, tag: crate::new_uuid() }, uuid }
}

/// A business error: HTTP 200 with an `error` envelope.
fn error(uuid: String, message: impl Into<String>, data: Value) -> Response {
    axum::Json(error_body(uuid, message, data)).into_response()
}

/// The sandbox's answer to a bad token: HTTP 401, `error` envelope.
fn unauthorized(uuid: String) -> Response {
    (StatusCode::UNAUTHORIZED, axum::Json(error_body(uuid, MSG_INVALID_TOKEN, Value::Null))).into_response()
}

/// A request that breaks the documented wire format.
struct Invalid {
    field: &'static str,
    problem: String,
}

impl Invalid {
    fn new(field: &'static str, problem: impl Into<String>) -> Self {
        Self { field, problem: problem.into() }
    }

    fn into_response(self, uuid: String) -> Response {
        let message = if self.field.is_empty() {
            format!("{MSG_INVALID_REQUEST}: {}", self.problem)
        } else {
            format!("{MSG_INVALID_REQUEST}: {} {}", self.field, self.problem)
        };
        error(uuid, message, json!({ "invalid": true, "field": self.field }))
    }
}

/// The body as a JSON object. An empty body reads as `{}`; a non-empty one
/// needs `Content-Type: application/json` (every doc sample sends it).
fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Invalid> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Invalid::new("", "Content-Type must be application/json"));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Invalid::new("", "the body must be a JSON object")),
        Err(e) => Err(Invalid::new("", format!("malformed JSON: {e}"))),
    }
}

/// A field that is absent or `null` counts as absent.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn required_string<'a>(obj: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, Invalid> {
    match field(obj, name) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(Invalid::new(name, "must be a string")),
        None => Err(Invalid::new(name, "is required")),
    }
}

fn optional_string(obj: &Map<String, Value>, name: &'static str) -> Result<Option<String>, Invalid> {
    match field(obj, name) {
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Invalid::new(name, "must be a string")),
        None => Ok(None),
    }
}

fn required_bool(obj: &Map<String, Value>, name: &'static str) -> Result<bool, Invalid> {
    match field(obj, name) {
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Invalid::new(name, "must be a JSON boolean")),
        None => Err(Invalid::new(name, "is required")),
    }
}

/// A JSON integer (no fraction, no exponent) ≥ 0, if present.
fn optional_u64(obj: &Map<String, Value>, name: &'static str) -> Result<Option<u64>, Invalid> {
    match field(obj, name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(v) => Ok(Some(v)),
            None => Err(Invalid::new(name, "must be a non-negative integer JSON number")),
        },
        Some(_) => Err(Invalid::new(name, "must be an integer JSON number")),
    }
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

// -- POST /client/authenticate ---------------------------------------------

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

// -- POST /client/bills/save -----------------------------------------------

/// A validated create request.
struct CreateBill {
    amount: u64,
    tag: String,
    expire_minutes: u64,
    reference: String,
    use_lightning: bool,
    email: Option<String>,
    callback_url: Option<String>,
}

impl CreateBill {
    fn parse(obj: &Map<String, Value>) -> Result<Self, Invalid> {
        let amount = match field(obj, "amount") {
            Some(Value::Number(n)) => n.as_u64().filter(|&a| a > 0).ok_or_else(|| {
                Invalid::new("amount", "must be a positive integer JSON number (micro-dollars, 1 USD = 1000000)")
            })?,
            Some(_) => {
                return Err(Invalid::new("amount", "must be an integer JSON number (micro-dollars), not a string"));
            }
            None => return Err(Invalid::new("amount", "is required")),
        };
        if amount > MAX_AMOUNT {
            return Err(Invalid::new("amount", format!("must be at most {MAX_AMOUNT}")));
        }
        let tag = required_string(obj, "tag")?.to_owned();
        let minutes = match field(obj, "expireInMinutes") {
            Some(Value::String(s)) => {
                if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(Invalid::new("expireInMinutes", "must be a string of digits, e.g. \"30\""));
                }
                s.parse::<u64>().ok().filter(|m| EXPIRE_MINUTES.contains(m)).ok_or_else(|| {
                    Invalid::new(
                        "expireInMinutes",
                        format!("must be between {} and {}", EXPIRE_MINUTES.start(), EXPIRE_MINUTES.end()),
                    )
                })?
            }
            Some(_) => {
                return Err(Invalid::new("expireInMinutes", "must be a string of digits, e.g. \"30\", not a number"));
            }
            None => return Err(Invalid::new("expireInMinutes", "is required")),
        };
        let reference = required_string(obj, "reference")?;
        if reference.is_empty() {
            return Err(Invalid::new("reference", "must not be empty"));
        }
        Ok(Self {
            amount,
            tag,
            expire_minutes: minutes,
            reference: reference.to_owned(),
            use_lightning: required_bool(obj, "useLightning")?,
            email: optional_string(obj, "email")?,
            callback_url: optional_string(obj, "callbackURL")?,
        })
    }
}

/// Why a validated create request got no bill.
enum NewBillError {
    /// A field the wire format allows but the sandbox cannot serve.
    Invalid(Invalid),
    /// Anything else (the BOLT11 could not be signed).
    Failed(String),
}

impl Store {
    /// The bill `bills/save` makes at `now` for a validated request (not
    /// stored yet).
    fn new_bill(&self, signer: &lightning::Signer, req: CreateBill, now: i64) -> Result<Bill, NewBillError> {
        let until = now.saturating_add(i64::try_from(req.expire_minutes * 60_000).unwrap_or(i64::MAX));
        let (tron, ln) = if req.use_lightning {
            let sats = satoshis(req.amount);
            if sats == 0 {
                return Err(NewBillError::Invalid(Invalid::new(
                    "amount",
                    format!("is below 1 satoshi at the sandbox rate (1 BTC = {USD_PER_BTC} USD)"),
                )));
            }
            let created_secs = now.div_euclid(1000);
            let expiry_secs =
                (req.expire_minutes * 60).saturating_sub(BOLT11_EXPIRY_MARGIN_SECS).max(BOLT11_MIN_EXPIRY_SECS);
            let inv = signer
                .invoice(&lightning::Request {
                    amount_msat: sats * 1000,
                    timestamp_secs: u64::try_from(created_secs).unwrap_or(0),
                    expiry: std::time::Duration::from_secs(expiry_secs),
                })
                .map_err(|e| NewBillError::Failed(format!("could not create the invoice: {e}")))?;
            let hash = crate::hex(&inv.payment_hash);
            let ln = LnInvoice {
                created_at: created_secs,
                external_id: hash.clone(),
                payment_request: inv.bolt11,
                payment_hash: hash,
                payment_secret: crate::hex(&inv.payment_secret),
                payment_status: "PENDING",
                satoshis: sats,
                dollars: dollars(req.amount),
            };
            (None, Some((ln, inv.preimage)))
        } else {
            (Some(tron::Address::random()), None)
        };
        let (ln, ln_preimage) = ln.unzip();
        Ok(Bill {
            uuid: crate::new_uuid(),
            username: self.username.clone(),
            wallet: self.wallet.clone(),
            tron,
            created_at: now,
            bill_ref: req.reference,
            bill_amount: req.amount,
            paid_amount: 0,
            tag: req.tag,
            starting: now - STARTING_BEFORE_CREATED_MS,
            until,
            closed: false,
            canceled: false,
            txs: Vec::new(),
            ln,
            ln_preimage,
            ln_receipt: None,
            callback_url: req.callback_url,
            email: req.email,
        })
    }

    /// `POST /_sandbox/xpay/seed` (seed.rs): bills as till's `bills/save`
    /// would create them (`tag` `till-<terminal>-<reference>`, `reference`
    /// the merchant reference); `id` is the reference (`bills/view` takes it).
    pub(crate) fn seed(
        &self,
        signer: &lightning::Signer,
        spec: &crate::seed::Spec,
    ) -> Result<Vec<crate::seed::Seeded>, crate::seed::SeedError> {
        use crate::seed::{SeedError, Seeded};
        if spec.currency != "USD" {
            return Err(SeedError::bad("xPay bills are in USD"));
        }
        let use_lightning = match spec.method.as_str() {
            "usdt-tron" => false,
            "lightning" => true,
            other => return Err(SeedError::method(other, "usdt-tron, lightning")),
        };
        let amount = crate::decimal::plain_positive(&spec.amount, 20, 6)
            .and_then(|usd| (usd * rust_decimal::Decimal::from(1_000_000)).to_u64())
            .ok_or_else(|| SeedError::bad("xPay amounts have at most 6 decimals (micro-dollars)"))?;
        let now = now_ms();
        let mut bills = Vec::with_capacity(spec.references.len());
        for reference in &spec.references {
            let body = crate::seed::object([
                ("amount", json!(amount)),
                ("tag", json!(format!("till-{}-{reference}", spec.terminal))),
                ("expireInMinutes", json!(spec.expire_minutes.to_string())),
                ("reference", json!(reference)),
                ("useLightning", json!(use_lightning)),
            ]);
            let refused = |e: Invalid| SeedError::refused(reference, format!("{} {}", e.field, e.problem));
            let req = CreateBill::parse(&body).map_err(refused)?;
            let bill = self.new_bill(signer, req, now).map_err(|e| match e {
                NewBillError::Invalid(e) => refused(e),
                NewBillError::Failed(why) => SeedError::refused(reference, why),
            })?;
            bills.push(bill);
        }
        let mut st = lock(&self.state);
        if let Some(taken) = bills.iter().find(|b| st.by_ref.contains_key(&b.bill_ref)) {
            return Err(SeedError::taken(&taken.bill_ref));
        }
        let seeded = bills
            .into_iter()
            .map(|bill| {
                let seeded = Seeded {
                    id: bill.bill_ref.clone(),
                    reference: bill.bill_ref.clone(),
                    created_at: crate::time::iso8601_ms(bill.created_at),
                    expires_at: crate::time::iso8601_ms(bill.until),
                };
                st.insert(bill);
                seeded
            })
            .collect();
        Ok(seeded)
    }
}

impl Ledger {
    /// Stores a bill whose `billRef` is not taken.
    fn insert(&mut self, bill: Bill) {
        let idx = self.bills.len();
        self.by_ref.insert(bill.bill_ref.clone(), idx);
        self.by_uuid.insert(bill.uuid.clone(), idx);
        self.bills.push(bill);
    }
}

async fn save(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let uuid = request_uuid(&headers);
    let now = now_ms();
    if !authorized(&shared, &headers, now) {
        return unauthorized(uuid);
    }
    let req = match json_object(&headers, &body).and_then(|obj| CreateBill::parse(&obj)) {
        Ok(req) => req,
        Err(e) => return e.into_response(uuid),
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

// -- POST /client/bills/view and /cancel -------------------------------------

fn reference(headers: &HeaderMap, body: &Bytes) -> Result<String, Invalid> {
    let obj = json_object(headers, body)?;
    Ok(required_string(&obj, "reference")?.to_owned())
}

async fn view(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let uuid = request_uuid(&headers);
    let now = now_ms();
    if !authorized(&shared, &headers, now) {
        return unauthorized(uuid);
    }
    let reference = match reference(&headers, &body) {
        Ok(r) => r,
        Err(e) => return e.into_response(uuid),
    };
    let found = lock(&shared.xpay.state).by_reference(&reference).map(|b| b.view_shape(now));
    match found {
        Some(bill) => success(uuid, MSG_BILL_FOUND, bill),
        None => error(uuid, MSG_BILL_NOT_FOUND, json!({ "reference": reference })),
    }
}

async fn cancel(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let uuid = request_uuid(&headers);
    let now = now_ms();
    if !authorized(&shared, &headers, now) {
        return unauthorized(uuid);
    }
    let reference = match reference(&headers, &body) {
        Ok(r) => r,
        Err(e) => return e.into_response(uuid),
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

// -- POST /client/bills/find -----------------------------------------------

/// A validated find request.
struct FindBills {
    page: u64,
    page_size: u64,
    ascending: bool,
    wallet: Option<String>,
    tag: Option<String>,
}

impl FindBills {
    fn parse(obj: &Map<String, Value>) -> Result<Self, Invalid> {
        let page = optional_u64(obj, "page")?.unwrap_or(1);
        if page == 0 {
            return Err(Invalid::new("page", "must be at least 1"));
        }
        let page_size = optional_u64(obj, "pageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
            return Err(Invalid::new("pageSize", format!("must be between 1 and {MAX_PAGE_SIZE}")));
        }
        let ascending = match field(obj, "sort") {
            None => false,
            Some(Value::Object(sort)) => match field(sort, "createdAt") {
                None => false,
                Some(v) if v.as_i64() == Some(1) => true,
                Some(v) if v.as_i64() == Some(-1) => false,
                Some(_) => return Err(Invalid::new("sort", "createdAt must be 1 or -1")),
            },
            Some(_) => {
                return Err(Invalid::new("sort", "must be an object such as {\"createdAt\": -1}"));
            }
        };
        Ok(Self {
            page,
            page_size,
            ascending,
            wallet: optional_string(obj, "wallet")?,
            tag: optional_string(obj, "tag")?,
        })
    }

    fn matches(&self, bill: &Bill) -> bool {
        // "wildcard" search, read as a prefix match. The doc describes
        // `wallet` both as the wallet and as "Search by bill UUID": either matches.
        let wallet_ok = self.wallet.as_deref().is_none_or(|w| bill.wallet.starts_with(w) || bill.uuid.starts_with(w));
        let tag_ok = self.tag.as_deref().is_none_or(|t| bill.tag.starts_with(t));
        wallet_ok && tag_ok
    }
}

async fn find(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let uuid = request_uuid(&headers);
    let now = now_ms();
    if !authorized(&shared, &headers, now) {
        return unauthorized(uuid);
    }
    let req = match json_object(&headers, &body).and_then(|obj| FindBills::parse(&obj)) {
        Ok(req) => req,
        Err(e) => return e.into_response(uuid),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bill(created_at: i64, minutes: i64) -> Bill {
        Bill {
            uuid: "u".into(),
            username: "a@b".into(),
            wallet: "w".into(),
            tron: Some(tron::Address::random()),
            created_at,
            bill_ref: "r".into(),
            bill_amount: 2_500_000,
            paid_amount: 0,
            tag: "t".into(),
            starting: created_at - 60_000,
            until: created_at + minutes * 60_000,
            closed: false,
            canceled: false,
            txs: vec![],
            ln: None,
            ln_preimage: None,
            ln_receipt: None,
            callback_url: None,
            email: None,
        }
    }

    #[test]
    fn a_bill_past_until_reads_closed() {
        let b = bill(1_000_000, 30);
        assert!(!b.view_shape(b.until - 1).closed);
        assert!(b.view_shape(b.until).closed);
        assert!(b.create_shape(b.until + 5).closed);
        assert!(!b.closed, "closing is evaluated on read, not stored");
    }

    #[test]
    fn satoshis_at_the_demo_rate() {
        assert_eq!(satoshis(60_000_000_000), 100_000_000); // 60 000 USD = 1 BTC
        assert_eq!(satoshis(10_000_000), 16_667); // 16 666.67
        assert_eq!(satoshis(2_500_000), 4_167); // 4 166.67
        assert_eq!(satoshis(300), 1); // half a sat rounds up
        assert_eq!(satoshis(299), 0);
    }

    #[test]
    fn dollars_as_json_numbers() {
        let text = |m| serde_json::to_string(&dollars(m)).expect("serializes");
        assert_eq!(text(10_000_000), "10");
        assert_eq!(text(12_500_000), "12.5");
        assert_eq!(text(2_500_000), "2.5");
        assert_eq!(text(1_234_567), "1.234567");
        assert_eq!(text(999_999_999_999_999), "999999999.999999");
    }

    #[test]
    fn object_ids_start_with_the_seconds() {
        // Doc: txRef 66bb8c62… ↔ timestamp 1723567202118.
        let id = object_id(1_723_567_202_118);
        assert_eq!(id.len(), 24);
        assert!(id.starts_with("66bb8c62"));
    }
}
