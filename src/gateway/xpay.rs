//! xPay (xpay.stream), wire-faithful to shared/providers/xpay.md.
//!
//! Log in with e-mail and secret key for a Bearer token; every call is a POST
//! with a JSON body; success and business errors both come back HTTP 200 in
//! `{"success":{…}}` / `{"error":{…}}` envelopes. A bill has no status field:
//! the status is derived from `canceled`, `closed`, `paidAmount` and `txs`.

use super::answer;
use super::error::GatewayError;
use super::http::{Body, Http, HttpSettings};
use super::json::{self, Fields};
use super::verify::{self, Networks};
use super::{BoxFuture, CreateRequest, Gateway};
use crate::clock::SharedClock;
use crate::core::invoice::{CryptoAmount, Invoice, Payload, PayloadKind, Reference, StatusPage, StatusReport};
use crate::core::method::{MethodId, PaymentMethod, ProviderId};
use crate::core::money::{Currency, Money};
use crate::core::schedule::{Limits, Rate};
use crate::core::status::Status;
use crate::secret::Secret;
use jiff::{SignedDuration, Timestamp};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

const P: ProviderId = ProviderId::Xpay;

/// The request limits kept at xPay: no limit is documented, so 5 a second;
/// `bills/find` lists the terminal's bills (batch polling).
pub const LIMITS: Limits = Limits { gateway: Rate::per_second(5), per_invoice: None, batch: true };

/// The public endpoint.
pub const DEFAULT_BASE_URL: &str = "https://apis.xpay.stream";

/// Micro-dollars per dollar: xPay counts `amount`, `billAmount` and `paidAmount` so.
const MICRO: i64 = 1_000_000;

/// How many times a create is attempted (each resolved the doc's way).
const CREATE_ATTEMPTS: u32 = 4;

/// `[providers.xpay]`, resolved.
#[derive(Clone, Debug)]
pub struct XpayConfig {
    pub base_url: String,
    pub username: String,
    pub secret_key: Secret,
    pub expire_minutes: u32,
    pub methods: Vec<MethodId>,
    pub relogin_margin: SignedDuration,
    /// `[shop] terminal`: goes into each bill's `tag`.
    pub terminal: String,
    pub currency: Currency,
    /// Which Lightning networks the invoices may be for.
    pub networks: Networks,
}

// ---- wire types: requests (xpay.md § Authentication, § Create invoice, § Query status, § Cancel)

#[derive(Serialize)]
struct LoginBody<'a> {
    username: &'a str,
    #[serde(rename = "secretKey")]
    secret_key: &'a str,
    #[serde(rename = "isAPI")]
    is_api: bool,
}

#[derive(Serialize)]
struct SaveBody<'a> {
    /// Integer micro-dollars as a JSON number (the doc's curl). The one place
    /// to change if xPay turns out to want a string of digits.
    amount: i64,
    tag: &'a str,
    /// A string of digits, as documented.
    #[serde(rename = "expireInMinutes")]
    expire_in_minutes: String,
    reference: &'a str,
    #[serde(rename = "useLightning")]
    use_lightning: bool,
}

#[derive(Serialize)]
struct ReferenceBody<'a> {
    reference: &'a str,
}

/// `bills/find` (§ Query status › Batch): the terminal's bills, newest first.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FindBody<'a> {
    tag: &'a str,
    page: u32,
    page_size: u32,
    sort: FindSort,
}

#[derive(Serialize)]
struct FindSort {
    #[serde(rename = "createdAt")]
    created_at: i8,
}

/// The login call: its refusal means the credentials.
const LOGIN_PATH: &str = "/client/authenticate";

/// Bills per `bills/find` page.
pub const FIND_PAGE_SIZE: u32 = 50;

// ---- pure parsing of xPay answers

/// Unwraps xPay's envelope: `success.data`, or the `error` as a GatewayError.
pub fn unwrap_envelope(body: &[u8], login: bool) -> Result<Value, GatewayError> {
    unwrap_success(body, login).map(data_of)
}

/// Unwraps xPay's envelope to the whole `success` (`data` and, for
/// `bills/find`, the paging beside it), or the `error` as a GatewayError.
pub fn unwrap_success(body: &[u8], login: bool) -> Result<Value, GatewayError> {
    let v = json::parse(P, body)?;
    if let Some(err) = v.get("error") {
        let message = err.get("message").and_then(Value::as_str).unwrap_or("(no message)").to_string();
        let lower = message.to_ascii_lowercase();
        return Err(if login && lower.contains("invalid credentials") {
            GatewayError::Credentials { provider: P }
        } else if !login && (lower.contains("token") || lower.contains("auth") || lower.contains("expired")) {
            GatewayError::Auth { provider: P }
        } else {
            GatewayError::Refused { provider: P, message }
        });
    }
    let success = v.get("success").ok_or_else(|| GatewayError::protocol(P, "success", "missing"))?;
    Ok(success.clone())
}

/// The `data` of an unwrapped `success`.
fn data_of(success: Value) -> Value {
    match success {
        Value::Object(mut m) => m.remove("data").unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

/// One `bills/find` page matched against the invoices asked about: a bill
/// counts when its `tag` starts with the terminal's prefix (whether xPay's
/// "wildcard" is a prefix is undocumented, so the till checks) and its
/// `billRef` is an asked invoice's reference. More pages are read while
/// xPay says `nextPage` (or, without it, the page was full) and the page's
/// oldest bill is not older than the oldest invoice asked about.
pub fn find_page(success: &Value, prefix: &str, invoices: &[Invoice]) -> Result<StatusPage, GatewayError> {
    let Some(bills) = success.get("data").and_then(Value::as_array) else {
        return Err(GatewayError::protocol(P, "success.data", "expected a list of bills"));
    };
    let mut page = StatusPage::default();
    for bill in bills {
        let tagged = bill.get("tag").and_then(Value::as_str).is_some_and(|t| t.starts_with(prefix));
        let Some(reference) = bill.get("billRef").and_then(Value::as_str).filter(|_| tagged) else { continue };
        if let Some(invoice) = invoices.iter().find(|i| i.reference.as_str() == reference) {
            page.reports.push((invoice.reference.clone(), report_for(bill, invoice)));
        }
    }
    let full = u32::try_from(bills.len()).is_ok_and(|n| n >= FIND_PAGE_SIZE);
    let next = success.get("nextPage").and_then(Value::as_bool).unwrap_or(full);
    let oldest_asked = invoices.iter().map(|i| i.created_at).min();
    let oldest_here = bills.iter().filter_map(|b| b.get("createdAt").and_then(json::integer).and_then(millis)).min();
    let older_than_all = matches!((oldest_here, oldest_asked), (Some(here), Some(asked)) if here < asked);
    page.more = next && !bills.is_empty() && !older_than_all;
    Ok(page)
}

/// A login answer: the token and when it expires.
pub fn parse_login(data: &Value) -> Result<(Secret, Timestamp), GatewayError> {
    let f = Fields::new(P, "success.data.", data);
    let token = f.str("access_token")?;
    let expires_ms = f.int("expiresAt")?;
    let expires_at =
        millis(expires_ms).ok_or_else(|| GatewayError::protocol(P, "success.data.expiresAt", "out of range"))?;
    Ok((Secret::new(token), expires_at))
}

fn millis(ms: i128) -> Option<Timestamp> {
    Timestamp::from_millisecond(i64::try_from(ms).ok()?).ok()
}

/// Micro-dollars as dollars; `None` when out of range.
fn micro_to_decimal(n: i128) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(n, 6).ok().map(|d| d.normalize())
}

/// The status of a bill, derived as xpay.md § Mapping to till says (first
/// matching row wins). Missing or mistyped key fields give `unknown`.
pub fn derive_status(bill: &Value) -> (Status, String) {
    let bill_amount = bill.get("billAmount").and_then(json::integer);
    let paid_amount = bill.get("paidAmount").and_then(json::integer);
    let closed = bill.get("closed").and_then(Value::as_bool);
    let (Some(bill_amount), Some(paid), Some(closed)) = (bill_amount, paid_amount, closed) else {
        let snippet = format!(
            "billAmount={} paidAmount={} closed={}",
            snippet(bill.get("billAmount")),
            snippet(bill.get("paidAmount")),
            snippet(bill.get("closed"))
        );
        return (Status::Unknown(snippet.clone()), snippet);
    };
    // A missing `canceled` is false; a mistyped one is unknown.
    let canceled = match bill.get("canceled") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            let raw = format!("canceled={}", snippet(Some(other)));
            return (Status::Unknown(raw.clone()), raw);
        }
    };
    let txs = bill.get("txs").and_then(Value::as_array).map_or(0, Vec::len);
    let raw = format!("closed={closed} canceled={canceled} paidAmount={paid}/{bill_amount} txs={txs}");
    let status = if bill_amount > 0 && paid >= bill_amount {
        Status::Paid
    } else if canceled {
        Status::Canceled
    } else if closed && paid > 0 {
        Status::ExpiredUnderpaid
    } else if closed {
        Status::Expired
    } else if paid > 0 {
        Status::Underpaid
    } else if txs > 0 {
        Status::Confirming
    } else {
        Status::Pending
    };
    (status, raw)
}

fn snippet(v: Option<&Value>) -> String {
    let s = v.map_or_else(|| "missing".to_string(), Value::to_string);
    s.chars().take(40).collect()
}

/// The status report of a bill.
pub fn report(bill: &Value, currency: &Currency) -> StatusReport {
    let (status, raw) = derive_status(bill);
    let received = bill
        .get("paidAmount")
        .and_then(json::integer)
        .filter(|n| *n > 0)
        .and_then(micro_to_decimal)
        .map(|d| Money::new(d, currency.clone()));
    let tx_id = bill
        .get("txs")
        .and_then(Value::as_array)
        .and_then(|txs| txs.last())
        .and_then(|tx| tx.get("txID"))
        .and_then(Value::as_str)
        .map(str::to_string);
    StatusReport { status, raw, received, tx_id }
}

/// The status report of a polled bill, `unknown` unless the bill is the
/// invoice's own (same reference, same amount).
pub fn report_for(bill: &Value, invoice: &Invoice) -> StatusReport {
    let same_ref = bill.get("billRef").and_then(Value::as_str) == Some(invoice.reference.as_str());
    let same_amount =
        bill.get("billAmount").and_then(json::integer) == micro_dollars(&invoice.fiat).ok().map(i128::from);
    if !(same_ref && same_amount) {
        tracing::warn!(provider = "xpay", reference = %invoice.reference, "view answered about another bill");
        return answer::unknown("the answer is about another bill");
    }
    report(bill, &invoice.fiat.currency)
}

/// The TRON address of a bill: `address.base58` when `address` is an object,
/// else `address` when it is a non-empty string.
fn tron_address(bill: &Value) -> Option<&str> {
    match bill.get("address")? {
        Value::Object(o) => o.get("base58").and_then(Value::as_str),
        Value::String(s) => Some(s.as_str()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

/// Turns a bill (create or view shape) into a verified invoice.
pub fn invoice_from_bill(
    bill: &Value,
    request: &CreateRequest,
    networks: Networks,
    now: Timestamp,
) -> Result<Invoice, GatewayError> {
    let f = Fields::new(P, "data.", bill);
    let id = f.str("uuid")?.to_string();
    answer::our_reference(P, "data.billRef", f.str("billRef")?, &request.reference)?;
    let bill_amount = f.int("billAmount")?;
    answer::same_amount(P, "data.billAmount", bill_amount, i128::from(micro_dollars(&request.amount)?))?;
    let paid = f.int("paidAmount")?;
    if paid < 0 {
        return Err(GatewayError::protocol(P, "data.paidAmount", "negative"));
    }
    let created_at =
        millis(f.int("createdAt")?).ok_or_else(|| GatewayError::protocol(P, "data.createdAt", "out of range"))?;
    let until = millis(f.int("until")?).ok_or_else(|| GatewayError::protocol(P, "data.until", "out of range"))?;
    let unverified = |error| GatewayError::Unverified { provider: P, error };
    let (payload, crypto, expires_at) = match request.method {
        MethodId::Lightning => {
            let ln = f.get("lnInvoice").ok_or_else(|| GatewayError::protocol(P, "data.lnInvoice", "missing"))?;
            let lf = Fields::new(P, "data.lnInvoice.", ln);
            let bolt11 = lf.str("paymentRequest")?;
            let sats = lf.int("satoshis")?;
            let msat = u64::try_from(sats.saturating_mul(1000))
                .map_err(|_| GatewayError::protocol(P, "data.lnInvoice.satoshis", "out of range"))?;
            let checked = verify::bolt11(bolt11, msat, networks, now).map_err(unverified)?;
            let payload = Payload {
                kind: PayloadKind::Lightning,
                qr: verify::lightning_qr(&checked),
                text: checked.invoice.clone(),
            };
            let crypto = CryptoAmount { amount: Decimal::from_i128_with_scale(sats, 0), unit: "sat".into() };
            (payload, crypto, until.min(checked.expires_at))
        }
        MethodId::UsdtTron => {
            let address =
                tron_address(bill).ok_or_else(|| GatewayError::protocol(P, "data.address", "no TRON address"))?;
            verify::tron_address(address).map_err(unverified)?;
            let payload = Payload { kind: PayloadKind::Address, qr: address.to_string(), text: address.to_string() };
            // 1 USDT per USD (xpay.md § Unknowns): what is still due.
            let due = bill_amount
                .checked_sub(paid)
                .filter(|d| *d >= 0)
                .and_then(micro_to_decimal)
                .ok_or_else(|| GatewayError::protocol(P, "data.paidAmount", "more than billAmount"))?;
            let crypto = CryptoAmount { amount: due, unit: "USDT".into() };
            (payload, crypto, until)
        }
        other => return Err(GatewayError::Unsupported { provider: P, what: unsupported(other) }),
    };
    let report = report(bill, &request.amount.currency);
    Ok(Invoice {
        id,
        reference: request.reference.clone(),
        method: PaymentMethod::new(P, request.method),
        fiat: request.amount.clone(),
        crypto: Some(crypto),
        payload,
        created_at,
        expires_at,
        status: report.status,
        received: report.received,
        choices: Vec::new(),
    })
}

fn unsupported(method: MethodId) -> &'static str {
    match method {
        MethodId::Lightning | MethodId::UsdtTron => "serve this method",
        _ => "serve this method (xPay offers lightning and usdt-tron)",
    }
}

/// Fiat × 10^6 as an integer, or a refusal when it has more than 6 decimals.
pub fn micro_dollars(amount: &Money) -> Result<i64, GatewayError> {
    let micro = amount
        .amount
        .checked_mul(Decimal::from(MICRO))
        .ok_or_else(|| GatewayError::Refused { provider: P, message: "amount too large".into() })?;
    if !micro.fract().is_zero() {
        return Err(GatewayError::Refused { provider: P, message: "amounts have at most 6 decimals".into() });
    }
    i64::try_from(micro).map_err(|_| GatewayError::Refused { provider: P, message: "amount too large".into() })
}

// ---- the adapter

#[derive(Clone, Debug)]
struct Token {
    value: Secret,
    expires_at: Timestamp,
}

pub struct Xpay {
    cfg: XpayConfig,
    http: Http,
    clock: SharedClock,
    token: tokio::sync::Mutex<Option<Token>>,
}

/// A create's answer, before it becomes an invoice.
enum Saved {
    Bill(Value),
    /// No bill with our reference exists.
    Absent,
}

impl Xpay {
    pub fn new(cfg: XpayConfig, settings: HttpSettings, clock: SharedClock) -> Result<Xpay, GatewayError> {
        if cfg.currency.code() != "USD" {
            return Err(GatewayError::Unsupported { provider: P, what: "bill in a currency other than USD" });
        }
        let http = Http::new(P, &cfg.base_url, &[&cfg.secret_key], settings)?;
        Ok(Xpay { http, cfg, clock, token: tokio::sync::Mutex::new(None) })
    }

    /// One POST; the envelope unwrapped to `success`.
    async fn post(&self, path: &str, body: &[u8], token: Option<&Secret>) -> Result<Value, GatewayError> {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            headers.insert("uuid", v);
        }
        if let Some(token) = token {
            let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
                .map_err(|_| GatewayError::protocol(P, "access_token", "not usable in a header"))?;
            v.set_sensitive(true);
            headers.insert(AUTHORIZATION, v);
        }
        let login = path == LOGIN_PATH;
        self.http
            .exchange(path, headers, Body::Json(body), |reply| match reply.status {
                200 => unwrap_success(&reply.body, login),
                401 | 403 => Err(GatewayError::Auth { provider: P }),
                status => Err(GatewayError::Http { provider: P, status }),
            })
            .await
    }

    async fn login(&self) -> Result<Token, GatewayError> {
        let body = LoginBody { username: &self.cfg.username, secret_key: self.cfg.secret_key.expose(), is_api: true };
        let body = serde_json::to_vec(&body).map_err(|e| GatewayError::protocol(P, "(login body)", e.to_string()))?;
        let data = data_of(self.post(LOGIN_PATH, &body, None).await?);
        let (value, expires_at) = parse_login(&data)?;
        tracing::info!(provider = "xpay", %expires_at, "logged in");
        Ok(Token { value, expires_at })
    }

    /// A token with more than the margin left, logging in when needed.
    async fn token(&self, fresh: bool) -> Result<Secret, GatewayError> {
        let mut guard = self.token.lock().await;
        let now = self.clock.now();
        if !fresh
            && let Some(t) = guard.as_ref()
            && now.saturating_add(self.cfg.relogin_margin).unwrap_or(Timestamp::MAX) < t.expires_at
        {
            return Ok(t.value.clone());
        }
        *guard = None;
        let token = self.login().await?;
        let value = token.value.clone();
        *guard = Some(token);
        Ok(value)
    }

    /// An authenticated POST's `success.data`.
    async fn authed(&self, path: &str, body: &impl Serialize) -> Result<Value, GatewayError> {
        self.authed_success(path, body).await.map(data_of)
    }

    /// An authenticated POST; after an auth error, logs in once and repeats.
    async fn authed_success(&self, path: &str, body: &impl Serialize) -> Result<Value, GatewayError> {
        let body = serde_json::to_vec(body).map_err(|e| GatewayError::protocol(P, "(request body)", e.to_string()))?;
        let token = self.token(false).await?;
        match self.post(path, &body, Some(&token)).await {
            Err(GatewayError::Auth { .. }) => {
                let token = self.token(true).await?;
                self.post(path, &body, Some(&token)).await
            }
            other => other,
        }
    }

    /// An authenticated POST that is safe to repeat, retried on transient errors.
    async fn authed_retrying(&self, path: &str, body: &impl Serialize) -> Result<Value, GatewayError> {
        self.http.retrying(|| self.authed(path, body)).await
    }

    /// `bills/view` by our reference: the bill, or Absent when xPay has none.
    async fn view(&self, reference: &Reference) -> Result<Saved, GatewayError> {
        Self::saved(self.authed_retrying("/client/bills/view", &ReferenceBody { reference: reference.as_str() }).await)
    }

    /// `bills/view` once: a status poll, which the poll schedule repeats.
    async fn view_once(&self, reference: &Reference) -> Result<Saved, GatewayError> {
        Self::saved(self.authed("/client/bills/view", &ReferenceBody { reference: reference.as_str() }).await)
    }

    fn saved(answer: Result<Value, GatewayError>) -> Result<Saved, GatewayError> {
        match answer {
            Ok(bill) => Ok(Saved::Bill(bill)),
            Err(GatewayError::Refused { .. }) => Ok(Saved::Absent),
            Err(e) => Err(e),
        }
    }

    async fn create_bill(&self, request: &CreateRequest) -> Result<Value, GatewayError> {
        // Once a save may have reached xPay, every later failure leaves the
        // outcome unknown: the error says so, and the sale stays to be
        // looked up rather than being written off.
        let mut maybe_sent = request.retry;
        self.create_bill_attempts(request, &mut maybe_sent).await.map_err(|e| {
            if maybe_sent && !e.maybe_processed() {
                GatewayError::Timeout { provider: P, detail: format!("after a create that may have reached xPay: {e}") }
            } else {
                e
            }
        })
    }

    async fn create_bill_attempts(
        &self,
        request: &CreateRequest,
        maybe_sent: &mut bool,
    ) -> Result<Value, GatewayError> {
        let tag = format!("till-{}-{}", self.cfg.terminal, request.reference);
        let body = SaveBody {
            amount: micro_dollars(&request.amount)?,
            tag: &tag,
            expire_in_minutes: self.cfg.expire_minutes.to_string(),
            reference: request.reference.as_str(),
            use_lightning: request.method == MethodId::Lightning,
        };
        // README § What till does when a create times out: never a blind
        // resend. A retry the cashier asked for looks first too.
        let mut look_first = request.retry;
        let mut attempt = 1;
        loop {
            if look_first {
                match self.view(&request.reference).await? {
                    Saved::Bill(bill) => {
                        tracing::info!(provider = "xpay", reference = %request.reference, "create resolved: the bill exists");
                        return Ok(bill);
                    }
                    Saved::Absent => look_first = false,
                }
            }
            let token = self.token(false).await?;
            let bytes =
                serde_json::to_vec(&body).map_err(|e| GatewayError::protocol(P, "(request body)", e.to_string()))?;
            let error = match self.post("/client/bills/save", &bytes, Some(&token)).await {
                Ok(success) => return Ok(data_of(success)),
                Err(e) => e,
            };
            if error.maybe_processed() {
                *maybe_sent = true;
            }
            if attempt >= CREATE_ATTEMPTS {
                return Err(error);
            }
            attempt += 1;
            match &error {
                GatewayError::Auth { .. } => {
                    self.token(true).await?;
                    look_first = true;
                }
                // Refused: perhaps because our reference is taken by an earlier try.
                GatewayError::Refused { .. } => {
                    if let Saved::Bill(bill) = self.view(&request.reference).await? {
                        return Ok(bill);
                    }
                    return Err(error);
                }
                e if e.maybe_processed() => {
                    tokio::time::sleep(self.http.backoff(attempt, e)).await;
                    look_first = true;
                }
                e if e.not_processed() => tokio::time::sleep(self.http.backoff(attempt, e)).await,
                _ => return Err(error),
            }
        }
    }
}

impl Gateway for Xpay {
    fn provider(&self) -> ProviderId {
        P
    }

    fn methods(&self) -> Vec<MethodId> {
        self.cfg.methods.clone()
    }

    fn create<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        Box::pin(async move {
            let bill = self.create_bill(request).await?;
            answer::vetted(
                P,
                &request.reference,
                invoice_from_bill(&bill, request, self.cfg.networks, self.clock.now()),
            )
        })
    }

    fn find<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        Box::pin(async move {
            let Saved::Bill(bill) = self.view(&request.reference).await? else {
                return Ok(None);
            };
            // Checked as of its creation: the invoice may have expired since,
            // and is watched all the same (the screen hides an expired code).
            let created = bill
                .get("createdAt")
                .and_then(json::integer)
                .and_then(millis)
                .ok_or_else(|| GatewayError::protocol(P, "data.createdAt", "missing"))?;
            invoice_from_bill(&bill, request, self.cfg.networks, created).map(Some)
        })
    }

    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        Box::pin(async move {
            match self.view_once(&invoice.reference).await? {
                Saved::Bill(bill) => Ok(report_for(&bill, invoice)),
                // A bill whose create succeeded cannot vanish: unknown, keep polling.
                Saved::Absent => {
                    tracing::warn!(provider = "xpay", reference = %invoice.reference, "view found no bill for a created invoice");
                    Ok(answer::unknown("bill not found"))
                }
            }
        })
    }

    fn status_page<'a>(
        &'a self,
        invoices: &'a [Invoice],
        page: u32,
    ) -> BoxFuture<'a, Result<StatusPage, GatewayError>> {
        Box::pin(async move {
            let prefix = format!("till-{}-", self.cfg.terminal);
            let body = FindBody {
                tag: &prefix,
                page: page.saturating_add(1),
                page_size: FIND_PAGE_SIZE,
                sort: FindSort { created_at: -1 },
            };
            let success = self.authed_success("/client/bills/find", &body).await?;
            find_page(&success, &prefix, invoices)
        })
    }

    fn can_cancel(&self) -> bool {
        true
    }

    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move {
            let token = self.login().await?;
            Ok(format!("logged in; the session runs until {}", token.expires_at))
        })
    }

    fn cancel<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async move {
            self.authed_retrying("/client/bills/cancel", &ReferenceBody { reference: invoice.reference.as_str() })
                .await
                .map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    fn bill(bill_amount: Value, paid: Value, closed: Value, canceled: Option<bool>, txs: usize) -> Value {
        let mut b = json!({
            "billAmount": bill_amount, "paidAmount": paid, "closed": closed,
            "txs": (0..txs).map(|i| json!({"txID": format!("tx{i}"), "amount": 1})).collect::<Vec<_>>(),
        });
        if let Some(c) = canceled {
            b["canceled"] = json!(c);
        }
        b
    }

    #[test]
    fn status_derivation_covers_every_row_of_the_table() {
        use Status::*;
        let cases = [
            // row 1: money received wins, even over canceled and closed
            (bill(json!(100), json!(100), json!(false), None, 1), Paid),
            (bill(json!(100), json!(150), json!(true), Some(true), 1), Paid),
            // row 2
            (bill(json!(100), json!(0), json!(true), Some(true), 0), Canceled),
            (bill(json!(100), json!(40), json!(false), Some(true), 1), Canceled),
            // row 3, 4
            (bill(json!(100), json!(40), json!(true), Some(false), 1), ExpiredUnderpaid),
            (bill(json!(100), json!(0), json!(true), None, 0), Expired),
            (bill(json!(100), json!(0), json!(true), None, 2), Expired),
            // row 5, 6, 7
            (bill(json!(100), json!(40), json!(false), None, 1), Underpaid),
            (bill(json!(100), json!(0), json!(false), None, 1), Confirming),
            (bill(json!(100), json!(0), json!(false), Some(false), 0), Pending),
        ];
        for (b, want) in cases {
            assert_eq!(derive_status(&b).0, want, "{b}");
        }
    }

    #[test]
    fn every_combination_of_the_fields_maps_to_one_state_and_never_paid_without_money() {
        for bill_amount in [0, 100] {
            for paid in [0, 40, 100, 150] {
                for closed in [false, true] {
                    for canceled in [None, Some(false), Some(true)] {
                        for txs in [0, 1] {
                            let b = bill(json!(bill_amount), json!(paid), json!(closed), canceled, txs);
                            let (s, _) = derive_status(&b);
                            let paid_in_full = bill_amount > 0 && paid >= bill_amount;
                            assert_eq!(s == Status::Paid, paid_in_full, "{b}");
                            if !paid_in_full && canceled == Some(true) {
                                assert_eq!(s, Status::Canceled, "{b}");
                            }
                            if !paid_in_full && canceled != Some(true) {
                                assert_eq!(s.is_final(), closed, "{b}");
                            }
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn missing_or_mistyped_fields_are_unknown_never_paid() {
        let cases = [
            json!({"paidAmount": 100, "closed": true}),
            json!({"billAmount": "100", "paidAmount": 100, "closed": true}),
            json!({"billAmount": 100, "paidAmount": 100.5, "closed": true}),
            json!({"billAmount": 100, "paidAmount": 100, "closed": "true"}),
            json!({"billAmount": 100, "paidAmount": 100, "closed": true, "canceled": "no"}),
            json!(null),
            json!([1, 2]),
        ];
        for b in cases {
            assert!(matches!(derive_status(&b).0, Status::Unknown(_)), "{b}");
        }
    }

    #[test]
    fn the_received_amount_is_exact_micro_dollars() {
        let r = report(&bill(json!(10_000_000), json!(2_500_001), json!(false), None, 1), &usd());
        assert_eq!(r.received.unwrap().amount.to_string(), "2.500001");
        assert_eq!(r.tx_id.as_deref(), Some("tx0"));
    }

    #[test]
    fn amounts_go_out_as_integer_micro_dollars() {
        let m = Money::new(Decimal::new(1250, 2), usd());
        assert_eq!(micro_dollars(&m).unwrap(), 12_500_000);
        let body = SaveBody {
            amount: 12_500_000,
            tag: "till-t1-r",
            expire_in_minutes: "30".into(),
            reference: "r",
            use_lightning: true,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"amount":12500000,"tag":"till-t1-r","expireInMinutes":"30","reference":"r","useLightning":true}"#
        );
        let login = LoginBody { username: "u@x", secret_key: "k", is_api: true };
        assert_eq!(serde_json::to_string(&login).unwrap(), r#"{"username":"u@x","secretKey":"k","isAPI":true}"#);
    }
}
