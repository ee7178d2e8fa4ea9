//! Xcash (xca.sh), written from `providers/xcash.md`. Where that file's
//! sections disagree, § What the server's code says wins (as the doc itself
//! says): signing, check order, error codes, field rules, HTTP 201/200, the
//! `sys_no` format and the chain codes below all come from that section.
//!
//! | Route | Auth | Doc section |
//! |---|---|---|
//! | `POST /v1/invoice` | signed (`XC-Appid`, `XC-Nonce`, `XC-Timestamp`, `XC-Signature`) | § Create invoice, § What the server's code says |
//! | `GET /v1/invoice/{sys_no}` | none | § Query status |
//! | `POST /v1/invoice/{sys_no}/select-method` | none | § Query status › Selecting a method |
//!
//! Errors are bare `{"code":"<string>","message":"…","detail":…}` with the
//! HTTP status of § Errors and limits, or Django REST framework's
//! `{"detail":"…"}` for unknown `sys_no`, wrong method or content type,
//! malformed JSON and throttling. Messages are always English (the server's
//! `en` catalogue), whatever `Accept-Language` says.
//!
//! The simulated project accepts USDT on `tron` only (`{"USDT":["tron"]}`).
//! Fiat is converted at fixed demo rates and made unique per waiting invoice
//! by adding micro-units (the doc's webhook sample: 29.99 USD → `29.870001`).
//!
//! Control routes (CONTROL.md): `GET /_sandbox/xcash/invoices` and
//! `POST /_sandbox/xcash/invoices/{sys_no or out_no}/{action}`; both answer
//! the status shape.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::{AppState, lock, tron};

pub const DEMO_XCASH_APPID: &str = "XC-SANDBOX1";
pub const DEMO_XCASH_HMAC_KEY: &str = "sandbox-xcash-hmac-key-32-chars!";

/// How the sandbox's Xcash is set up.
#[derive(Clone, Debug)]
pub struct XcashOptions {
    /// The only `XC-Appid` accepted (default [`DEMO_XCASH_APPID`]).
    pub appid: String,
    /// The signing key (default [`DEMO_XCASH_HMAC_KEY`]).
    pub hmac_key: String,
    /// A create is refused with `5009` while this many invoices are waiting
    /// (server code: 100). `None`: no limit.
    pub max_waiting: Option<usize>,
    /// `true` (current server code): a single remaining method is selected at
    /// creation. `false` (older deployments): `pay_address` stays `null`
    /// until `select-method`.
    pub select_at_create: bool,
    /// Status calls allowed per `sys_no` per minute (server code: 120). `None`: no limit.
    pub status_per_minute: Option<u32>,
    /// `select-method` calls allowed per `sys_no` per minute (10). `None`: no limit.
    pub select_per_minute: Option<u32>,
    /// Tests: every invoice expires this long after creation, whatever its
    /// `duration` says (the server allows 5–30 minutes only).
    pub expiry_override: Option<Duration>,
    /// Milliseconds added to the wall clock (tests replay the doc's worked
    /// signing examples, whose timestamps are in the past).
    pub clock_skew_ms: i64,
}

impl Default for XcashOptions {
    fn default() -> Self {
        Self {
            appid: DEMO_XCASH_APPID.to_owned(),
            hmac_key: DEMO_XCASH_HMAC_KEY.to_owned(),
            max_waiting: Some(100),
            select_at_create: true,
            status_per_minute: Some(120),
            select_per_minute: Some(10),
            expiry_override: None,
            clock_skew_ms: 0,
        }
    }
}

// ---------------------------------------------------------------------------
// Constants from the doc (and the sandbox's choices where it is silent).

/// § What the server's code says: timestamp window and nonce memory, seconds.
const WINDOW_SECS: i64 = 300;
/// `duration`: minutes, 5–30, default 10 (server code).
const DURATION_MIN: i64 = 5;
const DURATION_MAX: i64 = 30;
const DURATION_DEFAULT: i64 = 10;
/// `out_no` and `title`: at most 32 characters.
const MAX_TEXT: usize = 32;
/// Fiat currencies the server code accepts.
const CURRENCIES: [&str; 5] = ["USD", "CNY", "EUR", "JPY", "HKD"];
/// Chain codes of the current server code; anything else is `2000`.
const CHAIN_CODES: [&str; 13] = [
    "ethereum",
    "bsc",
    "polygon",
    "arbitrum-one",
    "optimism",
    "base",
    "avalanche",
    "linea",
    "scroll",
    "tron",
    "sepolia",
    "nile",
    "anvil",
];
/// The one crypto and chain the simulated project has a receiving address for.
const CRYPTO: &str = "USDT";
const CHAIN: &str = "tron";
/// USDT's TRC-20 contract (`crypto_address`: the token, never where to pay).
const USDT_TRC20_CONTRACT: &str = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
/// `title` of seeded invoices (till sends the shop's name).
const SEED_TITLE: &str = "Sandbox seed";
/// The hosted page (`pay_url`), as in the newer API.md sample.
const PAY_URL_BASE: &str = "https://gateway.xca.sh/pay/";
/// Confirmations shown in `payment.confirm_progress` (format undocumented).
const CONFIRMATIONS: u32 = 19;

/// Demo rate: USDT per unit of fiat, as `(mantissa, scale)`. USD 0.996 fits
/// the doc's webhook sample (29.99 USD → 29.87 + 0.000001).
fn usdt_per_unit(currency: &str) -> Option<Dec> {
    let (mant, scale) = match currency {
        "USD" => (996, 3),
        "EUR" => (1_078, 3),
        "CNY" => (137, 3),
        "JPY" => (66, 4),
        "HKD" => (127, 3),
        _ => return None,
    };
    Some(Dec::new(mant, scale))
}

/// Error codes used (§ Errors and limits; English messages of the server's
/// `en` catalogue).
#[derive(Clone, Copy, Debug)]
enum Code {
    Parameter,
    InvalidAppid,
    Signature,
    DuplicateOutNo,
    Timestamp,
    Replay,
    InvalidChain,
    InvalidCrypto,
    InvalidCurrency,
    InvoiceStatus,
    NoRecipient,
    TooManyWaiting,
    InvoiceExpired,
}

impl Code {
    fn parts(self) -> (&'static str, &'static str, StatusCode) {
        match self {
            Code::Parameter => ("1000", "Parameter error", StatusCode::BAD_REQUEST),
            Code::InvalidAppid => ("1001", "Invalid AppID", StatusCode::BAD_REQUEST),
            Code::Signature => ("1003", "Invalid signature", StatusCode::FORBIDDEN),
            Code::DuplicateOutNo => ("1007", "Duplicate out_no", StatusCode::BAD_REQUEST),
            Code::Timestamp => ("1008", "Timestamp header invalid", StatusCode::BAD_REQUEST),
            Code::Replay => ("1009", "Repeat", StatusCode::BAD_REQUEST),
            Code::InvalidChain => ("2000", "Invalid chain", StatusCode::BAD_REQUEST),
            Code::InvalidCrypto => ("2001", "Invalid token", StatusCode::BAD_REQUEST),
            Code::InvalidCurrency => ("5000", "Incorrect invoice type", StatusCode::BAD_REQUEST),
            Code::InvoiceStatus => ("5006", "Incorrect invoice status", StatusCode::BAD_REQUEST),
            Code::NoRecipient => ("5008", "No valid recipient address.", StatusCode::BAD_REQUEST),
            Code::TooManyWaiting => ("5009", "Too many pending invoices, please do not abuse", StatusCode::BAD_REQUEST),
            Code::InvoiceExpired => ("5012", "Invoice expired", StatusCode::BAD_REQUEST),
        }
    }

    fn refuse(self, detail: Value) -> Refusal {
        Refusal::Code(self, detail)
    }

    /// `{"code":"<code>","message":"…","detail":…}` with the code's HTTP status.
    fn answer(self, detail: Value) -> Response {
        let (code, message, status) = self.parts();
        (status, axum::Json(json!({ "code": code, "message": message, "detail": detail }))).into_response()
    }
}

/// Why a request is refused, before it becomes a [`Response`].
#[derive(Debug)]
enum Refusal {
    /// `{"code","message","detail"}`.
    Code(Code, Value),
    /// DRF's `{"detail":"…"}`.
    Drf(StatusCode, String),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Code(code, detail) => code.answer(detail),
            Refusal::Drf(status, detail) => drf(status, detail),
        }
    }
}

impl Refusal {
    /// The refusal as one line of text: `<code> <message>: <detail>`.
    fn describe(&self) -> String {
        match self {
            Refusal::Code(code, detail) => {
                let (code, message, _) = code.parts();
                format!("{code} {message}: {detail}")
            }
            Refusal::Drf(_, detail) => detail.clone(),
        }
    }
}

/// Django REST framework's `{"detail":"…"}`.
fn drf(status: StatusCode, detail: impl Into<String>) -> Response {
    (status, axum::Json(json!({ "detail": detail.into() }))).into_response()
}

fn not_found() -> Response {
    drf(StatusCode::NOT_FOUND, "Not found.")
}

// ---------------------------------------------------------------------------
// Wire types.

/// `payment`: the matched on-chain transfer (§ Query status).
#[derive(Clone, Debug, Serialize)]
struct Payment {
    chain: String,
    block: u64,
    hash: String,
    from_address: String,
    to_address: String,
    crypto: String,
    amount: String,
    datetime: String,
    status: &'static str,
    confirm_progress: String,
}

/// The create answer (§ What the server's code says › Create success), in
/// the server's field order.
#[derive(Serialize)]
struct WireCreate {
    appid: String,
    sys_no: String,
    out_no: String,
    title: String,
    currency: String,
    amount: String,
    methods: BTreeMap<String, Vec<String>>,
    chain: Option<String>,
    crypto: Option<String>,
    crypto_address: Option<String>,
    pay_address: Option<String>,
    pay_amount: Option<String>,
    pay_url: String,
    started_at: Option<String>,
    created_at: String,
    expires_at: String,
    notify_url: Option<String>,
    return_url: Option<String>,
    payment: Option<Payment>,
    status: &'static str,
    risk_level: Option<String>,
    risk_score: Option<String>,
}

/// The status answer (§ Query status; § What the server's code says ›
/// Status: no `appid`, `out_no`, `notify_url`; adds `payment_uri`,
/// `evm_payment`, `tron_payment`, whose shapes are undocumented: `null`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct WireStatus {
    sys_no: String,
    title: String,
    currency: String,
    amount: String,
    methods: BTreeMap<String, Vec<String>>,
    chain: Option<String>,
    crypto: Option<String>,
    crypto_address: Option<String>,
    pay_address: Option<String>,
    pay_amount: Option<String>,
    pay_url: String,
    started_at: Option<String>,
    created_at: String,
    expires_at: String,
    return_url: Option<String>,
    payment: Option<Payment>,
    status: &'static str,
    risk_level: Option<String>,
    risk_score: Option<String>,
    payment_uri: Option<String>,
    evm_payment: Option<Value>,
    tron_payment: Option<Value>,
}

// ---------------------------------------------------------------------------
// Store.

/// Where an invoice stands, as stored. `Waiting` past `expires_at` reads
/// `expired` (see [`Invoice::status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Waiting,
    Completed,
    Expired,
    /// The control API's `weird`: a status nobody documented.
    Refunding,
}

#[derive(Clone, Debug)]
struct Invoice {
    sys_no: String,
    out_no: String,
    title: String,
    currency: String,
    /// Normalized (trailing zeros stripped).
    amount: Dec,
    methods: BTreeMap<String, Vec<String>>,
    /// `(crypto, chain)` once a method is selected.
    selected: Option<(String, String)>,
    pay_address: Option<String>,
    pay_amount: Option<Dec>,
    /// Epoch ms, whole seconds (the doc's times have no fraction).
    created_ms: i64,
    started_ms: Option<i64>,
    expires_ms: i64,
    notify_url: Option<String>,
    return_url: Option<String>,
    payment: Option<Payment>,
    stage: Stage,
}

impl Invoice {
    fn status(&self, now: i64) -> &'static str {
        match self.stage {
            Stage::Waiting if now >= self.expires_ms => "expired",
            Stage::Waiting => "waiting",
            Stage::Completed => "completed",
            Stage::Expired => "expired",
            Stage::Refunding => "refunding",
        }
    }

    /// Waiting and not past `expires_at`.
    fn is_waiting(&self, now: i64) -> bool {
        self.status(now) == "waiting"
    }

    fn pay_url(&self) -> String {
        format!("{PAY_URL_BASE}{}", self.sys_no)
    }

    fn crypto_address(&self) -> Option<String> {
        self.selected.as_ref().map(|_| USDT_TRC20_CONTRACT.to_owned())
    }

    fn create_shape(&self, appid: &str, now: i64) -> WireCreate {
        WireCreate {
            appid: appid.to_owned(),
            sys_no: self.sys_no.clone(),
            out_no: self.out_no.clone(),
            title: self.title.clone(),
            currency: self.currency.clone(),
            amount: self.amount.to_string(),
            methods: self.methods.clone(),
            chain: self.selected.as_ref().map(|(_, chain)| chain.clone()),
            crypto: self.selected.as_ref().map(|(crypto, _)| crypto.clone()),
            crypto_address: self.crypto_address(),
            pay_address: self.pay_address.clone(),
            pay_amount: self.pay_amount.map(|a| a.to_string()),
            pay_url: self.pay_url(),
            started_at: self.started_ms.map(iso8601_s),
            created_at: iso8601_s(self.created_ms),
            expires_at: iso8601_s(self.expires_ms),
            notify_url: self.notify_url.clone(),
            return_url: self.return_url.clone(),
            payment: self.payment.clone(),
            status: self.status(now),
            risk_level: None,
            risk_score: None,
        }
    }

    fn status_shape(&self, now: i64) -> WireStatus {
        WireStatus {
            sys_no: self.sys_no.clone(),
            title: self.title.clone(),
            currency: self.currency.clone(),
            amount: self.amount.to_string(),
            methods: self.methods.clone(),
            chain: self.selected.as_ref().map(|(_, chain)| chain.clone()),
            crypto: self.selected.as_ref().map(|(crypto, _)| crypto.clone()),
            crypto_address: self.crypto_address(),
            pay_address: self.pay_address.clone(),
            pay_amount: self.pay_amount.map(|a| a.to_string()),
            pay_url: self.pay_url(),
            started_at: self.started_ms.map(iso8601_s),
            created_at: iso8601_s(self.created_ms),
            expires_at: iso8601_s(self.expires_ms),
            return_url: self.return_url.clone(),
            payment: self.payment.clone(),
            status: self.status(now),
            risk_level: None,
            risk_score: None,
            payment_uri: None,
            evm_payment: None,
            tron_payment: None,
        }
    }
}

#[derive(Default)]
struct Ledger {
    invoices: Vec<Invoice>,
    by_sys_no: HashMap<String, usize>,
    by_out_no: HashMap<String, usize>,
    /// Nonce → when it was seen (epoch ms), kept [`WINDOW_SECS`].
    nonces: HashMap<String, i64>,
    /// Per `sys_no`: times of recent status / select-method calls.
    status_calls: HashMap<String, VecDeque<i64>>,
    select_calls: HashMap<String, VecDeque<i64>>,
}

impl Ledger {
    fn index(&self, id: &str) -> Option<usize> {
        self.by_sys_no.get(id).or_else(|| self.by_out_no.get(id)).copied()
    }

    fn waiting(&self, now: i64) -> usize {
        self.invoices.iter().filter(|i| i.is_waiting(now)).count()
    }

    /// The `pay_amount`s of waiting invoices (but `except`), as keys.
    fn taken_amounts(&self, except: Option<usize>, now: i64) -> HashSet<(u128, u32)> {
        self.invoices
            .iter()
            .enumerate()
            .filter(|(i, other)| Some(*i) != except && other.is_waiting(now))
            .filter_map(|(_, other)| other.pay_amount.map(amount_key))
            .collect()
    }

    /// Selects `(crypto, chain)`: a fresh address and a `pay_amount` no
    /// other waiting invoice has (the amount identifies the payment).
    fn select(&mut self, idx: usize, crypto: &str, chain: &str, now: i64) {
        let mut taken = self.taken_amounts(Some(idx), now);
        self.select_among(idx, crypto, chain, now, &mut taken, &mut HashMap::new());
    }

    /// [`Ledger::select`] given the amounts `taken` (the choice is added to
    /// them) and, per base amount, the first offset that may be free (for
    /// a batch: offsets below it are taken).
    fn select_among(
        &mut self,
        idx: usize,
        crypto: &str,
        chain: &str,
        now: i64,
        taken: &mut HashSet<(u128, u32)>,
        next_offset: &mut HashMap<(u128, u32), u128>,
    ) {
        let Some(inv) = self.invoices.get(idx) else { return };
        let base = usdt_per_unit(&inv.currency)
            .and_then(|rate| inv.amount.mul(rate))
            .map_or(Dec::ZERO, |usdt| usdt.round(2, Rounding::Down));
        let first = next_offset.get(&amount_key(base)).copied().unwrap_or(1);
        let mut pay_amount = base;
        for k in first..=1_000_000u128 {
            let Some(candidate) = base.add(Dec::new(k, 6)) else { break };
            pay_amount = candidate;
            if !taken.contains(&amount_key(candidate)) {
                next_offset.insert(amount_key(base), k + 1);
                break;
            }
        }
        taken.insert(amount_key(pay_amount));
        if let Some(inv) = self.invoices.get_mut(idx) {
            inv.selected = Some((crypto.to_owned(), chain.to_owned()));
            inv.pay_address = Some(tron::Address::random().base58);
            inv.pay_amount = Some(pay_amount.normalized());
            inv.started_ms = Some(whole_seconds(now));
        }
    }

    /// Stores the invoice of a validated create request whose `out_no` is
    /// not taken, living `lifetime_ms` from `now` (no method selected yet);
    /// its index.
    fn insert(&mut self, req: CreateInvoice, lifetime_ms: i64, now: i64) -> usize {
        let created_ms = whole_seconds(now);
        let mut sys_no = new_sys_no(now);
        while self.by_sys_no.contains_key(&sys_no) {
            sys_no = new_sys_no(now);
        }
        let invoice = Invoice {
            sys_no: sys_no.clone(),
            out_no: req.out_no.clone(),
            title: req.title,
            currency: req.currency,
            amount: req.amount,
            methods: req.methods,
            selected: None,
            pay_address: None,
            pay_amount: None,
            created_ms,
            started_ms: None,
            expires_ms: created_ms.saturating_add(lifetime_ms),
            notify_url: req.notify_url,
            return_url: req.return_url,
            payment: None,
            stage: Stage::Waiting,
        };
        let idx = self.invoices.len();
        self.invoices.push(invoice);
        self.by_sys_no.insert(sys_no, idx);
        self.by_out_no.insert(req.out_no, idx);
        idx
    }
}

/// A decimal as a hashable key (equal values, equal keys).
fn amount_key(d: Dec) -> (u128, u32) {
    let n = d.normalized();
    (n.mantissa(), n.scale())
}

/// The one `(crypto, chain)` of `methods`, if there is exactly one.
fn single_method(methods: &BTreeMap<String, Vec<String>>) -> Option<(String, String)> {
    let mut all = methods.iter().flat_map(|(c, chains)| chains.iter().map(move |ch| (c.clone(), ch.clone())));
    match (all.next(), all.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// A sliding one-minute window per key; `Err(seconds to wait)` when full.
fn throttle(calls: &mut HashMap<String, VecDeque<i64>>, key: &str, limit: Option<u32>, now: i64) -> Result<(), i64> {
    let Some(limit) = limit else { return Ok(()) };
    let window = calls.entry(key.to_owned()).or_default();
    while window.front().is_some_and(|&t| now - t >= 60_000) {
        window.pop_front();
    }
    if window.len() >= limit as usize {
        let oldest = window.front().copied().unwrap_or(now);
        let wait_ms = (oldest + 60_000 - now).max(1);
        return Err((wait_ms + 999) / 1000);
    }
    window.push_back(now);
    Ok(())
}

/// The simulated Xcash project.
pub(crate) struct Store {
    opts: XcashOptions,
    state: Mutex<Ledger>,
}

impl Store {
    pub(crate) fn new(opts: &XcashOptions) -> Self {
        Self { opts: opts.clone(), state: Mutex::new(Ledger::default()) }
    }

    /// The gateway's clock (wall clock + `clock_skew_ms`), epoch ms.
    fn now_ms(&self) -> i64 {
        crate::now_ms().saturating_add(self.opts.clock_skew_ms)
    }

    /// § What the server's code says › Check order: unknown appid `1001` →
    /// timestamp `1008` → signature `1003` → empty nonce `1000` → reused
    /// nonce `1009`. (`1005`, `1004`, `1002`: the sandbox project is active,
    /// ready and whitelists every IP.)
    fn authenticate(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), Refusal> {
        if header_text(headers, "XC-Appid") != Some(self.opts.appid.as_str()) {
            return Err(Code::InvalidAppid.refuse(json!("")));
        }
        let timestamp = header_text(headers, "XC-Timestamp")
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 15 && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<i64>().ok());
        let Some(timestamp) = timestamp else {
            return Err(Code::Timestamp.refuse(json!("")));
        };
        if (now.div_euclid(1000) - timestamp).abs() > WINDOW_SECS {
            return Err(Code::Timestamp.refuse(json!("")));
        }
        let nonce = header_text(headers, "XC-Nonce").unwrap_or("");
        let signature = header_text(headers, "XC-Signature").unwrap_or("");
        // The server signs `str(int(timestamp))`: leading zeros dropped.
        if !signature_ok(&self.opts.hmac_key, nonce, &timestamp.to_string(), body, signature) {
            return Err(Code::Signature.refuse(json!("")));
        }
        if nonce.is_empty() {
            return Err(Code::Parameter.refuse(json!("XC-Nonce is empty")));
        }
        let mut st = lock(&self.state);
        st.nonces.retain(|_, seen| now - *seen < WINDOW_SECS * 1000);
        if st.nonces.contains_key(nonce) {
            return Err(Code::Replay.refuse(json!("")));
        }
        st.nonces.insert(nonce.to_owned(), now);
        Ok(())
    }

    // -- control API ---------------------------------------------------------

    fn list(&self) -> Vec<WireStatus> {
        let now = self.now_ms();
        lock(&self.state).invoices.iter().map(|i| i.status_shape(now)).collect()
    }

    /// A control action (CONTROL.md): `pay` completes with a `payment`,
    /// `seen` sets `payment` while waiting, `expire` expires, `weird` reads
    /// `refunding` (a status nobody documented). `completed` and `expired`
    /// are final (409); `partial` and `cancel` cannot be expressed (400).
    fn act(&self, id: &str, action: &str) -> Result<WireStatus, (StatusCode, String)> {
        if !matches!(action, "pay" | "seen" | "expire" | "weird") {
            unsupported_action(action)?;
        }
        let now = self.now_ms();
        let mut st = lock(&self.state);
        let missing = || (StatusCode::NOT_FOUND, "no such invoice".to_owned());
        let idx = st.index(id).ok_or_else(missing)?;
        let status = st.invoices.get(idx).map_or("expired", |i| i.status(now));
        if status == "completed" || status == "expired" {
            return Err((StatusCode::CONFLICT, format!("cannot {action}: the invoice is {status}")));
        }
        // A payment through the hosted page: the buyer picked the method there.
        if matches!(action, "pay" | "seen") && st.invoices.get(idx).is_some_and(|i| i.selected.is_none()) {
            let (crypto, chain) = first_method(st.invoices.get(idx).map(|i| &i.methods));
            st.select(idx, &crypto, &chain, now);
        }
        let inv = st.invoices.get_mut(idx).ok_or_else(missing)?;
        match action {
            "pay" => {
                inv.payment = Some(transfer(inv, true, now));
                inv.stage = Stage::Completed;
            }
            "seen" => inv.payment = Some(transfer(inv, false, now)),
            "expire" => inv.stage = Stage::Expired,
            _ => inv.stage = Stage::Refunding,
        }
        Ok(inv.status_shape(now))
    }
}

/// Actions Xcash cannot express: HTTP 400 (CONTROL.md).
fn unsupported_action(action: &str) -> Result<(), (StatusCode, String)> {
    let why = match action {
        "partial" => "Xcash never reports a part payment",
        "cancel" => "Xcash has no cancel",
        _ => "unknown action for Xcash (pay, seen, expire, weird)",
    };
    Err((StatusCode::BAD_REQUEST, format!("{action}: {why}")))
}

/// The first `(crypto, chain)` of an invoice's methods (the project's only
/// one, USDT on tron).
fn first_method(methods: Option<&BTreeMap<String, Vec<String>>>) -> (String, String) {
    methods
        .and_then(|m| m.iter().find_map(|(crypto, chains)| chains.first().map(|c| (crypto.clone(), c.clone()))))
        .unwrap_or_else(|| (CRYPTO.to_owned(), CHAIN.to_owned()))
}

/// A transfer of exactly `pay_amount` to `pay_address`.
fn transfer(inv: &Invoice, confirmed: bool, now: i64) -> Payment {
    let (crypto, chain) = inv.selected.clone().unwrap_or_else(|| (CRYPTO.to_owned(), CHAIN.to_owned()));
    let block_bytes = crate::random_bytes::<2>();
    Payment {
        chain,
        block: 70_000_000 + u64::from(u16::from_be_bytes(block_bytes)),
        hash: crate::hex(&crate::random_bytes::<32>()),
        from_address: tron::Address::random().base58,
        to_address: inv.pay_address.clone().unwrap_or_default(),
        crypto,
        amount: inv.pay_amount.map(|a| a.to_string()).unwrap_or_default(),
        datetime: iso8601_s(now),
        status: if confirmed { "confirmed" } else { "confirming" },
        confirm_progress: format!("{}/{CONFIRMATIONS}", if confirmed { CONFIRMATIONS } else { 1 }),
    }
}

// ---------------------------------------------------------------------------
// Signing (§ Authentication / signing; § What the server's code says › Signature).

type HmacSha256 = Hmac<Sha256>;

/// `XC-Signature` = lowercase hex HMAC-SHA256(hmac_key, nonce + timestamp +
/// raw body), compared in constant time; upper-case hex fails.
fn signature_ok(key: &str, nonce: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let Some(given) = lower_hex_decode(signature) else { return false };
    let Ok(mut mac) = HmacSha256::new_from_slice(key.as_bytes()) else { return false };
    mac.update(nonce.as_bytes());
    mac.update(timestamp.as_bytes());
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

/// 64 lower-case hex characters → 32 bytes.
pub(crate) fn lower_hex_decode(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    if text.len() != 64 {
        return None;
    }
    text.as_bytes().chunks(2).map(|pair| Some((digit(*pair.first()?)? << 4) | digit(*pair.get(1)?)?)).collect()
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

// ---------------------------------------------------------------------------
// Times and ids.

fn whole_seconds(ms: i64) -> i64 {
    ms.div_euclid(1000) * 1000
}

/// ISO 8601 UTC without fraction, `Z` (the doc's samples: `2026-06-02T12:00:00Z`).
fn iso8601_s(ms: i64) -> String {
    let text = crate::iso8601_ms(whole_seconds(ms));
    match text.strip_suffix(".000Z") {
        Some(head) => format!("{head}Z"),
        None => text,
    }
}

/// `INV` + YYMMDD + 8 upper-case alphanumerics (`INV2606028X7K2P9Q`).
fn new_sys_no(now: i64) -> String {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let date = crate::iso8601_ms(now);
    let yymmdd: String = [date.get(2..4), date.get(5..7), date.get(8..10)].into_iter().flatten().collect();
    let tail: String = crate::random_bytes::<8>()
        .iter()
        .map(|b| char::from(ALPHABET.get(usize::from(*b) % ALPHABET.len()).copied().unwrap_or(b'X')))
        .collect();
    format!("INV{yymmdd}{tail}")
}

// ---------------------------------------------------------------------------
// HTTP.

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/invoice", post(create).fallback(method_not_allowed))
        .route("/v1/invoice/{sys_no}", get(status).fallback(method_not_allowed))
        .route("/v1/invoice/{sys_no}/select-method", post(select_method).fallback(method_not_allowed))
        .route("/_sandbox/xcash/invoices", get(control_list))
        .route("/_sandbox/xcash/invoices/{id}/{action}", post(control_action))
}

/// DRF's 405.
async fn method_not_allowed(method: Method) -> Response {
    drf(StatusCode::METHOD_NOT_ALLOWED, format!("Method \"{method}\" not allowed."))
}

/// The request body as a JSON object, the way DRF reads it: an empty body
/// is `{}`; otherwise `Content-Type: application/json` (else 415) and valid
/// JSON (else 400 `{"detail":"JSON parse error - …"}`); a non-object is a
/// `1000` parameter error.
fn json_object(headers: &HeaderMap, body: &[u8]) -> Result<Map<String, Value>, Refusal> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    let content_type = header_text(headers, header::CONTENT_TYPE.as_str()).unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        let shown: String = content_type.chars().filter(|c| !c.is_control()).take(100).collect();
        return Err(Refusal::Drf(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Unsupported media type \"{shown}\" in request."),
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => {
            let kind = match other {
                Value::Array(_) => "list",
                Value::String(_) => "str",
                Value::Number(_) => "int",
                Value::Bool(_) => "bool",
                _ => "NoneType",
            };
            Err(Code::Parameter.refuse(json!({
                "non_field_errors": [format!("Invalid data. Expected a dictionary, but got {kind}.")]
            })))
        }
        Err(e) => Err(Refusal::Drf(StatusCode::BAD_REQUEST, format!("JSON parse error - {e}"))),
    }
}

/// Field errors, DRF style: `{"<field>": ["<message>", …]}`.
#[derive(Default)]
struct FieldErrors(Map<String, Value>);

impl FieldErrors {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        let entry = self.0.entry(field.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = entry {
            list.push(Value::String(message.into()));
        }
    }
}

const REQUIRED: &str = "This field is required.";
const NOT_NULL: &str = "This field may not be null.";

/// DRF `CharField(max_length)`: strings (trimmed) and numbers; not blank.
fn char_field(obj: &Map<String, Value>, name: &str, max: usize, errors: &mut FieldErrors) -> Option<String> {
    let text = match obj.get(name) {
        None => return errors_add(errors, name, REQUIRED),
        Some(Value::Null) => return errors_add(errors, name, NOT_NULL),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return errors_add(errors, name, "Not a valid string."),
    };
    if text.is_empty() {
        return errors_add(errors, name, "This field may not be blank.");
    }
    if text.chars().count() > max {
        return errors_add(errors, name, format!("Ensure this field has no more than {max} characters."));
    }
    Some(text)
}

fn errors_add<T>(errors: &mut FieldErrors, name: &str, message: impl Into<String>) -> Option<T> {
    errors.add(name, message);
    None
}

/// DRF `DecimalField(max_digits=32, decimal_places=8, min 0.00000001, max 1000000)`:
/// a string or a JSON number.
fn amount_field(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Option<Dec> {
    const NAME: &str = "amount";
    const INVALID: &str = "A valid number is required.";
    let text = match obj.get(NAME) {
        None => return errors_add(errors, NAME, REQUIRED),
        Some(Value::Null) => return errors_add(errors, NAME, NOT_NULL),
        Some(Value::String(s)) if s.len() > 1000 => return errors_add(errors, NAME, "String value too large."),
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return errors_add(errors, NAME, INVALID),
    };
    let (negative, value) = match Dec::parse(&text, true) {
        Ok(parsed) => parsed,
        Err(DecError::Syntax) => return errors_add(errors, NAME, INVALID),
        Err(DecError::TooLong) => {
            return errors_add(errors, NAME, "Ensure that there are no more than 32 digits in total.");
        }
    };
    // DRF: precision first (decimals as written), then the range validators.
    if value.total_digits() > 32 {
        return errors_add(errors, NAME, "Ensure that there are no more than 32 digits in total.");
    }
    if value.scale() > 8 {
        return errors_add(errors, NAME, "Ensure that there are no more than 8 decimal places.");
    }
    if negative || value.cmp_value(&Dec::new(1, 8)) == Ordering::Less {
        return errors_add(errors, NAME, "Ensure this value is greater than or equal to 0.00000001.");
    }
    if value.cmp_value(&Dec::new(1_000_000, 0)) == Ordering::Greater {
        return errors_add(errors, NAME, "Ensure this value is less than or equal to 1000000.");
    }
    Some(value.normalized())
}

/// DRF `IntegerField(required=False, default=10, min 5, max 30)`.
fn duration_field(obj: &Map<String, Value>, errors: &mut FieldErrors) -> Option<i64> {
    const NAME: &str = "duration";
    const INVALID: &str = "A valid integer is required.";
    let minutes = match obj.get(NAME) {
        None => return Some(DURATION_DEFAULT),
        Some(Value::Null) => return errors_add(errors, NAME, NOT_NULL),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(v) => v,
            None => match Dec::parse(&n.to_string(), true) {
                Ok((neg, d)) if d.normalized().scale() == 0 => {
                    let v = i64::try_from(d.normalized().mantissa()).unwrap_or(i64::MAX);
                    if neg { -v } else { v }
                }
                _ => return errors_add(errors, NAME, INVALID),
            },
        },
        Some(Value::String(s)) => {
            let t = s.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
            if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return errors_add(errors, NAME, INVALID);
            }
            let v = digits.parse::<i64>().unwrap_or(i64::MAX);
            if t.starts_with('-') { -v } else { v }
        }
        Some(_) => return errors_add(errors, NAME, INVALID),
    };
    if minutes < DURATION_MIN {
        return errors_add(errors, NAME, format!("Ensure this value is greater than or equal to {DURATION_MIN}."));
    }
    if minutes > DURATION_MAX {
        return errors_add(errors, NAME, format!("Ensure this value is less than or equal to {DURATION_MAX}."));
    }
    Some(minutes)
}

/// DRF `URLField(required=False)`.
fn url_field(obj: &Map<String, Value>, name: &str, errors: &mut FieldErrors) -> Option<Option<String>> {
    match obj.get(name) {
        None => Some(None),
        Some(Value::Null) => errors_add(errors, name, NOT_NULL),
        Some(Value::String(s)) => {
            let s = s.trim();
            let host = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
            let ok = host.is_some_and(|rest| {
                let host = rest.split(['/', '?', '#']).next().unwrap_or("");
                !host.is_empty() && !rest.chars().any(char::is_whitespace)
            });
            if ok { Some(Some(s.to_owned())) } else { errors_add(errors, name, "Enter a valid URL.") }
        }
        Some(_) => errors_add(errors, name, "Enter a valid URL."),
    }
}

/// `methods` (§ What the server's code says › Create): empty or absent →
/// every method of the project; else `{"<crypto>": ["<chain>", …]}` with
/// `2001` for a crypto other than USDT, `2000` for an unknown chain code
/// (`tron-mainnet`), `5008` for a known chain the project cannot receive
/// on, `1000` for a wrong shape.
fn methods_field(obj: &Map<String, Value>) -> Result<BTreeMap<String, Vec<String>>, Refusal> {
    let project = || BTreeMap::from([(CRYPTO.to_owned(), vec![CHAIN.to_owned()])]);
    let shape = |why: &str| Code::Parameter.refuse(json!({ "methods": [why] }));
    let value = match obj.get("methods") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => return Ok(project()),
        Some(Value::Object(m)) if m.is_empty() => return Ok(project()),
        Some(Value::Array(a)) if a.is_empty() => return Ok(project()),
        Some(Value::String(s)) if s.is_empty() => return Ok(project()),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(shape("must be an object such as {\"USDT\": [\"tron\"]}")),
    };
    let mut sanitized = BTreeMap::new();
    for (crypto, chains) in value {
        let Value::Array(chains) = chains else {
            return Err(shape(&format!("{crypto}: must be a list of chain codes")));
        };
        if crypto != CRYPTO {
            return Err(Code::InvalidCrypto.refuse(json!(crypto)));
        }
        let mut codes = Vec::new();
        for chain in chains {
            let Value::String(chain) = chain else {
                return Err(shape(&format!("{crypto}: chain codes must be strings")));
            };
            if !CHAIN_CODES.contains(&chain.as_str()) {
                return Err(Code::InvalidChain.refuse(json!(chain)));
            }
            if chain != CHAIN {
                return Err(Code::NoRecipient.refuse(json!(format!("{crypto}:{chain}"))));
            }
            if !codes.contains(chain) {
                codes.push(chain.clone());
            }
        }
        if !codes.is_empty() {
            sanitized.insert(crypto.clone(), codes);
        }
    }
    if sanitized.is_empty() {
        return Err(Code::NoRecipient.refuse(json!("")));
    }
    Ok(sanitized)
}

/// A validated create request.
struct CreateInvoice {
    out_no: String,
    title: String,
    currency: String,
    amount: Dec,
    duration: i64,
    methods: BTreeMap<String, Vec<String>>,
    notify_url: Option<String>,
    return_url: Option<String>,
}

impl CreateInvoice {
    /// Fields in the serializer's order; business errors (`5000`, `2001`,
    /// `2000`, `5008`) answer at once, field errors are collected into one
    /// `1000`.
    fn parse(obj: &Map<String, Value>) -> Result<Self, Refusal> {
        let mut errors = FieldErrors::default();
        let out_no = char_field(obj, "out_no", MAX_TEXT, &mut errors);
        let title = char_field(obj, "title", MAX_TEXT, &mut errors);
        let currency = char_field(obj, "currency", 8, &mut errors);
        if let Some(c) = &currency
            && !CURRENCIES.contains(&c.as_str())
        {
            return Err(Code::InvalidCurrency.refuse(json!(c)));
        }
        let amount = amount_field(obj, &mut errors);
        let duration = duration_field(obj, &mut errors);
        let methods = methods_field(obj)?;
        let notify_url = url_field(obj, "notify_url", &mut errors);
        let return_url = url_field(obj, "return_url", &mut errors);
        match (out_no, title, currency, amount, duration, notify_url, return_url) {
            (Some(out_no), Some(title), Some(currency), Some(amount), Some(duration), Some(notify), Some(ret))
                if errors.0.is_empty() =>
            {
                Ok(Self { out_no, title, currency, amount, duration, methods, notify_url: notify, return_url: ret })
            }
            _ => Err(Code::Parameter.refuse(Value::Object(errors.0))),
        }
    }

    /// § What the server's code says › Same `out_no` again.
    fn same_as(&self, inv: &Invoice) -> bool {
        self.title == inv.title
            && self.currency == inv.currency
            && self.amount.cmp_value(&inv.amount) == Ordering::Equal
            && self.notify_url == inv.notify_url
            && self.return_url == inv.return_url
    }
}

/// `POST /v1/invoice` (signed): HTTP 201 with the new invoice, 200 with the
/// existing one for a repeated `out_no` with the same fields, `1007` for a
/// repeated `out_no` with other fields.
async fn create(State(shared): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let store = &shared.xcash;
    let now = store.now_ms();
    if let Err(refusal) = store.authenticate(&headers, &body, now) {
        return refusal.into_response();
    }
    let req = match json_object(&headers, &body).and_then(|obj| CreateInvoice::parse(&obj)) {
        Ok(req) => req,
        Err(refusal) => return refusal.into_response(),
    };
    let appid = store.opts.appid.as_str();
    let mut st = lock(&store.state);
    if let Some(existing) = st.by_out_no.get(&req.out_no).and_then(|&i| st.invoices.get(i)) {
        return if req.same_as(existing) {
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

impl Store {
    /// How long an invoice of `duration` minutes lives, in ms.
    fn lifetime_ms(&self, duration_minutes: i64) -> i64 {
        match self.opts.expiry_override {
            Some(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            None => duration_minutes.saturating_mul(60_000),
        }
    }

    /// `POST /_sandbox/xcash/seed` (seed.rs): invoices as till's create
    /// would make them (`out_no` the reference, `methods` USDT on tron,
    /// selected at once when the server does), living `expire_minutes`
    /// (or `expiry_override`), whatever the 5–30 minutes of `duration`.
    /// The 100-waiting limit is not applied. `id` is the `sys_no`.
    pub(crate) fn seed(&self, spec: &crate::seed::Spec) -> Result<Vec<crate::seed::Seeded>, crate::seed::SeedError> {
        use crate::seed::{SeedError, Seeded};
        if spec.method != "usdt-tron" {
            return Err(SeedError::method(&spec.method, "usdt-tron"));
        }
        // What till sends: a `duration` the server accepts.
        let duration = i64::try_from(spec.expire_minutes).unwrap_or(i64::MAX).clamp(DURATION_MIN, DURATION_MAX);
        let requests = spec
            .references
            .iter()
            .map(|reference| {
                let body = crate::seed::object([
                    ("out_no", json!(reference)),
                    ("title", json!(SEED_TITLE)),
                    ("currency", json!(spec.currency)),
                    ("amount", json!(spec.amount)),
                    ("duration", json!(duration)),
                    ("methods", json!({ CRYPTO: [CHAIN] })),
                ]);
                CreateInvoice::parse(&body).map_err(|refusal| SeedError::refused(reference, refusal.describe()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let lifetime_ms = match self.opts.expiry_override {
            Some(_) => self.lifetime_ms(duration),
            None => spec.expire_ms(),
        };
        let now = self.now_ms();
        let mut st = lock(&self.state);
        if let Some(taken) = requests.iter().find(|r| st.by_out_no.contains_key(&r.out_no)) {
            return Err(SeedError::taken(&taken.out_no));
        }
        let mut taken = st.taken_amounts(None, now);
        let mut next_offset = HashMap::new();
        let mut seeded = Vec::with_capacity(requests.len());
        for req in requests {
            let single = single_method(&req.methods);
            let idx = st.insert(req, lifetime_ms, now);
            if self.opts.select_at_create
                && let Some((crypto, chain)) = single
            {
                st.select_among(idx, &crypto, &chain, now, &mut taken, &mut next_offset);
            }
            if let Some(inv) = st.invoices.get(idx) {
                seeded.push(Seeded {
                    id: inv.sys_no.clone(),
                    reference: inv.out_no.clone(),
                    created_at: iso8601_s(inv.created_ms),
                    expires_at: iso8601_s(inv.expires_ms),
                });
            }
        }
        Ok(seeded)
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
    let Ok(Path(sys_no)) = sys_no else { return not_found() };
    let store = &shared.xcash;
    let now = store.now_ms();
    let mut st = lock(&store.state);
    if sys_no.len() > 64 {
        return not_found();
    }
    if let Err(wait) = throttle(&mut st.status_calls, &sys_no, store.opts.status_per_minute, now) {
        return throttled(wait);
    }
    match st.by_sys_no.get(&sys_no).and_then(|&i| st.invoices.get(i)) {
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
    let Ok(Path(sys_no)) = sys_no else { return not_found() };
    let store = &shared.xcash;
    let now = store.now_ms();
    if sys_no.len() > 64 {
        return not_found();
    }
    if let Err(wait) = throttle(&mut lock(&store.state).select_calls, &sys_no, store.opts.select_per_minute, now) {
        return throttled(wait);
    }
    let Some(idx) = lock(&store.state).by_sys_no.get(&sys_no).copied() else { return not_found() };
    let obj = match json_object(&headers, &body) {
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
        Err((status, message)) => (status, axum::Json(json!({ "error": message }))).into_response(),
    }
}

// ---------------------------------------------------------------------------
// Exact decimals (amounts are never floats: README § Money). Also used by
// the xpays.life module.

/// A non-negative decimal `mantissa / 10^scale`, scale as written.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dec {
    mant: u128,
    scale: u32,
}

/// Why a decimal did not parse.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecError {
    /// Not a number.
    Syntax,
    /// A number, but with too many digits (or too large an exponent) to keep exactly.
    TooLong,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rounding {
    Down,
    HalfUp,
}

fn pow10(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

fn digit_count(mut n: u128) -> u32 {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

impl Dec {
    pub(crate) const ZERO: Dec = Dec { mant: 0, scale: 0 };

    pub(crate) const fn new(mant: u128, scale: u32) -> Self {
        Self { mant, scale }
    }

    /// Parses `[+-]digits[.digits]` and, if `exponent`, an `e[+-]digits`
    /// suffix (Python `Decimal` syntax without NaN and Infinity). Returns
    /// the sign apart (`true` = negative) and the value with its scale as written.
    pub(crate) fn parse(text: &str, exponent: bool) -> Result<(bool, Dec), DecError> {
        let (negative, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, text.get(1..).unwrap_or("")),
            Some(b'+') => (false, text.get(1..).unwrap_or("")),
            _ => (false, text),
        };
        let (number, exp) = match rest.find(['e', 'E']) {
            Some(i) if exponent => (rest.get(..i).unwrap_or(""), Some(rest.get(i + 1..).unwrap_or(""))),
            Some(_) => return Err(DecError::Syntax),
            None => (rest, None),
        };
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
            return Err(DecError::Syntax);
        }
        let mut mant: u128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            mant = mant.checked_mul(10).and_then(|m| m.checked_add(u128::from(b - b'0'))).ok_or(DecError::TooLong)?;
        }
        let mut scale = i64::try_from(frac.len()).map_err(|_| DecError::TooLong)?;
        if let Some(exp) = exp {
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !all_digits(digits) {
                return Err(DecError::Syntax);
            }
            let value: i64 = digits.parse().map_err(|_| DecError::TooLong)?;
            if value > 60 {
                return Err(DecError::TooLong);
            }
            scale -= if exp.starts_with('-') { -value } else { value };
        }
        if scale < 0 {
            let factor = u32::try_from(-scale).ok().and_then(pow10).ok_or(DecError::TooLong)?;
            mant = mant.checked_mul(factor).ok_or(DecError::TooLong)?;
            scale = 0;
        }
        let scale = u32::try_from(scale).ok().filter(|&s| s <= 60).ok_or(DecError::TooLong)?;
        Ok((negative, Dec { mant, scale }))
    }

    pub(crate) fn mantissa(&self) -> u128 {
        self.mant
    }

    /// Decimal places as written (`4.50` → 2).
    pub(crate) fn scale(&self) -> u32 {
        self.scale
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.mant == 0
    }

    /// DRF's digit count: `max(significant digits, decimal places)`.
    fn total_digits(&self) -> u32 {
        digit_count(self.mant).max(self.scale)
    }

    /// Trailing zeros stripped (`4.50` → `4.5`, `10.00` → `10`).
    pub(crate) fn normalized(self) -> Dec {
        let Dec { mut mant, mut scale } = self;
        while scale > 0 && mant % 10 == 0 {
            mant /= 10;
            scale -= 1;
        }
        Dec { mant, scale }
    }

    /// The mantissa at a larger `scale`, if it fits.
    fn rescaled(&self, scale: u32) -> Option<u128> {
        self.mant.checked_mul(pow10(scale.checked_sub(self.scale)?)?)
    }

    /// Compares values (`4.50` == `4.5`).
    pub(crate) fn cmp_value(&self, other: &Dec) -> Ordering {
        let (a, b) = (self.normalized(), other.normalized());
        let scale = a.scale.max(b.scale);
        match (a.rescaled(scale), b.rescaled(scale)) {
            (Some(x), Some(y)) => x.cmp(&y),
            // Only the larger of two values can overflow when scaled up.
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (None, None) => Ordering::Equal,
        }
    }

    pub(crate) fn mul(self, other: Dec) -> Option<Dec> {
        Some(Dec { mant: self.mant.checked_mul(other.mant)?, scale: self.scale.checked_add(other.scale)? })
    }

    pub(crate) fn add(self, other: Dec) -> Option<Dec> {
        let scale = self.scale.max(other.scale);
        Some(Dec { mant: self.rescaled(scale)?.checked_add(other.rescaled(scale)?)?, scale })
    }

    /// Rounded to at most `scale` decimals.
    pub(crate) fn round(self, scale: u32, mode: Rounding) -> Dec {
        if self.scale <= scale {
            return self;
        }
        let Some(divisor) = pow10(self.scale - scale) else { return Dec { mant: 0, scale } };
        let mut mant = self.mant / divisor;
        if mode == Rounding::HalfUp && self.mant % divisor >= divisor / 2 + divisor % 2 {
            mant += 1;
        }
        Dec { mant, scale }
    }

    /// Rounded half up to at most `sig` significant digits (only decimals
    /// are dropped: integer digits stay).
    pub(crate) fn round_significant(self, sig: u32) -> Dec {
        let digits = digit_count(self.mant);
        if digits <= sig {
            return self;
        }
        self.round(self.scale.saturating_sub(digits - sig), Rounding::HalfUp)
    }
}

impl fmt::Display for Dec {
    /// Plain notation, trailing zeros stripped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.normalized();
        let Some(unit) = pow10(n.scale) else { return write!(f, "0") };
        let (int, frac) = (n.mant / unit, n.mant % unit);
        if n.scale == 0 { write!(f, "{int}") } else { write!(f, "{int}.{frac:0width$}", width = n.scale as usize) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Dec {
        let (neg, d) = Dec::parse(text, true).expect("decimal");
        assert!(!neg);
        d
    }

    #[test]
    fn doc_worked_examples_verify() {
        // § Authentication / signing, examples 1 and 2.
        let body = br#"{"out_no":"A1","title":"Coffee","currency":"USD","amount":"4.50"}"#;
        let sig1 = "6959eb6fd8b79b12d372b3de94a6dc18d39cf8eeb3545e941965a7b8ad9fd262";
        let sig2 = "7d98bb9945f325bbdf1a9c4afffc89a04f8167a460f5eadae1b466db25c4a57c";
        assert!(signature_ok("test-hmac-key", "n0nce-123", "1730998051", body, sig1));
        assert!(signature_ok("test-hmac-key", "3f1c2a9e-6b7d-4e2f-9a1b-0c4d5e6f7a8b", "1730998051", body, sig2));
        assert!(!signature_ok("test-hmac-key", "n0nce-123", "1730998051", body, &sig1.to_uppercase()));
        assert!(!signature_ok("test-hmac-key", "n0nce-124", "1730998051", body, sig1));
    }

    #[test]
    fn decimals_parse_compare_and_print() {
        assert_eq!(dec("4.50").to_string(), "4.5");
        assert_eq!(dec("10.00").to_string(), "10");
        assert_eq!(dec("1e-8").to_string(), "0.00000001");
        assert_eq!(dec("1E+2").to_string(), "100");
        assert_eq!(dec(".5").to_string(), "0.5");
        assert_eq!(dec("4.50").scale(), 2);
        assert_eq!(dec("4.50").cmp_value(&dec("4.5")), Ordering::Equal);
        assert_eq!(dec("4.51").cmp_value(&dec("4.5")), Ordering::Greater);
        let (negative, three) = Dec::parse("-3", true).expect("decimal");
        assert!(negative);
        assert_eq!(three.to_string(), "3");
        for bad in ["", ".", "abc", "1..2", "1e", "1e+", "0x10", "1,5", "NaN", "1 2"] {
            assert_eq!(Dec::parse(bad, true).err(), Some(DecError::Syntax), "{bad}");
        }
        assert_eq!(Dec::parse("1e5", false).err(), Some(DecError::Syntax));
        assert_eq!(Dec::parse(&"9".repeat(60), true).err(), Some(DecError::TooLong));
        assert_eq!(Dec::parse("1e999", true).err(), Some(DecError::TooLong));
    }

    #[test]
    fn rounding() {
        assert_eq!(dec("29.87004").round(2, Rounding::Down).to_string(), "29.87");
        assert_eq!(dec("2.345").round(2, Rounding::HalfUp).to_string(), "2.35");
        assert_eq!(dec("2.344").round(2, Rounding::HalfUp).to_string(), "2.34");
        assert_eq!(dec("9.997217174627270").round_significant(15).to_string(), "9.99721717462727");
        assert_eq!(dec("123456789.123456789").round_significant(15).to_string(), "123456789.123457");
        assert_eq!(dec("29.99").mul(dec("0.996")).map(|d| d.to_string()).as_deref(), Some("29.87004"));
    }

    #[test]
    fn ids_and_times() {
        // 2026-06-02T12:00:00Z (the doc's sample date).
        let ms = 1_780_401_600_000;
        assert_eq!(iso8601_s(ms + 999), "2026-06-02T12:00:00Z");
        let sys_no = new_sys_no(ms);
        assert_eq!(sys_no.len(), 17);
        assert!(sys_no.starts_with("INV260602"), "{sys_no}");
        assert!(sys_no[9..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }

    #[test]
    fn the_usdt_contract_is_a_tron_address() {
        let raw = bs58::decode(USDT_TRC20_CONTRACT).with_check(None).into_vec().expect("base58check");
        assert_eq!(raw.len(), 21);
        assert_eq!(raw[0], tron::VERSION);
    }

    #[test]
    fn throttle_counts_a_sliding_minute() {
        let mut calls = HashMap::new();
        for i in 0..3 {
            assert_eq!(throttle(&mut calls, "k", Some(3), 1_000 + i), Ok(()));
        }
        assert_eq!(throttle(&mut calls, "k", Some(3), 30_000), Err(31));
        assert_eq!(throttle(&mut calls, "other", Some(3), 30_000), Ok(()));
        assert_eq!(throttle(&mut calls, "k", Some(3), 61_000), Ok(()));
        assert_eq!(throttle(&mut calls, "k", None, 61_001), Ok(()));
    }
}
