//! Bitsby (bitsby.app), written from `providers/bitsby.md` only.
//!
//! | Route | bitsby.md section |
//! |---|---|
//! | `POST /invoices/create` | § Create invoice |
//! | `POST /invoices/list` | § Query status |
//! | `POST /invoices/cancel` | § Cancel |
//! | `POST /payments/list` | § Query status › Payments |
//! | `GET /_sandbox/bitsby/invoices` | control: every invoice, list-item shape |
//! | `POST /_sandbox/bitsby/invoices/{id}/{action}` | control: CONTROL.md § Invoice actions |
//!
//! **Auth** (§ Authentication / signing): `Authorization: Token <token>`.
//! Missing or wrong: HTTP 401 `{"result":"error","data":"Invalid token"}`
//! (the message and the 401 are the sandbox's choice).
//!
//! **Rate limit** (§ Errors and limits, "1 request per second per key"): a
//! request with the token less than `min_interval` after the token's previous
//! *admitted* request gets HTTP 200 `{"result":"error","data":"Requests too
//! frequent"}` (doc, verbatim) and is not processed; it does not count as a
//! request itself, so waiting `min_interval` after the last admitted one is
//! always enough. Every gateway route counts (an error answer too); control
//! routes do not.
//!
//! **Requests** are multipart/form-data (every curl; § Unknowns). A request
//! with no body at all reads as an empty form; any other non-multipart body is
//! refused.
//!
//! **Envelope** (§ Errors and limits): `{"result":"success","data":…}` or
//! `{"result":"error","data":"<message>"}`, HTTP 200 (except the 401 above).
//! Like the doc's sample (a PHP server), every `/` in a string is written
//! `\/`. Error messages (the sandbox's choice, no codes exist):
//!
//! | `data` | When |
//! |---|---|
//! | `Requests too frequent` | rate limit (doc) |
//! | `Request must be multipart/form-data` | another body type |
//! | `Malformed multipart body: <detail>` | a multipart body that does not parse |
//! | `<param> is required` | a required parameter missing or empty |
//! | `<param> is invalid: <what is wanted>` | a parameter out of its domain |
//! | `Project not found` | create with another `projectId` |
//! | `The project has no wallets` | create while no wallet is configured |
//! | `Invoice not found` | cancel of an unknown `invoiceId` |
//! | `The invoice cannot be canceled: the payment page has been viewed` | cancel, `unpaid` with `views` > 0 |
//! | `The invoice cannot be canceled: it is <status>` | cancel of a non-`unpaid` invoice |
//!
//! Where the doc is silent, the sandbox chooses (and the tests pin):
//! - Wallets are the project's, fixed for the store's life: one id and one
//!   address each; the EVM wallets share one EIP-55 address (as in the
//!   sample), TRON gets a base58check address, Bitcoin a regtest bech32 one.
//! - `amountCrypto` (8 decimals) comes from fixed rates (1 EUR = 1.08 USD,
//!   1 RUB = 0.011 USD, 1 ETH = 3500 USD, 1 BTC = 60000 USD, other coins
//!   1 USD) plus a per-invoice offset so that amounts never repeat: the
//!   invoice's sequence number n (1, 2, …) in millionths for USDT (USDT has 6
//!   decimals on TRON) and in 10⁻⁸ for the others.
//! - `amountFiatUSD` is `amountFiat` at those rates; `commissionFiatUSD` is
//!   1 % of it (the list sample's `1.00` for `100.00`), both rounded half up.
//! - `/invoices/list` and `/payments/list` answer newest first; `limit` is
//!   1–100; `startDate` and `endDate` are inclusive, compared with the UTC date
//!   of `createDatetime` (payments: `transactionDatetime`). A filter on another
//!   `projectId` gives an empty list.
//! - `/invoices/cancel` answers the canceled invoice (list-item shape).

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::{Value, json};

use crate::time::{date_time as datetime, day as date, is_day};
use crate::{AppState, btc, evm, lock, now_ms, tron};

/// The token the sandbox's Bitsby accepts by default.
pub const DEMO_BITSBY_TOKEN: &str = "SandboxBitsbyToken0000000000000000000000000000000000000";
/// The project the sandbox's Bitsby knows by default (the doc's curl `projectId`).
pub const DEMO_BITSBY_PROJECT_ID: &str = "9deea1e2-0c08-41a3-bdc2-a34eada3892d";

/// One of the project's crypto wallets (§ Create invoice › Response: `wallets`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BitsbyWallet {
    /// The merchant's name for it, e.g. `usdt-tron`.
    pub name: String,
    /// e.g. `tron`, `bnbSmartChain`, `ethereum`, `bitcoin`.
    pub blockchain: String,
    /// e.g. `usdt`, `eth`, `btc`.
    pub cryptocurrency: String,
}

impl BitsbyWallet {
    pub fn new(name: &str, blockchain: &str, cryptocurrency: &str) -> Self {
        Self { name: name.to_owned(), blockchain: blockchain.to_owned(), cryptocurrency: cryptocurrency.to_owned() }
    }

    /// The five wallets of the create sample, in its order.
    pub fn sample() -> Vec<Self> {
        vec![
            Self::new("usdt-bnb", "bnbSmartChain", "usdt"),
            Self::new("usdt-ethereum", "ethereum", "usdt"),
            Self::new("usdt-tron", "tron", "usdt"),
            Self::new("ethereum", "ethereum", "eth"),
            Self::new("btc", "bitcoin", "btc"),
        ]
    }
}

/// How the sandbox's Bitsby is set up.
#[derive(Clone, Debug)]
pub struct BitsbyOptions {
    /// The only token accepted (default [`DEMO_BITSBY_TOKEN`]).
    pub token: String,
    /// The project's id, the only `projectId` create accepts (default
    /// [`DEMO_BITSBY_PROJECT_ID`]).
    pub project_id: String,
    /// Shortest gap between two admitted requests of the token (default
    /// 950 ms; `Duration::ZERO` disables the limit).
    pub min_interval: Duration,
    /// The project's wallets, in the order invoices list them (default the
    /// five of the create sample, [`BitsbyWallet::sample`]).
    pub wallets: Vec<BitsbyWallet>,
}

impl Default for BitsbyOptions {
    fn default() -> Self {
        Self {
            token: DEMO_BITSBY_TOKEN.to_owned(),
            project_id: DEMO_BITSBY_PROJECT_ID.to_owned(),
            min_interval: Duration::from_millis(950),
            wallets: BitsbyWallet::sample(),
        }
    }
}

// ---------------------------------------------------------------------------
// Messages.

const MSG_INVALID_TOKEN: &str = "Invalid token";
/// Doc, verbatim (§ Errors and limits).
const MSG_TOO_FREQUENT: &str = "Requests too frequent";
const MSG_NOT_MULTIPART: &str = "Request must be multipart/form-data";
const MSG_PROJECT_NOT_FOUND: &str = "Project not found";
const MSG_NO_WALLETS: &str = "The project has no wallets";
const MSG_INVOICE_NOT_FOUND: &str = "Invoice not found";
const MSG_CANCEL_VIEWED: &str = "The invoice cannot be canceled: the payment page has been viewed";

// ---------------------------------------------------------------------------
// Numbers where the doc is silent.

/// Hosted payment page (§ Base URL and environments, from the sample `url`).
const PAY_URL_PREFIX: &str = "https://dash.bitsby.app/invoices/pay/";
/// `timeToPay` values, in half hours: 0.5, 1, 3, 6, 12 hours.
const TIME_TO_PAY_HALF_HOURS: [u64; 5] = [1, 2, 6, 12, 24];
/// Largest number of integer digits in `amountFiat`.
const MAX_INTEGER_DIGITS: usize = 12;
/// `limit` default (doc) and the sandbox's maximum.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;
/// 10⁸: `amountCrypto` has 8 decimals.
const E8: u128 = 100_000_000;

/// USD per unit of fiat, as a fraction.
fn usd_per_fiat(currency: &str) -> (u128, u128) {
    match currency {
        "EUR" => (108, 100),
        "RUB" => (11, 1000),
        _ => (1, 1),
    }
}

/// USD per coin; `None` for stablecoins (and unknown coins), priced 1 USD.
fn usd_per_coin(cryptocurrency: &str) -> Option<u128> {
    match cryptocurrency {
        "eth" => Some(3_500),
        "btc" => Some(60_000),
        _ => None,
    }
}

/// `a / b` rounded half up.
fn div_round(a: u128, b: u128) -> u128 {
    (a + b / 2) / b.max(1)
}

/// `amountCrypto` in 10⁻⁸ units for `usd8` (USD in 10⁻⁸ units), with the
/// invoice's offset `seq`.
fn amount_crypto(cryptocurrency: &str, usd8: u128, seq: u128) -> u128 {
    match usd_per_coin(cryptocurrency) {
        Some(rate) => div_round(usd8, rate) + seq,
        // Stablecoins: rounded to 6 decimals, offset in millionths.
        None => (div_round(usd8, 100) + seq) * 100,
    }
}

fn fmt8(units: u128) -> String {
    format!("{}.{:08}", units / E8, units % E8)
}

fn fmt2(cents: u128) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// `amountFiat`: a positive decimal with at most 2 decimals, in cents.
fn parse_cents(text: &str) -> Option<u128> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || int.len() > MAX_INTEGER_DIGITS || !digits(int) || !digits(frac) || frac.len() > 2 {
        return None;
    }
    if text.contains('.') && frac.is_empty() {
        return None;
    }
    let cents: u128 = format!("{int}{frac:0<2}").parse().ok()?;
    (cents > 0).then_some(cents)
}

/// `timeToPay` in seconds: 0.5, 1, 3, 6 or 12 hours (also written `1.0`, `0.50`).
fn parse_time_to_pay(text: &str) -> Option<i64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || (text.contains('.') && !digits(frac)) {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let half_hours = int.parse::<u64>().ok()? * 2
        + match frac {
            "" => 0,
            "5" => 1,
            _ => return None,
        };
    TIME_TO_PAY_HALF_HOURS.contains(&half_hours).then(|| i64::try_from(half_hours * 1800).unwrap_or(i64::MAX))
}

/// A `Y-m-d` date as sent (`2024-02-29`), checked to be a calendar day.
fn parse_date(text: &str) -> Option<String> {
    is_day(text).then(|| text.to_owned())
}

/// 12 random letters and digits (the sample `MXNj4m8HhcM4`).
fn new_uid() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    crate::random_bytes::<12>().iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect()
}

/// A transaction hash in the chain's usual spelling.
fn new_tx_hash(blockchain: &str) -> String {
    let hex = crate::hex(&crate::random_bytes::<32>());
    match blockchain {
        "bitcoin" | "tron" => hex,
        _ => format!("0x{hex}"),
    }
}

// ---------------------------------------------------------------------------
// Wire types.

/// `wallets[]` of the create answer.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WireWallet {
    id: String,
    name: String,
    blockchain: String,
    cryptocurrency: String,
    address: String,
    amount_crypto: String,
}

/// The create answer's `data`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireCreated {
    id: String,
    uid: String,
    create_datetime: String,
    time_to_pay_datetime: String,
    url: String,
    wallets: Vec<WireWallet>,
}

/// An `/invoices/list` item (§ Query status), in the doc's field order.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireItem {
    id: String,
    uid: String,
    project_id: String,
    create_datetime: String,
    time_to_pay_datetime: String,
    #[serde(rename = "commissionFiatUSD")]
    commission_fiat_usd: String,
    #[serde(rename = "amountFiatUSD")]
    amount_fiat_usd: String,
    amount_fiat: String,
    currency_fiat: &'static str,
    description: Option<String>,
    service_data: Option<String>,
    views: u64,
    status: &'static str,
}

/// `wallet` of a `/payments/list` item.
#[derive(Serialize)]
struct WirePaymentWallet {
    id: String,
    name: String,
    blockchain: String,
    cryptocurrency: String,
    address: String,
}

/// A `/payments/list` item (§ Query status › Payments).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WirePayment {
    id: String,
    amount: String,
    hash: String,
    transaction_datetime: String,
    invoice: WireItem,
    wallet: WirePaymentWallet,
}

#[derive(Serialize)]
struct Envelope<T> {
    result: &'static str,
    data: T,
}

// ---------------------------------------------------------------------------
// Store.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Unpaid,
    Paid,
    Expired,
    Canceled,
    /// `weird`: a value nobody documented.
    Refunded,
}

impl Status {
    fn wire(self) -> &'static str {
        match self {
            Self::Unpaid => "unpaid",
            Self::Paid => "paid",
            Self::Expired => "expired",
            Self::Canceled => "canceled",
            Self::Refunded => "refunded",
        }
    }

    /// Control actions other than `view` and `weird` may still change it.
    fn is_open(self) -> bool {
        matches!(self, Self::Unpaid | Self::Refunded)
    }
}

#[derive(Clone, Debug)]
struct Invoice {
    id: String,
    uid: String,
    project_id: String,
    created_secs: i64,
    expires_secs: i64,
    amount_cents: u128,
    currency: &'static str,
    amount_usd_cents: u128,
    description: Option<String>,
    service_data: Option<String>,
    /// `serviceData.till_sale`, when `serviceData` is JSON carrying it.
    till_sale: Option<String>,
    views: u64,
    status: Status,
    wallets: Vec<WireWallet>,
}

impl Invoice {
    /// The status at `now` (epoch ms): `unpaid` reads `expired` from
    /// `timeToPayDatetime` on.
    fn status_at(&self, now_ms: i64) -> Status {
        match self.status {
            Status::Unpaid if now_ms >= self.expires_secs.saturating_mul(1000) => Status::Expired,
            status => status,
        }
    }

    fn item(&self, now_ms: i64) -> WireItem {
        WireItem {
            id: self.id.clone(),
            uid: self.uid.clone(),
            project_id: self.project_id.clone(),
            create_datetime: datetime(self.created_secs),
            time_to_pay_datetime: datetime(self.expires_secs),
            commission_fiat_usd: fmt2(div_round(self.amount_usd_cents, 100)),
            amount_fiat_usd: fmt2(self.amount_usd_cents),
            amount_fiat: fmt2(self.amount_cents),
            currency_fiat: self.currency,
            description: self.description.clone(),
            service_data: self.service_data.clone(),
            views: self.views,
            status: self.status_at(now_ms).wire(),
        }
    }

    fn created(&self) -> WireCreated {
        WireCreated {
            id: self.id.clone(),
            uid: self.uid.clone(),
            create_datetime: datetime(self.created_secs),
            time_to_pay_datetime: datetime(self.expires_secs),
            url: format!("{PAY_URL_PREFIX}{}", self.uid),
            wallets: self.wallets.clone(),
        }
    }
}

#[derive(Clone, Debug)]
struct Payment {
    id: String,
    invoice: usize,
    wallet: WireWallet,
    amount: String,
    hash: String,
    tx_secs: i64,
}

#[derive(Default)]
struct Ledger {
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
    /// Invoices created so far (the amount offset of the next is this + 1).
    seq: u64,
    /// Every invoice's `uid`.
    uids: HashSet<String>,
}

impl Ledger {
    /// By `id` or `uid`, else the newest invoice whose `serviceData.till_sale` it is.
    fn find(&self, id: &str) -> Option<usize> {
        self.invoices
            .iter()
            .position(|inv| inv.id == id || inv.uid == id)
            .or_else(|| self.invoices.iter().rposition(|inv| inv.till_sale.as_deref() == Some(id)))
    }
}

/// One of the project's wallets, with its fixed id and address.
#[derive(Clone, Debug)]
struct ProjectWallet {
    id: String,
    wallet: BitsbyWallet,
    address: String,
}

/// The simulated Bitsby account (one project).
pub(crate) struct Store {
    token: String,
    project_id: String,
    min_interval: Duration,
    wallets: Vec<ProjectWallet>,
    /// When the token's previous admitted request came.
    last_request: Mutex<Option<Instant>>,
    state: Mutex<Ledger>,
}

/// Why a control action failed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ControlError {
    NotFound,
    Conflict(String),
    BadRequest(String),
}

impl Store {
    pub(crate) fn new(opts: &BitsbyOptions) -> Self {
        let evm = evm::random();
        let tron = tron::Address::random().base58;
        let btc = btc::random_regtest();
        let wallets = opts
            .wallets
            .iter()
            .map(|w| ProjectWallet {
                id: crate::new_uuid(),
                address: match w.blockchain.as_str() {
                    "tron" => tron.clone(),
                    "bitcoin" => btc.clone(),
                    _ => evm.clone(),
                },
                wallet: w.clone(),
            })
            .collect();
        Self {
            token: opts.token.clone(),
            project_id: opts.project_id.clone(),
            min_interval: opts.min_interval,
            wallets,
            last_request: Mutex::new(None),
            state: Mutex::new(Ledger::default()),
        }
    }

    fn token_ok(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let Some((scheme, token)) = value.trim().split_once(' ') else {
            return false;
        };
        scheme.eq_ignore_ascii_case("token") && token.trim() == self.token
    }

    /// The rate limit: true if a request at `now` may be processed.
    fn admit(&self, now: Instant) -> bool {
        if self.min_interval.is_zero() {
            return true;
        }
        let mut last = lock(&self.last_request);
        match *last {
            Some(prev) if now.saturating_duration_since(prev) < self.min_interval => false,
            _ => {
                *last = Some(now);
                true
            }
        }
    }

    fn create(&self, req: CreateRequest, now_ms: i64) -> Result<WireCreated, String> {
        if req.project_id != self.project_id {
            return Err(MSG_PROJECT_NOT_FOUND.into());
        }
        if self.wallets.is_empty() {
            return Err(MSG_NO_WALLETS.into());
        }
        let mut st = lock(&self.state);
        let idx = self.insert(&mut st, req, now_ms);
        st.invoices.get(idx).map(Invoice::created).ok_or_else(|| MSG_INVOICE_NOT_FOUND.to_owned())
    }

    /// Stores the invoice of a validated create request for the project at
    /// `now_ms`; its index.
    fn insert(&self, st: &mut Ledger, req: CreateRequest, now_ms: i64) -> usize {
        let (num, den) = usd_per_fiat(req.currency);
        let usd8 = div_round(req.amount_cents * 1_000_000 * num, den);
        let created_secs = now_ms.div_euclid(1000);
        let till_sale = req.service_data.as_deref().and_then(|s| {
            let value: Value = serde_json::from_str(s).ok()?;
            value.get("till_sale")?.as_str().map(str::to_owned)
        });
        st.seq += 1;
        let seq = u128::from(st.seq);
        let mut uid = new_uid();
        while st.uids.contains(&uid) {
            uid = new_uid();
        }
        st.uids.insert(uid.clone());
        let invoice = Invoice {
            id: crate::new_uuid(),
            uid,
            project_id: self.project_id.clone(),
            created_secs,
            expires_secs: created_secs.saturating_add(req.time_to_pay_secs),
            amount_cents: req.amount_cents,
            currency: req.currency,
            amount_usd_cents: div_round(req.amount_cents * num, den),
            description: req.description,
            service_data: req.service_data,
            till_sale,
            views: 0,
            status: Status::Unpaid,
            wallets: self
                .wallets
                .iter()
                .map(|pw| WireWallet {
                    id: pw.id.clone(),
                    name: pw.wallet.name.clone(),
                    blockchain: pw.wallet.blockchain.clone(),
                    cryptocurrency: pw.wallet.cryptocurrency.clone(),
                    address: pw.address.clone(),
                    amount_crypto: fmt8(amount_crypto(&pw.wallet.cryptocurrency, usd8, seq)),
                })
                .collect(),
        };
        st.invoices.push(invoice);
        st.invoices.len() - 1
    }

    /// `POST /_sandbox/bitsby/seed` (seed.rs): invoices of the project as
    /// till's create would make them (`description` `Sale <reference>`,
    /// `serviceData` `{"terminal","till_sale"}` as JSON text), payable
    /// `expire_minutes` (any length, not only the `timeToPay` choices), with
    /// every wallet of the project; `method` must be one of them. `id` is
    /// the invoice's `id` (what `/invoices/list` `invoiceId` takes).
    pub(crate) fn seed(&self, spec: &crate::seed::Spec) -> Result<Vec<crate::seed::Seeded>, crate::seed::SeedError> {
        use crate::seed::{SeedError, Seeded};
        let have = |blockchain: &str, coin: &str| {
            self.wallets.iter().any(|w| w.wallet.blockchain == blockchain && w.wallet.cryptocurrency == coin)
        };
        let ok_method = match spec.method.as_str() {
            "usdt-tron" => have("tron", "usdt"),
            "usdt-bsc" => have("bnbSmartChain", "usdt"),
            "usdt-ethereum" => have("ethereum", "usdt"),
            "eth" => have("ethereum", "eth"),
            "btc" => have("bitcoin", "btc"),
            _ => false,
        };
        if !ok_method {
            let names: Vec<&str> = self.wallets.iter().map(|w| w.wallet.name.as_str()).collect();
            return Err(SeedError::method(&spec.method, &format!("the project's wallets: {}", names.join(", "))));
        }
        let requests = spec
            .references
            .iter()
            .map(|reference| {
                let service_data = json!({ "till_sale": reference, "terminal": spec.terminal }).to_string();
                let form = Form(HashMap::from([
                    ("projectId".to_owned(), self.project_id.clone()),
                    ("amountFiat".to_owned(), spec.amount.clone()),
                    ("currencyFiat".to_owned(), spec.currency.clone()),
                    ("description".to_owned(), format!("Sale {reference}")),
                    ("serviceData".to_owned(), service_data),
                    // Any accepted value: the seed's own expiry replaces it.
                    ("timeToPay".to_owned(), "0.5".to_owned()),
                ]));
                let mut req = CreateRequest::parse(&form).map_err(|why| SeedError::refused(reference, why))?;
                req.time_to_pay_secs = spec.expire_ms() / 1000;
                Ok((reference, req))
            })
            .collect::<Result<Vec<_>, SeedError>>()?;
        if self.wallets.is_empty() {
            return Err(SeedError::bad(MSG_NO_WALLETS));
        }
        let now = now_ms();
        let mut st = lock(&self.state);
        let seeded = requests
            .into_iter()
            .filter_map(|(reference, req)| {
                let idx = self.insert(&mut st, req, now);
                let inv = st.invoices.get(idx)?;
                Some(Seeded {
                    id: inv.id.clone(),
                    reference: reference.clone(),
                    created_at: crate::time::iso8601_ms(inv.created_secs.saturating_mul(1000)),
                    expires_at: crate::time::iso8601_ms(inv.expires_secs.saturating_mul(1000)),
                })
            })
            .collect();
        Ok(seeded)
    }

    fn list(&self, q: &ListQuery, now_ms: i64) -> Vec<WireItem> {
        let st = lock(&self.state);
        st.invoices
            .iter()
            .rev()
            .filter(|inv| q.matches(inv, now_ms))
            .skip(q.offset)
            .take(q.limit)
            .map(|inv| inv.item(now_ms))
            .collect()
    }

    fn cancel(&self, invoice_id: &str, now_ms: i64) -> Result<WireItem, String> {
        let mut st = lock(&self.state);
        let inv = st.invoices.iter_mut().find(|inv| inv.id == invoice_id).ok_or(MSG_INVOICE_NOT_FOUND)?;
        match inv.status_at(now_ms) {
            Status::Unpaid if inv.views > 0 => Err(MSG_CANCEL_VIEWED.into()),
            Status::Unpaid => {
                inv.status = Status::Canceled;
                Ok(inv.item(now_ms))
            }
            other => Err(format!("The invoice cannot be canceled: it is {}", other.wire())),
        }
    }

    fn payments(&self, q: &PaymentsQuery, now_ms: i64) -> Vec<WirePayment> {
        let st = lock(&self.state);
        st.payments
            .iter()
            .rev()
            .filter(|p| {
                let day = date(p.tx_secs);
                let invoice_id = st.invoices.get(p.invoice).map(|inv| inv.id.as_str());
                q.wallet_id.as_deref().is_none_or(|w| w == p.wallet.id)
                    && q.invoice_id.as_deref().is_none_or(|id| Some(id) == invoice_id)
                    && q.start.as_deref().is_none_or(|s| day.as_str() >= s)
                    && q.end.as_deref().is_none_or(|e| day.as_str() <= e)
            })
            .skip(q.offset)
            .take(q.limit)
            .filter_map(|p| {
                let invoice = st.invoices.get(p.invoice)?.item(now_ms);
                Some(WirePayment {
                    id: p.id.clone(),
                    amount: p.amount.clone(),
                    hash: p.hash.clone(),
                    transaction_datetime: datetime(p.tx_secs),
                    invoice,
                    wallet: WirePaymentWallet {
                        id: p.wallet.id.clone(),
                        name: p.wallet.name.clone(),
                        blockchain: p.wallet.blockchain.clone(),
                        cryptocurrency: p.wallet.cryptocurrency.clone(),
                        address: p.wallet.address.clone(),
                    },
                })
            })
            .collect()
    }

    // -- control API ---------------------------------------------------------

    /// Every invoice, list-item shape, in creation order.
    fn all(&self, now_ms: i64) -> Vec<WireItem> {
        lock(&self.state).invoices.iter().map(|inv| inv.item(now_ms)).collect()
    }

    /// Applies a control action at `now` (epoch ms).
    fn act(&self, id: &str, action: &Action, now_ms: i64) -> Result<WireItem, ControlError> {
        let mut st = lock(&self.state);
        let idx = st.find(id).ok_or(ControlError::NotFound)?;
        let inv = st.invoices.get_mut(idx).ok_or(ControlError::NotFound)?;
        let status = inv.status_at(now_ms);
        let needs_open = matches!(action, Action::Pay(_) | Action::Expire | Action::Cancel);
        if needs_open && !status.is_open() {
            return Err(ControlError::Conflict(format!("the invoice is {}", status.wire())));
        }
        let mut payment = None;
        match action {
            Action::Pay(choice) => {
                let wallet = match choice {
                    None => inv.wallets.first(),
                    Some(choice) => {
                        inv.wallets.iter().find(|w| format!("{}/{}", w.blockchain, w.cryptocurrency) == *choice)
                    }
                };
                let Some(wallet) = wallet.cloned() else {
                    let have: Vec<String> =
                        inv.wallets.iter().map(|w| format!("{}/{}", w.blockchain, w.cryptocurrency)).collect();
                    return Err(ControlError::BadRequest(format!(
                        "this invoice has no wallet {}; it has: {}",
                        choice.as_deref().unwrap_or("at all"),
                        have.join(", ")
                    )));
                };
                inv.status = Status::Paid;
                payment = Some(Payment {
                    id: crate::new_uuid(),
                    invoice: idx,
                    hash: new_tx_hash(&wallet.blockchain),
                    amount: wallet.amount_crypto.clone(),
                    wallet,
                    tx_secs: now_ms.div_euclid(1000),
                });
            }
            Action::Expire => inv.status = Status::Expired,
            Action::Cancel => inv.status = Status::Canceled,
            Action::View => inv.views += 1,
            Action::Weird => inv.status = Status::Refunded,
        }
        let item = inv.item(now_ms);
        st.payments.extend(payment);
        Ok(item)
    }
}

/// A control action (CONTROL.md § Invoice actions) in Bitsby's terms.
#[derive(Debug, PartialEq, Eq)]
enum Action {
    /// `Some("<blockchain>/<cryptocurrency>")`, or the first wallet.
    Pay(Option<String>),
    Expire,
    Cancel,
    View,
    Weird,
}

impl Action {
    fn parse(name: &str, body: &Bytes) -> Result<Self, ControlError> {
        match name {
            "pay" => pay_choice(body).map(Self::Pay).map_err(ControlError::BadRequest),
            "expire" => Ok(Self::Expire),
            "cancel" => Ok(Self::Cancel),
            "view" => Ok(Self::View),
            "weird" => Ok(Self::Weird),
            "partial" => {
                Err(ControlError::BadRequest("Bitsby cannot express `partial`: it matches only exact amounts".into()))
            }
            "seen" => Err(ControlError::BadRequest("Bitsby cannot express `seen`: it has no confirming state".into())),
            other => Err(ControlError::BadRequest(format!("unknown action `{other}`"))),
        }
    }
}

/// The optional pay body `{"wallet":"<blockchain>/<cryptocurrency>"}`.
fn pay_choice(body: &Bytes) -> Result<Option<String>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(obj)) => match obj.get("wallet") {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err("wallet must be a string \"<blockchain>/<cryptocurrency>\"".into()),
        },
        Ok(_) => Err("the body must be a JSON object".into()),
        Err(e) => Err(format!("malformed JSON: {e}")),
    }
}

// ---------------------------------------------------------------------------
// Requests.

/// A multipart form's text fields; an empty value counts as absent.
struct Form(HashMap<String, String>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name).ok_or_else(|| format!("{name} is required"))
    }

    fn date(&self, name: &str) -> Result<Option<String>, String> {
        self.get(name)
            .map(|v| parse_date(v).ok_or_else(|| format!("{name} is invalid: a date Y-m-d, e.g. 2024-02-29")))
            .transpose()
    }

    fn count(&self, name: &str, default: usize, range: std::ops::RangeInclusive<usize>) -> Result<usize, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| format!("{name} is invalid: an integer from {} to {}", range.start(), range.end())),
        }
    }
}

/// Reads the multipart form; a request without a body is an empty form.
async fn read_form(req: Request) -> Result<Form, String> {
    let mut form = HashMap::new();
    if !req.headers().contains_key(header::CONTENT_TYPE) {
        let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.map_err(|_| MSG_NOT_MULTIPART)?;
        return if body.is_empty() { Ok(Form(form)) } else { Err(MSG_NOT_MULTIPART.into()) };
    }
    let mut multipart = Multipart::from_request(req, &()).await.map_err(|_| MSG_NOT_MULTIPART)?;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return Err(format!("Malformed multipart body: {e}")),
        };
        let name = field.name().map(str::to_owned);
        let text = field.text().await.map_err(|e| format!("Malformed multipart body: {e}"))?;
        if let Some(name) = name {
            // Repeated names: the last one wins, as in PHP's $_POST.
            form.insert(name, text);
        }
    }
    Ok(Form(form))
}

/// A validated create request (§ Create invoice › Request parameters).
struct CreateRequest {
    project_id: String,
    amount_cents: u128,
    currency: &'static str,
    description: Option<String>,
    service_data: Option<String>,
    time_to_pay_secs: i64,
}

impl CreateRequest {
    fn parse(form: &Form) -> Result<Self, String> {
        let project_id = form.required("projectId")?.to_owned();
        let amount_cents = parse_cents(form.required("amountFiat")?)
            .ok_or("amountFiat is invalid: a number greater than 0 with at most 2 decimals, e.g. 10.55")?;
        let currency = match form.required("currencyFiat")? {
            "USD" => "USD",
            "EUR" => "EUR",
            "RUB" => "RUB",
            _ => return Err("currencyFiat is invalid: one of USD, EUR, RUB".into()),
        };
        let time_to_pay_secs = parse_time_to_pay(form.required("timeToPay")?)
            .ok_or("timeToPay is invalid: one of 0.5, 1, 3, 6, 12 (hours)")?;
        Ok(Self {
            project_id,
            amount_cents,
            currency,
            description: form.get("description").map(str::to_owned),
            service_data: form.get("serviceData").map(str::to_owned),
            time_to_pay_secs,
        })
    }
}

/// `/invoices/list` parameters (§ Query status).
struct ListQuery {
    invoice_id: Option<String>,
    invoice_uid: Option<String>,
    project_id: Option<String>,
    start: Option<String>,
    end: Option<String>,
    status: Option<&'static str>,
    offset: usize,
    limit: usize,
}

impl ListQuery {
    fn parse(form: &Form) -> Result<Self, String> {
        let status = match form.get("status") {
            None => None,
            Some(s) => Some(
                [Status::Unpaid, Status::Canceled, Status::Paid, Status::Expired]
                    .into_iter()
                    .map(Status::wire)
                    .find(|w| *w == s)
                    .ok_or("status is invalid: one of unpaid, canceled, paid, expired")?,
            ),
        };
        Ok(Self {
            invoice_id: form.get("invoiceId").map(str::to_owned),
            invoice_uid: form.get("invoiceUid").map(str::to_owned),
            project_id: form.get("projectId").map(str::to_owned),
            start: form.date("startDate")?,
            end: form.date("endDate")?,
            status,
            offset: form.count("offset", 0, 0..=usize::MAX)?,
            limit: form.count("limit", DEFAULT_LIMIT, 1..=MAX_LIMIT)?,
        })
    }

    fn matches(&self, inv: &Invoice, now_ms: i64) -> bool {
        let dated = || {
            let day = date(inv.created_secs);
            self.start.as_deref().is_none_or(|s| day.as_str() >= s)
                && self.end.as_deref().is_none_or(|e| day.as_str() <= e)
        };
        self.invoice_id.as_deref().is_none_or(|id| id == inv.id)
            && self.invoice_uid.as_deref().is_none_or(|uid| uid == inv.uid)
            && self.project_id.as_deref().is_none_or(|p| p == inv.project_id)
            && self.status.is_none_or(|s| s == inv.status_at(now_ms).wire())
            && ((self.start.is_none() && self.end.is_none()) || dated())
    }
}

/// `/payments/list` parameters (§ Query status › Payments).
struct PaymentsQuery {
    wallet_id: Option<String>,
    invoice_id: Option<String>,
    start: Option<String>,
    end: Option<String>,
    offset: usize,
    limit: usize,
}

impl PaymentsQuery {
    fn parse(form: &Form) -> Result<Self, String> {
        Ok(Self {
            wallet_id: form.get("walletId").map(str::to_owned),
            invoice_id: form.get("invoiceId").map(str::to_owned),
            start: form.date("startDate")?,
            end: form.date("endDate")?,
            offset: form.count("offset", 0, 0..=usize::MAX)?,
            limit: form.count("limit", DEFAULT_LIMIT, 1..=MAX_LIMIT)?,
        })
    }
}

// ---------------------------------------------------------------------------
// HTTP.

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/invoices/create", post(create))
        .route("/invoices/list", post(list))
        .route("/invoices/cancel", post(cancel))
        .route("/payments/list", post(payments))
        .route("/_sandbox/bitsby/invoices", get(control_list))
        .route("/_sandbox/bitsby/invoices/{id}/{action}", post(control_action))
}

/// The envelope as JSON text, every `/` written `\/` (as PHP's json_encode
/// and the doc's sample do; `/` only occurs inside strings, where `\/` is a
/// valid escape of it).
fn envelope<T: Serialize>(status: StatusCode, result: &'static str, data: T) -> Response {
    let text = serde_json::to_string(&Envelope { result, data })
        .unwrap_or_else(|_| r#"{"result":"error","data":"internal error"}"#.to_owned());
    (status, [(header::CONTENT_TYPE, "application/json")], text.replace('/', "\\/")).into_response()
}

fn success<T: Serialize>(data: T) -> Response {
    envelope(StatusCode::OK, "success", data)
}

fn error(message: &str) -> Response {
    envelope(StatusCode::OK, "error", message)
}

/// Auth, then the rate limit, then the form: what every gateway route does
/// first.
async fn admitted_form(shared: &AppState, req: Request) -> Result<Form, Response> {
    let store = &shared.bitsby;
    if !store.token_ok(req.headers()) {
        return Err(envelope(StatusCode::UNAUTHORIZED, "error", MSG_INVALID_TOKEN));
    }
    if !store.admit(Instant::now()) {
        return Err(error(MSG_TOO_FREQUENT));
    }
    read_form(req).await.map_err(|msg| error(&msg))
}

/// `POST /invoices/create` (§ Create invoice).
async fn create(State(shared): State<AppState>, req: Request) -> Response {
    let form = match admitted_form(&shared, req).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match CreateRequest::parse(&form).and_then(|req| shared.bitsby.create(req, now_ms())) {
        Ok(created) => success(created),
        Err(msg) => error(&msg),
    }
}

/// `POST /invoices/list` (§ Query status).
async fn list(State(shared): State<AppState>, req: Request) -> Response {
    let form = match admitted_form(&shared, req).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match ListQuery::parse(&form) {
        Ok(q) => success(shared.bitsby.list(&q, now_ms())),
        Err(msg) => error(&msg),
    }
}

/// `POST /invoices/cancel` (§ Cancel).
async fn cancel(State(shared): State<AppState>, req: Request) -> Response {
    let form = match admitted_form(&shared, req).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match form.required("invoiceId").and_then(|id| shared.bitsby.cancel(id, now_ms())) {
        Ok(item) => success(item),
        Err(msg) => error(&msg),
    }
}

/// `POST /payments/list` (§ Query status › Payments).
async fn payments(State(shared): State<AppState>, req: Request) -> Response {
    let form = match admitted_form(&shared, req).await {
        Ok(form) => form,
        Err(answer) => return answer,
    };
    match PaymentsQuery::parse(&form) {
        Ok(q) => success(shared.bitsby.payments(&q, now_ms())),
        Err(msg) => error(&msg),
    }
}

// -- control ------------------------------------------------------------------

fn control_fail(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

/// `GET /_sandbox/bitsby/invoices`.
async fn control_list(State(shared): State<AppState>) -> Response {
    axum::Json(shared.bitsby.all(now_ms())).into_response()
}

/// `POST /_sandbox/bitsby/invoices/{id}/{action}`: `{id}` is an invoice `id`,
/// its `uid`, or `serviceData.till_sale`. pay (body `{"wallet":
/// "<blockchain>/<cryptocurrency>"}`, default the first wallet) → `paid` and a
/// payment of exactly that wallet's `amountCrypto`; expire → `expired`;
/// cancel → `canceled` (whatever `views`); view → `views` + 1; weird →
/// `refunded`; partial, seen → 400. pay, expire, cancel of a final invoice → 409.
async fn control_action(
    State(shared): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let result = Action::parse(&action, &body).and_then(|action| shared.bitsby.act(&id, &action, now_ms()));
    match result {
        Ok(item) => axum::Json(item).into_response(),
        Err(ControlError::NotFound) => control_fail(StatusCode::NOT_FOUND, "no such invoice"),
        Err(ControlError::Conflict(msg)) => control_fail(StatusCode::CONFLICT, &msg),
        Err(ControlError::BadRequest(msg)) => control_fail(StatusCode::BAD_REQUEST, &msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Store {
        Store::new(&BitsbyOptions { min_interval: Duration::ZERO, ..BitsbyOptions::default() })
    }

    fn request(amount_cents: u128, currency: &'static str, hours_secs: i64) -> CreateRequest {
        CreateRequest {
            project_id: DEMO_BITSBY_PROJECT_ID.into(),
            amount_cents,
            currency,
            description: None,
            service_data: Some(r#"{"till_sale":"sale-1","terminal":"t1"}"#.into()),
            time_to_pay_secs: hours_secs,
        }
    }

    #[test]
    fn amounts_at_the_fixed_rates() {
        // 10.55 EUR = 11.394 USD.
        let usd8 = div_round(1055 * 1_000_000 * 108, 100);
        assert_eq!(usd8, 1_139_400_000);
        assert_eq!(fmt8(amount_crypto("usdt", usd8, 1)), "11.39400100");
        assert_eq!(fmt8(amount_crypto("eth", usd8, 1)), "0.00325544");
        assert_eq!(fmt8(amount_crypto("btc", usd8, 2)), "0.00018992");
        assert_eq!(fmt2(div_round(1055 * 108, 100)), "11.39");
        assert_eq!(fmt2(div_round(10_000, 100)), "1.00");
    }

    #[test]
    fn parsers() {
        assert_eq!(parse_cents("10.55"), Some(1055));
        assert_eq!(parse_cents("10.5"), Some(1050));
        assert_eq!(parse_cents("7"), Some(700));
        for bad in ["0", "0.00", "10.555", "-1", "1e3", "", ".5", "5.", "1,5", "abc", "1234567890123"] {
            assert_eq!(parse_cents(bad), None, "{bad:?}");
        }
        assert_eq!(parse_time_to_pay("0.5"), Some(1800));
        assert_eq!(parse_time_to_pay("1"), Some(3600));
        assert_eq!(parse_time_to_pay("1.0"), Some(3600));
        assert_eq!(parse_time_to_pay("12"), Some(43_200));
        for bad in ["2", "0", "1.5", "24", "", "x", ".5", "0.25", "-1", "99999999999999999999"] {
            assert_eq!(parse_time_to_pay(bad), None, "{bad:?}");
        }
        assert_eq!(parse_date("2024-02-29").as_deref(), Some("2024-02-29"));
        for bad in ["2024-2-29", "2024-13-01", "2024-00-10", "24-02-29", "2024-02-29-1", "2024/02/29", ""] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
        assert_eq!(datetime(1_709_220_024), "2024-02-29 15:20:24");
        assert_eq!(date(1_709_220_024), "2024-02-29");
        let uid = new_uid();
        assert!(uid.len() == 12 && uid.bytes().all(|b| b.is_ascii_alphanumeric()), "{uid}");
    }

    #[test]
    fn unpaid_invoices_expire_by_themselves() {
        let s = store();
        let now = 1_709_220_024_000;
        let created = s.create(request(1000, "USD", 3600), now).expect("created");
        assert_eq!(created.time_to_pay_datetime, "2024-02-29 16:20:24");
        let end = now + 3_600_000;
        let q = ListQuery {
            invoice_id: None,
            invoice_uid: None,
            project_id: None,
            start: None,
            end: None,
            status: None,
            offset: 0,
            limit: 10,
        };
        assert_eq!(s.list(&q, end - 1)[0].status, "unpaid");
        assert_eq!(s.list(&q, end)[0].status, "expired");
        assert_eq!(
            s.cancel(&created.id, end).map(|i| i.status),
            Err("The invoice cannot be canceled: it is expired".into())
        );
        assert!(matches!(s.act("sale-1", &Action::Pay(None), end), Err(ControlError::Conflict(_))));
        // Still open just before.
        assert_eq!(s.act("sale-1", &Action::Pay(None), end - 1).map(|i| i.status), Ok("paid"));
        assert_eq!(s.list(&q, end + 1)[0].status, "paid");
    }

    #[test]
    fn rate_limit() {
        let s = Store::new(&BitsbyOptions { min_interval: Duration::from_millis(100), ..BitsbyOptions::default() });
        let t0 = Instant::now();
        assert!(s.admit(t0));
        assert!(!s.admit(t0 + Duration::from_millis(99)));
        assert!(s.admit(t0 + Duration::from_millis(100)), "refused requests do not restart the wait");
        let unlimited = store();
        assert!(unlimited.admit(t0) && unlimited.admit(t0));
    }
}
