//! XaiGate (wallet.xaigate.com), written from `providers/xaigate.md` only.
//!
//! | Route | xaigate.md section |
//! |---|---|
//! | `POST /api/v1/invoice/create` | § Create invoice |
//! | `POST /api/v1/invoice/info` | § Query status |
//! | `GET /_sandbox/xaigate/invoices` | control: every invoice, info shape |
//! | `POST /_sandbox/xaigate/invoices/{id}/{action}` | control: CONTROL.md § Invoice actions |
//!
//! **Auth** (§ Authentication / signing): `apiKey` is a field of the JSON
//! body; no headers, no signature. Bodies must be `application/json`
//! ("Parameter content type: application/json").
//!
//! **Answers.** Success is HTTP 200 with the invoice: exactly the 14 fields of
//! the completed sample in § Create invoice › Response, same order and types
//! (`amount`, `paidAmount` strings; `expiry` an integer in minutes; `orderId` a
//! JSON number when the reference is a plain integer, else a string; times ISO
//! 8601 UTC with microseconds and `Z`). Info answers the same fields.
//!
//! **Errors** are undocumented (§ Errors and limits); the sandbox's choice is
//! a JSON body `{"message": "…"}` with:
//!
//! | HTTP | `message` | When |
//! |---|---|---|
//! | 400 | `Content-Type must be application/json`, `body must be a JSON object`, `body is not valid JSON: …` | unreadable body |
//! | 401 | `Invalid apiKey` | `apiKey` missing or not the configured one |
//! | 400 | `<field> is required`, `<field> must be …` (always starts with the field name) | a missing or invalid field |
//! | 404 | `Invoice not found` | info for an unknown `invoiceNo` |
//!
//! **Statuses** (§ Query status): `Pending`, `PaidPartial`, `Paid`, `Expired`,
//! `Deleted`, as written. Past `createdAt` + `expiry` minutes (the doc's
//! assumption in § Mapping to till) a `Pending` or `PaidPartial` invoice reads
//! `Expired`, its `paidAmount` kept.
//!
//! Where the doc is silent, the sandbox chooses (and the tests pin):
//! - `amount` is echoed as the decimal text sent (a string, or a JSON number's
//!   text: `10` → `"10"`, `"4.50"` → `"4.50"`); at most 8 decimals.
//! - `orderId` is not required to be unique; a control `{id}` that is an
//!   `orderId` picks the newest invoice carrying it.
//! - `orderId` is echoed as a number when it is all digits, without a leading
//!   zero, and fits in a u64 (`"10"` → `10`, `"007"` → `"007"`).
//! - `toEmail` is the request's `email`; `toName` and `shopName` are the
//!   request's `shopName` (`""` when absent); `description` `""` when absent.
//! - `notifyUrl`, `successUrl`, `failUrl` are accepted (strings) and ignored.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::time::{iso8601_us, now_us};
use crate::{AppState, lock};

/// The `apiKey` the sandbox's XaiGate accepts by default (UUID-like, as the doc's).
pub const DEMO_XAIGATE_API_KEY: &str = "fdda9f03-6409-43eb-a6ef-000000000000";

/// How the sandbox's XaiGate is set up.
#[derive(Clone, Debug)]
pub struct XaigateOptions {
    /// The only `apiKey` accepted (default [`DEMO_XAIGATE_API_KEY`]).
    pub api_key: String,
    /// `expiry` of every invoice, in minutes (default 60: "default: 60 mins";
    /// the request cannot change it). `0` makes every invoice read `Expired`
    /// right after its create answer (which says `Pending`), for tests.
    pub expiry_minutes: u32,
}

impl Default for XaigateOptions {
    fn default() -> Self {
        Self { api_key: DEMO_XAIGATE_API_KEY.to_owned(), expiry_minutes: 60 }
    }
}

// ---------------------------------------------------------------------------
// Messages (the sandbox's choice: the error format is undocumented).

const MSG_INVALID_API_KEY: &str = "Invalid apiKey";
const MSG_NOT_FOUND: &str = "Invoice not found";

/// `email` and `shopName` of seeded invoices (till sends its configured ones).
const SEED_EMAIL: &str = "seed@till.sandbox";
const SEED_SHOP_NAME: &str = "Sandbox seed";
/// Hosted payment page (§ Base URL and environments, from the sample `payUrl`).
const PAY_URL_PREFIX: &str = "https://wallet.xaigate.com/pay/";
/// Largest number of decimals accepted in `amount`.
const MAX_DECIMALS: usize = 8;
/// Largest number of integer digits accepted in `amount`.
const MAX_INTEGER_DIGITS: usize = 15;

// ---------------------------------------------------------------------------
// Wire types.

/// `orderId` as echoed: a number when the reference is a plain integer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum OrderId {
    Number(u64),
    Text(String),
}

impl OrderId {
    /// The reference as text (how the control API and the till compare it).
    fn text(&self) -> String {
        match self {
            Self::Number(n) => n.to_string(),
            Self::Text(s) => s.clone(),
        }
    }

    /// A string reference: a number when it is all digits without a leading
    /// zero (so that the text survives the round trip) and fits in a u64.
    fn from_text(s: &str) -> Self {
        let plain = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
        match s.parse::<u64>() {
            Ok(n) if plain => Self::Number(n),
            _ => Self::Text(s.to_owned()),
        }
    }
}

/// An invoice as XaiGate sends it: the 14 fields of the completed sample, in
/// its order.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireInvoice {
    invoice_no: String,
    amount: String,
    paid_amount: String,
    to_email: String,
    to_name: String,
    expiry: u32,
    description: String,
    status: &'static str,
    pay_url: String,
    currency: &'static str,
    shop_name: String,
    order_id: OrderId,
    created_at: String,
    updated_at: String,
}

// ---------------------------------------------------------------------------
// Store.

/// A status as stored; `Pending` and `PaidPartial` read `Expired` past the
/// expiry instant (see [`Invoice::status_at`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Pending,
    PaidPartial,
    Paid,
    Expired,
    Deleted,
    /// `weird`: a value nobody documented.
    Refunded,
}

impl Status {
    fn wire(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::PaidPartial => "PaidPartial",
            Self::Paid => "Paid",
            Self::Expired => "Expired",
            Self::Deleted => "Deleted",
            Self::Refunded => "Refunded",
        }
    }

    /// Control actions may still change it (the undocumented value counts as
    /// open: it is not final for the till either).
    fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::PaidPartial | Self::Refunded)
    }
}

#[derive(Clone, Debug)]
struct Invoice {
    invoice_no: String,
    /// Decimal text as sent.
    amount: String,
    paid_amount: String,
    to_email: String,
    shop_name: String,
    expiry_minutes: u32,
    description: String,
    status: Status,
    currency: &'static str,
    order_id: OrderId,
    /// Epoch microseconds.
    created_us: i64,
    updated_us: i64,
}

impl Invoice {
    fn expires_us(&self) -> i64 {
        self.created_us.saturating_add(i64::from(self.expiry_minutes) * 60_000_000)
    }

    /// The status at `now` (µs) and when it last changed.
    fn status_at(&self, now: i64) -> (Status, i64) {
        let expires = self.expires_us();
        match self.status {
            // `now > created`: even with `expiry` 0 the create answer reads `Pending`.
            Status::Pending | Status::PaidPartial if now >= expires && now > self.created_us => {
                (Status::Expired, expires.max(self.updated_us))
            }
            status => (status, self.updated_us),
        }
    }

    fn wire(&self, now: i64) -> WireInvoice {
        let (status, updated) = self.status_at(now);
        WireInvoice {
            invoice_no: self.invoice_no.clone(),
            amount: self.amount.clone(),
            paid_amount: self.paid_amount.clone(),
            to_email: self.to_email.clone(),
            to_name: self.shop_name.clone(),
            expiry: self.expiry_minutes,
            description: self.description.clone(),
            status: status.wire(),
            pay_url: format!("{PAY_URL_PREFIX}{}?lang=en", self.invoice_no),
            currency: self.currency,
            shop_name: self.shop_name.clone(),
            order_id: self.order_id.clone(),
            created_at: iso8601_us(self.created_us),
            updated_at: iso8601_us(updated),
        }
    }
}

#[derive(Default)]
struct Ledger {
    invoices: Vec<Invoice>,
    by_no: HashMap<String, usize>,
}

impl Ledger {
    /// Stores an invoice (with a fresh `invoiceNo` if its own is taken).
    fn insert(&mut self, mut invoice: Invoice) -> &Invoice {
        while self.by_no.contains_key(&invoice.invoice_no) {
            invoice.invoice_no = new_invoice_no();
        }
        let idx = self.invoices.len();
        self.by_no.insert(invoice.invoice_no.clone(), idx);
        self.invoices.push(invoice);
        &self.invoices[idx]
    }

    /// By `invoiceNo`, else the newest invoice with that `orderId`.
    fn find_mut(&mut self, id: &str) -> Option<&mut Invoice> {
        match self.by_no.get(id).copied() {
            Some(idx) => self.invoices.get_mut(idx),
            None => self.invoices.iter_mut().rev().find(|inv| inv.order_id.text() == id),
        }
    }
}

/// The simulated XaiGate account.
pub(crate) struct Store {
    api_key: String,
    expiry_minutes: u32,
    state: Mutex<Ledger>,
}

/// Why a control action failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ControlError {
    NotFound,
    Conflict(String),
    BadRequest(String),
}

/// A control action (CONTROL.md § Invoice actions) in XaiGate's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Action {
    Pay,
    Partial,
    Expire,
    Cancel,
    Weird,
}

impl Action {
    fn parse(name: &str) -> Result<Self, ControlError> {
        match name {
            "pay" => Ok(Self::Pay),
            "partial" => Ok(Self::Partial),
            "expire" => Ok(Self::Expire),
            "cancel" => Ok(Self::Cancel),
            "weird" => Ok(Self::Weird),
            "seen" => Err(ControlError::BadRequest("XaiGate cannot express `seen`: it has no confirming state".into())),
            "view" => Err(ControlError::BadRequest("`view` is Bitsby's only".into())),
            other => Err(ControlError::BadRequest(format!("unknown action `{other}`"))),
        }
    }
}

impl Store {
    pub(crate) fn new(opts: &XaigateOptions) -> Self {
        Self {
            api_key: opts.api_key.clone(),
            expiry_minutes: opts.expiry_minutes,
            state: Mutex::new(Ledger::default()),
        }
    }

    /// Every invoice, info shape, in creation order.
    fn list(&self, now: i64) -> Vec<WireInvoice> {
        lock(&self.state).invoices.iter().map(|inv| inv.wire(now)).collect()
    }

    fn info(&self, invoice_no: &str, now: i64) -> Option<WireInvoice> {
        let st = lock(&self.state);
        let idx = st.by_no.get(invoice_no).copied()?;
        st.invoices.get(idx).map(|inv| inv.wire(now))
    }

    fn insert(&self, invoice: Invoice) -> WireInvoice {
        let mut st = lock(&self.state);
        let inv = st.insert(invoice);
        inv.wire(inv.created_us)
    }

    /// `POST /_sandbox/xaigate/seed` (seed.rs): invoices as till's create
    /// would make them (`orderId` the reference, `description`
    /// `Sale <reference>`), with `expiry` = `expire_minutes`; `id` is the
    /// `invoiceNo` (what info takes).
    pub(crate) fn seed(&self, spec: &crate::seed::Spec) -> Result<Vec<crate::seed::Seeded>, crate::seed::SeedError> {
        use crate::seed::{SeedError, Seeded};
        if !matches!(spec.method.as_str(), "usdt-tron" | "checkout") {
            return Err(SeedError::method(&spec.method, "checkout, usdt-tron: XaiGate's payment page"));
        }
        let expiry_minutes = u32::try_from(spec.expire_minutes).unwrap_or(u32::MAX);
        let now = now_us();
        let invoices = spec
            .references
            .iter()
            .map(|reference| {
                let body = crate::seed::object([
                    ("apiKey", json!(self.api_key)),
                    ("orderId", json!(reference)),
                    ("amount", json!(spec.amount)),
                    ("currency", json!(spec.currency)),
                    ("email", json!(SEED_EMAIL)),
                    ("shopName", json!(SEED_SHOP_NAME)),
                    ("description", json!(format!("Sale {reference}"))),
                ]);
                let req = CreateRequest::parse(&body).map_err(|r| SeedError::refused(reference, r.message))?;
                Ok(new_invoice(req, expiry_minutes, now))
            })
            .collect::<Result<Vec<_>, SeedError>>()?;
        let mut st = lock(&self.state);
        let seeded = invoices
            .into_iter()
            .map(|invoice| {
                let inv = st.insert(invoice);
                Seeded {
                    id: inv.invoice_no.clone(),
                    reference: inv.order_id.text(),
                    created_at: iso8601_us(inv.created_us),
                    expires_at: iso8601_us(inv.expires_us()),
                }
            })
            .collect();
        Ok(seeded)
    }

    /// Applies a control action at `now` (µs).
    fn act(&self, id: &str, action: Action, now: i64) -> Result<WireInvoice, ControlError> {
        let mut st = lock(&self.state);
        let inv = st.find_mut(id).ok_or(ControlError::NotFound)?;
        let (status, _) = inv.status_at(now);
        if action != Action::Weird && !status.is_open() {
            return Err(ControlError::Conflict(format!("the invoice is {}", status.wire())));
        }
        match action {
            Action::Pay => {
                inv.status = Status::Paid;
                inv.paid_amount = inv.amount.clone();
            }
            Action::Partial => {
                inv.status = Status::PaidPartial;
                inv.paid_amount = half(&inv.amount).unwrap_or_else(|| inv.amount.clone());
            }
            Action::Expire => inv.status = Status::Expired,
            Action::Cancel => inv.status = Status::Deleted,
            Action::Weird => inv.status = Status::Refunded,
        }
        inv.updated_us = now.max(inv.updated_us);
        Ok(inv.wire(now))
    }
}

// ---------------------------------------------------------------------------
// Numbers and times.

/// `INV` + 10 random digits (the sample `INV2167234232`).
fn new_invoice_no() -> String {
    let n = u64::from_le_bytes(crate::random_bytes::<8>()) % 10_000_000_000;
    format!("INV{n:010}")
}

/// A positive decimal in plain notation (`10`, `4.50`): its digits as an
/// integer and its number of decimals.
fn parse_decimal(text: &str) -> Option<(u128, usize)> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > MAX_INTEGER_DIGITS || !digits(int) || !digits(frac) {
        return None;
    }
    if text.contains('.') && frac.is_empty() || frac.len() > MAX_DECIMALS {
        return None;
    }
    let units: u128 = format!("{int}{frac}").parse().ok()?;
    (units > 0).then_some((units, frac.len()))
}

/// Half of a decimal, exactly, without trailing zeros (`10` → `5`,
/// `4.50` → `2.25`, `0.01` → `0.005`).
fn half(text: &str) -> Option<String> {
    let (units, scale) = parse_decimal(text)?;
    let (mut units, mut scale) = (units * 5, scale + 1);
    while scale > 0 && units % 10 == 0 {
        units /= 10;
        scale -= 1;
    }
    let digits = format!("{units:0>width$}", width = scale + 1);
    let (int, frac) = digits.split_at(digits.len() - scale);
    Some(if frac.is_empty() { int.to_owned() } else { format!("{int}.{frac}") })
}

// ---------------------------------------------------------------------------
// HTTP.

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/invoice/create", post(create))
        .route("/api/v1/invoice/info", post(info))
        .route("/_sandbox/xaigate/invoices", get(control_list))
        .route("/_sandbox/xaigate/invoices/{id}/{action}", post(control_action))
}

/// An error answer: `{"message": "…"}` with an HTTP status.
struct Refusal {
    status: StatusCode,
    message: String,
}

impl Refusal {
    fn bad(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into() }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status, axum::Json(json!({ "message": self.message }))).into_response()
    }
}

/// The body as a JSON object (`application/json` required), with `apiKey` checked.
fn authenticated_body(shared: &AppState, headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, Refusal> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Refusal::bad("Content-Type must be application/json"));
    }
    let obj = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => obj,
        Ok(_) => return Err(Refusal::bad("body must be a JSON object")),
        Err(e) => return Err(Refusal::bad(format!("body is not valid JSON: {e}"))),
    };
    match obj.get("apiKey") {
        Some(Value::String(key)) if *key == shared.xaigate.api_key => Ok(obj),
        _ => Err(Refusal { status: StatusCode::UNAUTHORIZED, message: MSG_INVALID_API_KEY.into() }),
    }
}

/// A field that is absent or `null` counts as absent.
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name).filter(|v| !v.is_null())
}

fn required_string<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<&'a str, Refusal> {
    match field(obj, name) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) | None => Err(Refusal::bad(format!("{name} is required"))),
        Some(_) => Err(Refusal::bad(format!("{name} must be a string"))),
    }
}

fn optional_string(obj: &Map<String, Value>, name: &str) -> Result<String, Refusal> {
    match field(obj, name) {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(Refusal::bad(format!("{name} must be a string"))),
    }
}

/// A validated create request (§ Create invoice › Request Parameter).
struct CreateRequest {
    order_id: OrderId,
    amount: String,
    currency: &'static str,
    email: String,
    shop_name: String,
    description: String,
}

impl CreateRequest {
    fn parse(obj: &Map<String, Value>) -> Result<Self, Refusal> {
        // "String" in both tables, a number in the tables' sample and the
        // response: both are accepted.
        let order_id = match field(obj, "orderId") {
            None => return Err(Refusal::bad("orderId is required")),
            Some(Value::String(s)) if s.trim().is_empty() => return Err(Refusal::bad("orderId is required")),
            Some(Value::String(s)) => OrderId::from_text(s),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(n) => OrderId::Number(n),
                None => return Err(Refusal::bad("orderId must be a string or a non-negative integer")),
            },
            Some(_) => return Err(Refusal::bad("orderId must be a string or a non-negative integer")),
        };
        // "String" in the tables, the number 10 in the request sample.
        let amount = match field(obj, "amount") {
            None => return Err(Refusal::bad("amount is required")),
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(Refusal::bad("amount must be a decimal string or number")),
        };
        if parse_decimal(&amount).is_none() {
            return Err(Refusal::bad(format!(
                "amount must be a decimal number greater than 0 (at most {MAX_DECIMALS} decimals), got {amount:?}"
            )));
        }
        let currency = match required_string(obj, "currency")? {
            "USD" => "USD",
            "EUR" => "EUR",
            _ => return Err(Refusal::bad("currency must be USD or EUR")),
        };
        let email = required_string(obj, "email")?;
        if !email.contains('@') {
            return Err(Refusal::bad("email must be an e-mail address"));
        }
        for url in ["notifyUrl", "successUrl", "failUrl"] {
            optional_string(obj, url)?;
        }
        Ok(Self {
            order_id,
            amount,
            currency,
            email: email.to_owned(),
            shop_name: optional_string(obj, "shopName")?,
            description: optional_string(obj, "description")?,
        })
    }
}

/// `POST /api/v1/invoice/create` (§ Create invoice).
async fn create(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let req = match authenticated_body(&shared, &headers, &body).and_then(|obj| CreateRequest::parse(&obj)) {
        Ok(req) => req,
        Err(refusal) => return refusal.into_response(),
    };
    let invoice = new_invoice(req, shared.xaigate.expiry_minutes, now_us());
    axum::Json(shared.xaigate.insert(invoice)).into_response()
}

/// The invoice create makes at `now` (µs) for a validated request.
fn new_invoice(req: CreateRequest, expiry_minutes: u32, now: i64) -> Invoice {
    Invoice {
        invoice_no: new_invoice_no(),
        amount: req.amount,
        paid_amount: "0".into(),
        to_email: req.email,
        shop_name: req.shop_name,
        expiry_minutes,
        description: req.description,
        status: Status::Pending,
        currency: req.currency,
        order_id: req.order_id,
        created_us: now,
        // The sample's updatedAt is a few µs after createdAt.
        updated_us: now + 3,
    }
}

/// `POST /api/v1/invoice/info` (§ Query status).
async fn info(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let invoice_no = match authenticated_body(&shared, &headers, &body).and_then(|obj| {
        let no = required_string(&obj, "invoiceNo")?;
        Ok(no.to_owned())
    }) {
        Ok(no) => no,
        Err(refusal) => return refusal.into_response(),
    };
    match shared.xaigate.info(&invoice_no, now_us()) {
        Some(invoice) => axum::Json(invoice).into_response(),
        None => Refusal { status: StatusCode::NOT_FOUND, message: MSG_NOT_FOUND.into() }.into_response(),
    }
}

// -- control ------------------------------------------------------------------

fn control_fail(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// `GET /_sandbox/xaigate/invoices`.
async fn control_list(State(shared): State<AppState>) -> Response {
    axum::Json(shared.xaigate.list(now_us())).into_response()
}

/// `POST /_sandbox/xaigate/invoices/{id}/{action}`: `{id}` is an `invoiceNo`
/// or an `orderId`. pay → `Paid` (`paidAmount` = `amount`); partial →
/// `PaidPartial` (half); expire → `Expired` (`paidAmount` kept); cancel →
/// `Deleted`; weird → `Refunded` (any state); seen, view → 400. A final
/// invoice (`Paid`, `Expired`, `Deleted`) → 409.
async fn control_action(State(shared): State<AppState>, Path((id, action)): Path<(String, String)>) -> Response {
    let result = Action::parse(&action).and_then(|action| shared.xaigate.act(&id, action, now_us()));
    match result {
        Ok(invoice) => axum::Json(invoice).into_response(),
        Err(ControlError::NotFound) => control_fail(StatusCode::NOT_FOUND, "no such invoice"),
        Err(ControlError::Conflict(msg)) => control_fail(StatusCode::CONFLICT, &msg),
        Err(ControlError::BadRequest(msg)) => control_fail(StatusCode::BAD_REQUEST, &msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(expiry_minutes: u32) -> Store {
        Store::new(&XaigateOptions { expiry_minutes, ..XaigateOptions::default() })
    }

    fn invoice(created_us: i64) -> Invoice {
        Invoice {
            invoice_no: "INV2167234232".into(),
            amount: "10".into(),
            paid_amount: "0".into(),
            to_email: "example@hotmail.com".into(),
            shop_name: "My Store".into(),
            expiry_minutes: 60,
            description: "3 Coffee".into(),
            status: Status::Pending,
            currency: "USD",
            order_id: OrderId::Number(10),
            created_us,
            updated_us: created_us + 3,
        }
    }

    #[test]
    fn the_sample_serializes_field_for_field() {
        // xaigate.md § Create invoice › Response, completed sample.
        let created = 1_701_939_787_976_520; // 2023-12-07T09:03:07.976520Z
        let text = serde_json::to_string(&invoice(created).wire(created)).expect("serializes");
        assert_eq!(
            text,
            concat!(
                r#"{"invoiceNo":"INV2167234232","amount":"10","paidAmount":"0","toEmail":"example@hotmail.com","#,
                r#""toName":"My Store","expiry":60,"description":"3 Coffee","status":"Pending","#,
                r#""payUrl":"https://wallet.xaigate.com/pay/INV2167234232?lang=en","currency":"USD","#,
                r#""shopName":"My Store","orderId":10,"createdAt":"2023-12-07T09:03:07.976520Z","#,
                r#""updatedAt":"2023-12-07T09:03:07.976523Z"}"#
            )
        );
    }

    #[test]
    fn open_invoices_expire_by_themselves() {
        let mut inv = invoice(1_000_000_000);
        let expires = inv.expires_us();
        assert_eq!(inv.status_at(expires - 1).0, Status::Pending);
        assert_eq!(inv.status_at(expires), (Status::Expired, expires));
        inv.status = Status::PaidPartial;
        inv.paid_amount = "5".into();
        let wire = inv.wire(expires + 1);
        assert_eq!((wire.status, wire.paid_amount.as_str()), ("Expired", "5"));
        inv.status = Status::Paid;
        assert_eq!(inv.status_at(expires + 1).0, Status::Paid);
        assert_eq!(inv.status, Status::Paid, "expiry is evaluated on read, not stored");
    }

    #[test]
    fn control_actions_respect_final_states() {
        let s = store(60);
        let now = now_us();
        let wire = s.insert(Invoice { created_us: now, updated_us: now, ..invoice(now) });
        let no = wire.invoice_no;
        assert_eq!(s.act(&no, Action::Partial, now).map(|w| w.paid_amount), Ok("5".into()));
        assert_eq!(s.act("10", Action::Pay, now).map(|w| w.status), Ok("Paid"), "by orderId");
        assert!(matches!(s.act(&no, Action::Cancel, now), Err(ControlError::Conflict(_))));
        assert_eq!(s.act(&no, Action::Weird, now).map(|w| w.status), Ok("Refunded"));
        assert_eq!(s.act("INV0000000000", Action::Pay, now).map(|w| w.status), Err(ControlError::NotFound));
        // Past the expiry instant the invoice is final.
        let late = now + 61 * 60_000_000;
        let wire = s.insert(Invoice { invoice_no: "INV1".into(), created_us: now, updated_us: now, ..invoice(now) });
        assert!(matches!(s.act(&wire.invoice_no, Action::Pay, late), Err(ControlError::Conflict(_))));
    }

    #[test]
    fn order_ids() {
        assert_eq!(OrderId::from_text("10"), OrderId::Number(10));
        assert_eq!(OrderId::from_text("0"), OrderId::Number(0));
        assert_eq!(OrderId::from_text("007"), OrderId::Text("007".into()));
        assert_eq!(OrderId::from_text("till-1"), OrderId::Text("till-1".into()));
        assert_eq!(OrderId::from_text("+1"), OrderId::Text("+1".into()));
        assert_eq!(OrderId::from_text("18446744073709551616"), OrderId::Text("18446744073709551616".into()));
    }

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("10"), Some((10, 0)));
        assert_eq!(parse_decimal("4.50"), Some((450, 2)));
        for bad in ["0", "0.00", "-1", "", ".5", "5.", "1e3", "1.123456789", "abc", " 1", "1,5", "1234567890123456"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
        assert_eq!(half("10").as_deref(), Some("5"));
        assert_eq!(half("4.50").as_deref(), Some("2.25"));
        assert_eq!(half("0.01").as_deref(), Some("0.005"));
        assert_eq!(half("3").as_deref(), Some("1.5"));
    }

    #[test]
    fn times_and_numbers() {
        let no = new_invoice_no();
        assert!(no.len() == 13 && no.starts_with("INV") && no[3..].bytes().all(|b| b.is_ascii_digit()), "{no}");
        assert_eq!(store(0).expiry_minutes, 0);
    }
}
