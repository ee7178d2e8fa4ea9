//! xpays.life, written from `providers/xpays.md`.
//!
//! | Route | Doc section |
//! |---|---|
//! | `POST /v1/payment/createInvoicePayment` | § Create invoice |
//! | `GET /v1/payment/info?id=<id>` | § Query status |
//!
//! Both are signed (§ Authentication / signing, with till's documented
//! assumption, the only one a sandbox can check): headers `x-api-key`,
//! `x-timestamp` (13-digit epoch ms) and `x-signature` = lowercase hex
//! HMAC-SHA256(secret_key, `{timestamp}{body}`) over the exact raw body
//! bytes (`""` for a GET; the query is not signed).
//!
//! Errors are `{"error":"<message>"}` (§ Errors and limits); HTTP codes are
//! undocumented, the sandbox's choices are: 403 `Forbidden` for a missing or
//! wrong API key, 401 `Invalid signature` for a bad signature or a timestamp
//! more than 5 minutes off, 400 for a bad request, 404 `Payment not found`.
//!
//! Answers carry the 41 fields of the doc's create sample, same types:
//! create `{"data":{…}}`, info `{"data":{"payment":{…}}}` (the later docs'
//! wrapper, one of the three till accepts). Status values beyond the
//! sample's (`PENDING` / `PAYMENT_CHECKING`) are undocumented; the control
//! API uses those of till's mapping (§ Mapping to till): `COMPLETED`/`PAID`
//! with `is_completed: true`, `EXPIRED`, `CANCELED`, and `ON_HOLD`/
//! `MANUAL_REVIEW` for "weird".
//!
//! Control routes (CONTROL.md): `GET /_sandbox/xpays/invoices` and
//! `POST /_sandbox/xpays/invoices/{id or order_id}/{action}`; both answer
//! the bare invoice object (the `payment` of the info answer).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Map, Number, Value, json};
use sha2::Sha256;

use rust_decimal::Decimal;

use crate::decimal::{LOOSE, Written, half_up, half_up_significant, number};
use crate::{AppState, lock, lower_hex_decode, tron};

pub const DEMO_XPAYS_API_KEY: &str = "key_sandbox_xpays_demo";
pub const DEMO_XPAYS_SECRET_KEY: &str = "sandbox-xpays-secret";

/// How the sandbox's xpays.life is set up.
#[derive(Clone, Debug)]
pub struct XpaysOptions {
    /// The only `x-api-key` accepted (default [`DEMO_XPAYS_API_KEY`]).
    pub api_key: String,
    /// The HMAC key (default [`DEMO_XPAYS_SECRET_KEY`]).
    pub secret_key: String,
    /// `lifetime` of every invoice in seconds (default 900; the request
    /// cannot set it). 0 makes invoices expire at once (tests).
    pub lifetime_secs: u64,
    /// Milliseconds added to the wall clock (tests replay the doc's worked
    /// signing example, whose timestamp is in the past).
    pub clock_skew_ms: i64,
}

impl Default for XpaysOptions {
    fn default() -> Self {
        Self {
            api_key: DEMO_XPAYS_API_KEY.to_owned(),
            secret_key: DEMO_XPAYS_SECRET_KEY.to_owned(),
            lifetime_secs: 900,
            clock_skew_ms: 0,
        }
    }
}

// ---------------------------------------------------------------------------
// Messages and numbers (the doc's where it has them, else the sandbox's).

/// Missing or wrong `x-api-key` (doc sample `{"error":"Forbidden"}`), HTTP 403.
const MSG_FORBIDDEN: &str = "Forbidden";
/// Bad signature, or a timestamp missing, malformed or too far off, HTTP 401.
const MSG_INVALID_SIGNATURE: &str = "Invalid signature";
/// Unknown payment id, HTTP 404.
const MSG_NOT_FOUND: &str = "Payment not found";
/// A reused `order_id`, HTTP 400 (the doc: it "must be unique").
const MSG_ORDER_EXISTS: &str = "order_id already exists";

/// Largest clock difference accepted on `x-timestamp`.
const MAX_CLOCK_DIFF_MS: i64 = 5 * 60_000;
/// `payment_amount` / (`amount` converted to USD): the doc sample's
/// 9.99721717462727 / 10.
const PAYMENT_FACTOR: Decimal = Decimal::from_parts(3_654_809_287, 232_765, 0, false, 15);
/// `fee_percent` of the sample (0.4): `merchant_amount` = paid × (1 − 0.4 %).
const MERCHANT_FACTOR: Decimal = Decimal::from_parts(996, 0, 0, false, 3);
/// `payment_amount` is shown with at most this many significant digits (the
/// sample has 15; a JSON number stays exact through f64 with 15) …
const PAYMENT_DIGITS: u32 = 15;
/// … and at most this many decimals (the sample has 14).
const PAYMENT_DECIMALS: u32 = 14;
/// Largest `amount` accepted, and its decimals.
const MAX_AMOUNT: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
const MAX_AMOUNT_DECIMALS: u64 = 8;
/// Longest `order_id` (the hosted page URL ends with it).
const MAX_ORDER_ID: usize = 64;
/// The hosted page (from the sample's `payment_url`).
const PAY_URL_BASE: &str = "https://xpays.life/pay/";

/// Demo rate: USD per unit of `from_fiat_currency` (sample: USD).
fn usd_per_unit(fiat: &str) -> Option<Decimal> {
    let (mant, scale) = match fiat {
        "USD" => (1, 0),
        "EUR" => (108, 2),
        "GBP" => (127, 2),
        "VND" => (393, 7),
        _ => return None,
    };
    Some(Decimal::new(mant, scale))
}

/// `payment_amount` and its kin as shown: at most [`PAYMENT_DIGITS`]
/// significant digits, then at most [`PAYMENT_DECIMALS`] decimals, both
/// rounded half up.
fn shown(value: Decimal) -> Decimal {
    half_up(half_up_significant(value, PAYMENT_DIGITS), PAYMENT_DECIMALS)
}

// ---------------------------------------------------------------------------
// Wire type: the 41 fields of § Create invoice › Response, in its order.

#[derive(Clone, Debug, Serialize)]
pub(crate) struct WirePayment {
    id: String,
    seq_num: u64,
    order_id: String,
    chain: String,
    network: &'static str,
    from_fiat_currency: String,
    to_crypto_currency: String,
    amount: String,
    payment_amount: Number,
    payer_paid_currency: Option<String>,
    payer_paid_amount: Option<Number>,
    merchant_amount: Number,
    txid: Option<String>,
    address: String,
    from_address: Option<String>,
    auto_convert: bool,
    convert_to: String,
    payment_url: String,
    url_return: String,
    url_success: String,
    url_failed: String,
    is_multiple_order: bool,
    lifetime: u64,
    expired_at: String,
    fee_subtract: u64,
    fee_percent: Number,
    discount_percent: Number,
    discount_amount: u64,
    accuracy_percent: u64,
    additional_data: Value,
    support_currencies: Option<Value>,
    except_currencies: Option<Value>,
    exchange_rate: Option<Number>,
    exchange_rate_source: &'static str,
    payment_status: &'static str,
    payment_match_type: &'static str,
    is_completed: bool,
    status: &'static str,
    created_at: String,
    owned_by_group: String,
    agent_id: String,
}

// ---------------------------------------------------------------------------
// Store.

/// Where an invoice stands, as stored; `Pending` past `expired_at` reads
/// `EXPIRED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Pending,
    Completed,
    Expired,
    Canceled,
    /// The control API's `weird`.
    OnHold,
}

#[derive(Clone, Debug)]
struct Invoice {
    id: String,
    seq_num: u64,
    order_id: String,
    chain: String,
    from_fiat_currency: String,
    to_crypto_currency: String,
    /// As sent.
    amount: String,
    payment_amount: Decimal,
    payer_paid_currency: Option<String>,
    payer_paid_amount: Option<Decimal>,
    merchant_amount: Option<Decimal>,
    txid: Option<String>,
    address: String,
    from_address: Option<String>,
    url_return: String,
    url_success: String,
    url_failed: String,
    lifetime: u64,
    created_ms: i64,
    expired_ms: i64,
    discount_percent: Number,
    additional_data: Value,
    stage: Stage,
}

impl Invoice {
    fn status(&self, now: i64) -> &'static str {
        match self.stage {
            Stage::Pending if now >= self.expired_ms => "EXPIRED",
            Stage::Pending => "PENDING",
            Stage::Completed => "COMPLETED",
            Stage::Expired => "EXPIRED",
            Stage::Canceled => "CANCELED",
            Stage::OnHold => "ON_HOLD",
        }
    }

    fn is_final(&self, now: i64) -> bool {
        matches!(self.status(now), "COMPLETED" | "EXPIRED" | "CANCELED")
    }

    fn wire(&self, now: i64, group: &str, agent: &str) -> WirePayment {
        WirePayment {
            id: self.id.clone(),
            seq_num: self.seq_num,
            order_id: self.order_id.clone(),
            chain: self.chain.clone(),
            network: "mainnet",
            from_fiat_currency: self.from_fiat_currency.clone(),
            to_crypto_currency: self.to_crypto_currency.clone(),
            amount: self.amount.clone(),
            payment_amount: number(self.payment_amount),
            payer_paid_currency: self.payer_paid_currency.clone(),
            payer_paid_amount: self.payer_paid_amount.map(number),
            merchant_amount: self.merchant_amount.map_or_else(|| Number::from(0), number),
            txid: self.txid.clone(),
            address: self.address.clone(),
            from_address: self.from_address.clone(),
            auto_convert: false,
            convert_to: self.to_crypto_currency.clone(),
            payment_url: format!("{PAY_URL_BASE}{}", self.order_id),
            url_return: self.url_return.clone(),
            url_success: self.url_success.clone(),
            url_failed: self.url_failed.clone(),
            is_multiple_order: true,
            lifetime: self.lifetime,
            expired_at: crate::time::iso8601_ms(self.expired_ms),
            fee_subtract: 0,
            fee_percent: Number::from_f64(0.4).unwrap_or_else(|| Number::from(0)),
            discount_percent: self.discount_percent.clone(),
            discount_amount: 0,
            accuracy_percent: 0,
            additional_data: self.additional_data.clone(),
            support_currencies: None,
            except_currencies: None,
            exchange_rate: None,
            exchange_rate_source: "COINGECKO",
            payment_status: match self.stage {
                Stage::Completed => "PAID",
                Stage::OnHold => "MANUAL_REVIEW",
                _ => "PAYMENT_CHECKING",
            },
            payment_match_type: "EXACTLY",
            is_completed: self.stage == Stage::Completed,
            status: self.status(now),
            created_at: crate::time::iso8601_ms(self.created_ms),
            owned_by_group: group.to_owned(),
            agent_id: agent.to_owned(),
        }
    }

    /// A transfer seen from a fresh payer address.
    fn see_transfer(&mut self) {
        if self.txid.is_none() {
            self.txid = Some(crate::hex(&crate::random_bytes::<32>()));
        }
        if self.from_address.is_none() {
            self.from_address = Some(tron::Address::random().base58);
        }
    }
}

#[derive(Default)]
struct Ledger {
    invoices: Vec<Invoice>,
    by_id: HashMap<String, usize>,
    by_order_id: HashMap<String, usize>,
}

impl Ledger {
    fn find_mut(&mut self, id: &str) -> Option<&mut Invoice> {
        let idx = self.by_id.get(id).or_else(|| self.by_order_id.get(id)).copied()?;
        self.invoices.get_mut(idx)
    }
}

/// The simulated xpays.life merchant account.
pub(crate) struct Store {
    opts: XpaysOptions,
    /// `owned_by_group` and `agent_id` of every invoice (one merchant).
    group: String,
    agent: String,
    state: Mutex<Ledger>,
}

impl Store {
    pub(crate) fn new(opts: &XpaysOptions) -> Self {
        Self {
            opts: opts.clone(),
            group: crate::new_uuid(),
            agent: crate::new_uuid(),
            state: Mutex::new(Ledger::default()),
        }
    }

    /// The gateway's clock (wall clock + `clock_skew_ms`), epoch ms.
    fn now_ms(&self) -> i64 {
        crate::now_ms().saturating_add(self.opts.clock_skew_ms)
    }

    /// § Authentication / signing: key (403), then timestamp and signature (401).
    fn authenticate(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), (StatusCode, &'static str)> {
        let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if text("x-api-key") != Some(self.opts.api_key.as_str()) {
            return Err((StatusCode::FORBIDDEN, MSG_FORBIDDEN));
        }
        let unsigned = || Err((StatusCode::UNAUTHORIZED, MSG_INVALID_SIGNATURE));
        let Some(timestamp) = text("x-timestamp").filter(|t| t.len() == 13 && t.bytes().all(|b| b.is_ascii_digit()))
        else {
            return unsigned();
        };
        let Ok(ms) = timestamp.parse::<i64>() else { return unsigned() };
        if (now - ms).abs() > MAX_CLOCK_DIFF_MS {
            return unsigned();
        }
        let Some(given) = text("x-signature").and_then(lower_hex_decode) else { return unsigned() };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.opts.secret_key.as_bytes()) else {
            return unsigned();
        };
        mac.update(timestamp.as_bytes());
        mac.update(body);
        if mac.verify_slice(&given).is_err() {
            return unsigned();
        }
        Ok(())
    }

    // -- control API ---------------------------------------------------------

    fn list(&self) -> Vec<WirePayment> {
        let now = self.now_ms();
        lock(&self.state).invoices.iter().map(|i| i.wire(now, &self.group, &self.agent)).collect()
    }

    fn act(&self, id: &str, action: &str) -> Result<WirePayment, (StatusCode, String)> {
        if !matches!(action, "pay" | "partial" | "seen" | "expire" | "cancel" | "weird") {
            return Err((
                StatusCode::BAD_REQUEST,
                format!("{action}: not an xpays.life action (pay, partial, seen, expire, cancel, weird)"),
            ));
        }
        let now = self.now_ms();
        let mut st = lock(&self.state);
        let inv = st.find_mut(id).ok_or((StatusCode::NOT_FOUND, "no such invoice".to_owned()))?;
        if inv.is_final(now) {
            return Err((StatusCode::CONFLICT, format!("cannot {action}: the invoice is {}", inv.status(now))));
        }
        match action {
            "pay" => {
                inv.see_transfer();
                inv.payer_paid_amount = Some(inv.payment_amount);
                inv.payer_paid_currency = Some(inv.to_crypto_currency.clone());
                inv.merchant_amount = inv.payment_amount.checked_mul(MERCHANT_FACTOR).map(shown);
                inv.stage = Stage::Completed;
            }
            "partial" => {
                inv.see_transfer();
                inv.payer_paid_amount = inv.payment_amount.checked_mul(Decimal::new(5, 1)).map(shown);
                inv.payer_paid_currency = Some(inv.to_crypto_currency.clone());
            }
            "seen" => inv.see_transfer(),
            "expire" => inv.stage = Stage::Expired,
            "cancel" => inv.stage = Stage::Canceled,
            _ => inv.stage = Stage::OnHold,
        }
        Ok(inv.wire(now, &self.group, &self.agent))
    }
}

// ---------------------------------------------------------------------------
// HTTP.

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/payment/createInvoicePayment", post(create).fallback(method_not_allowed))
        .route("/v1/payment/info", get(info).fallback(method_not_allowed))
        .route("/_sandbox/xpays/invoices", get(control_list))
        .route("/_sandbox/xpays/invoices/{id}/{action}", post(control_action))
}

fn fail(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "error": message.into() }))).into_response()
}

async fn method_not_allowed() -> Response {
    fail(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
}

/// A validated create request (§ Create invoice › Request body).
struct CreatePayment {
    order_id: String,
    amount: String,
    payment_amount: Decimal,
    from_fiat_currency: String,
    to_crypto_currency: String,
    chain: String,
    additional_data: Value,
    discount_percent: Number,
    url_return: String,
    url_success: String,
    url_failed: String,
}

fn required_string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s),
        None | Some(Value::Null) => Err(format!("{name} is required")),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

fn optional_string(obj: &Map<String, Value>, name: &str) -> Result<String, String> {
    match obj.get(name) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Ok(String::new()),
        Some(_) => Err(format!("{name} must be a string")),
    }
}

impl CreatePayment {
    fn parse(obj: &Map<String, Value>) -> Result<Self, String> {
        let order_id = required_string(obj, "order_id")?;
        let amount = required_string(obj, "amount")?;
        let fiat = required_string(obj, "from_fiat_currency")?;
        let crypto = required_string(obj, "to_crypto_currency")?;
        let chain = required_string(obj, "chain")?;

        let url_safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~');
        if order_id.is_empty() || order_id.len() > MAX_ORDER_ID || !order_id.chars().all(url_safe) {
            return Err(format!("order_id must be 1 to {MAX_ORDER_ID} characters among letters, digits and - _ . ~"));
        }
        let bad_amount = || "amount must be a decimal string greater than 0, e.g. \"10\" or \"4.50\"".to_owned();
        if !amount.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return Err(bad_amount());
        }
        let written = Written::parse(amount, LOOSE).map_err(|_| bad_amount())?;
        if written.magnitude().is_some_and(|v| v.is_zero()) {
            return Err(bad_amount());
        }
        if written.places() > MAX_AMOUNT_DECIMALS {
            return Err(format!("amount must have at most {MAX_AMOUNT_DECIMALS} decimal places"));
        }
        // At most 8 places: only a large integer part is beyond rust_decimal.
        let Some(value) = written.magnitude().filter(|v| *v <= MAX_AMOUNT) else {
            return Err(format!("amount must be at most {MAX_AMOUNT}"));
        };
        let Some(rate) = usd_per_unit(fiat) else {
            return Err(format!("from_fiat_currency {fiat:?} is not supported (USD, EUR, GBP, VND)"));
        };
        if crypto != "USDT" {
            return Err(format!("to_crypto_currency {crypto:?} is not supported (USDT)"));
        }
        if chain != "tron" {
            return Err(format!("chain {chain:?} is not supported (tron)"));
        }
        let payment_amount = value
            .checked_mul(rate)
            .and_then(|usd| usd.checked_mul(PAYMENT_FACTOR))
            .map(shown)
            .filter(|p| !p.is_zero())
            .unwrap_or(Decimal::new(1, PAYMENT_DECIMALS));

        let additional_data = match obj.get("additional_data") {
            None | Some(Value::Null) => json!({}),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(_) => return Err("additional_data must be an object".to_owned()),
        };
        let discount_percent = match obj.get("discount_percent") {
            None | Some(Value::Null) => Number::from(0),
            Some(Value::Number(n)) if n.as_f64().is_some_and(|p| (0.0..=100.0).contains(&p)) => n.clone(),
            Some(_) => return Err("discount_percent must be a number from 0 to 100".to_owned()),
        };
        Ok(Self {
            order_id: order_id.to_owned(),
            amount: amount.to_owned(),
            payment_amount,
            from_fiat_currency: fiat.to_owned(),
            to_crypto_currency: crypto.to_owned(),
            chain: chain.to_owned(),
            additional_data,
            discount_percent,
            url_return: optional_string(obj, "url_return")?,
            url_success: optional_string(obj, "url_success")?,
            url_failed: optional_string(obj, "url_failed")?,
        })
    }
}

/// The body as a JSON object (till sends `Content-Type: application/json`).
fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, String> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err("Content-Type must be application/json".to_owned());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the body must be a JSON object".to_owned()),
        Err(_) => Err("the body is not valid JSON".to_owned()),
    }
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

impl Ledger {
    /// Stores the invoice of a validated create request whose `order_id` is
    /// not taken, living `lifetime_secs` from `now`; its index.
    fn insert(&mut self, req: CreatePayment, lifetime_secs: u64, now: i64) -> usize {
        let lifetime_ms = i64::try_from(lifetime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let idx = self.invoices.len();
        let invoice = Invoice {
            id: crate::new_uuid(),
            seq_num: idx as u64 + 1,
            order_id: req.order_id,
            chain: req.chain,
            from_fiat_currency: req.from_fiat_currency,
            to_crypto_currency: req.to_crypto_currency,
            amount: req.amount,
            payment_amount: req.payment_amount,
            payer_paid_currency: None,
            payer_paid_amount: None,
            merchant_amount: None,
            txid: None,
            address: tron::Address::random().base58,
            from_address: None,
            url_return: req.url_return,
            url_success: req.url_success,
            url_failed: req.url_failed,
            lifetime: lifetime_secs,
            created_ms: now,
            expired_ms: now.saturating_add(lifetime_ms),
            discount_percent: req.discount_percent,
            additional_data: req.additional_data,
            stage: Stage::Pending,
        };
        self.by_id.insert(invoice.id.clone(), idx);
        self.by_order_id.insert(invoice.order_id.clone(), idx);
        self.invoices.push(invoice);
        idx
    }
}

impl Store {
    /// `POST /_sandbox/xpays/seed` (seed.rs): payments as till's create
    /// would make them (`order_id` the reference, USDT on tron), living
    /// `expire_minutes` (`lifetime` shows it); `id` is the payment's `id`
    /// (what `info?id=` takes).
    pub(crate) fn seed(&self, spec: &crate::seed::Spec) -> Result<Vec<crate::seed::Seeded>, crate::seed::SeedError> {
        use crate::seed::{SeedError, Seeded};
        if spec.method != "usdt-tron" {
            return Err(SeedError::method(&spec.method, "usdt-tron"));
        }
        let requests = spec
            .references
            .iter()
            .map(|reference| {
                let body = crate::seed::object([
                    ("order_id", json!(reference)),
                    ("amount", json!(spec.amount)),
                    ("from_fiat_currency", json!(spec.currency)),
                    ("to_crypto_currency", json!("USDT")),
                    ("chain", json!("tron")),
                ]);
                CreatePayment::parse(&body).map_err(|why| SeedError::refused(reference, why))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let now = self.now_ms();
        let mut st = lock(&self.state);
        if let Some(taken) = requests.iter().find(|r| st.by_order_id.contains_key(&r.order_id)) {
            return Err(SeedError::taken(&taken.order_id));
        }
        let lifetime_secs = spec.expire_minutes * 60;
        let seeded = requests
            .into_iter()
            .filter_map(|req| {
                let idx = st.insert(req, lifetime_secs, now);
                let inv = st.invoices.get(idx)?;
                Some(Seeded {
                    id: inv.id.clone(),
                    reference: inv.order_id.clone(),
                    created_at: crate::time::iso8601_ms(inv.created_ms),
                    expires_at: crate::time::iso8601_ms(inv.expired_ms),
                })
            })
            .collect();
        Ok(seeded)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, timestamp: &str, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(timestamp.as_bytes());
        mac.update(body.as_bytes());
        crate::hex(&mac.finalize().into_bytes())
    }

    #[test]
    fn doc_worked_examples() {
        // § Authentication / signing.
        let body =
            r#"{"order_id":"A1","amount":"10","from_fiat_currency":"USD","to_crypto_currency":"USDT","chain":"tron"}"#;
        assert_eq!(
            sign("test-secret", "1730998051892", body),
            "8f4f3dcc88822a87bbfe5dea8cc7cdfc7ab23ebe5edc73e47421c86c2348f14b"
        );
        assert_eq!(
            sign("test-secret", "1730998051892", ""),
            "1644d0426d8978e03a8410ec63423990e8093804a0d53f869cd938017e785b29"
        );
    }

    #[test]
    fn payment_amount_of_the_sample() {
        assert_eq!(PAYMENT_FACTOR.to_string(), "0.999721717462727");
        assert_eq!((MERCHANT_FACTOR.to_string(), MAX_AMOUNT.to_string()), ("0.996".into(), "1000000000".into()));
        let p = shown(Decimal::from(10) * PAYMENT_FACTOR);
        assert_eq!(p.normalize().to_string(), "9.99721717462727");
        assert_eq!(serde_json::to_string(&number(p)).expect("json"), "9.99721717462727");
    }
}
