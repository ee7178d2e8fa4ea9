//! Bitsby, wire-faithful to shared/providers/bitsby.md.
//!
//! `Authorization: Token …`; every call a multipart form; every answer the
//! envelope `{"result":"success"|"error","data":…}` (check `result`, not the
//! HTTP code). At most one request per second per key, every call counting.
//! An invoice lists the merchant's wallets: each is a method, and the cashier
//! may switch between them while the invoice is open.

use super::answer;
use super::error::GatewayError;
use super::http::{Body, Http, HttpSettings, Reply};
use super::json::{self, Fields};
use super::verify::{self, Networks};
use super::{BoxFuture, CreateRequest, Gateway};
use crate::clock::SharedClock;
use crate::core::invoice::{Choice, CryptoAmount, Invoice, Payload, PayloadKind, Reference, StatusPage, StatusReport};
use crate::core::method::{self, MethodId, PaymentMethod, ProviderId};
use crate::core::money::{Currency, Money};
use crate::core::schedule::{Limits, Rate};
use crate::core::status::Status;
use crate::secret::Secret;
use jiff::Timestamp;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use rust_decimal::Decimal;
use serde_json::Value;
use std::time::Duration;

const P: ProviderId = ProviderId::Bitsby;

/// The request limits kept at Bitsby: 1 request a second per key, every call
/// counting; `/invoices/list` pages (batch polling).
pub const LIMITS: Limits = Limits { gateway: Rate::per_second(1), per_invoice: None, batch: true };

pub const DEFAULT_BASE_URL: &str = "https://api.bitsby.app";
/// Bitsby's limit: one request per second per key (bitsby.md § Errors and limits).
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_secs(1);
/// `timeToPay` values Bitsby accepts, in hours.
pub const TIME_TO_PAY: &[&str] = &["0.5", "1", "3", "6", "12"];
/// The currencies Bitsby prices in.
pub const CURRENCIES: &[&str] = &["USD", "EUR", "RUB"];

/// How many times a create is sent in all.
const CREATE_ATTEMPTS: u32 = 4;
/// Items asked per `/invoices/list` page.
const PAGE: usize = 50;

/// `[providers.bitsby]`, resolved.
#[derive(Clone, Debug)]
pub struct BitsbyConfig {
    pub base_url: String,
    pub token: Secret,
    pub project_id: String,
    /// `timeToPay`, one of `TIME_TO_PAY`.
    pub time_to_pay_hours: String,
    pub methods: Vec<MethodId>,
    /// `[shop] terminal`, carried in `serviceData`.
    pub terminal: String,
    pub currency: Currency,
    /// Which Bitcoin networks addresses may be for.
    pub networks: Networks,
    /// The least time between two requests on this key: the HTTP client's
    /// pace keeps to it (and to the poll limits' spacing, whichever is longer).
    pub min_interval: Duration,
}

/// The till method a wallet serves, from `blockchain` + `cryptocurrency`
/// (bitsby.md § Mapping to till); `None`: not offered.
pub fn wallet_method(blockchain: &str, cryptocurrency: &str) -> Option<MethodId> {
    match (blockchain, cryptocurrency) {
        ("tron", "usdt") => Some(MethodId::UsdtTron),
        ("bnbSmartChain", "usdt") => Some(MethodId::UsdtBsc),
        ("ethereum", "usdt") => Some(MethodId::UsdtEthereum),
        ("ethereum", "eth") => Some(MethodId::Eth),
        ("bitcoin", "btc") => Some(MethodId::Btc),
        _ => None,
    }
}

/// `serviceData`: our reference and the terminal, as JSON text.
pub fn service_data(reference: &Reference, terminal: &str) -> String {
    serde_json::json!({ "till_sale": reference.as_str(), "terminal": terminal }).to_string()
}

/// Whether a list item's `serviceData` carries our reference.
pub fn carries(item: &Value, reference: &Reference) -> bool {
    item.get("serviceData")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| v.get("till_sale").and_then(Value::as_str).map(|r| r == reference.as_str()))
        .unwrap_or(false)
}

// ---- pure parsing of Bitsby answers

/// Unwraps the envelope: `data` on success, the message as an error.
pub fn data_of(reply: &Reply) -> Result<Value, GatewayError> {
    let v = match json::parse(P, &reply.body) {
        Ok(v) => v,
        Err(_) if reply.status >= 500 => return Err(GatewayError::Http { provider: P, status: reply.status }),
        Err(_) if reply.status == 401 || reply.status == 403 => return Err(GatewayError::Credentials { provider: P }),
        Err(e) => return Err(e),
    };
    match v.get("result").and_then(Value::as_str) {
        Some("success") => Ok(v.get("data").cloned().unwrap_or(Value::Null)),
        Some("error") => {
            let message = match v.get("data") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => "(no message)".into(),
            };
            let message: String = message.chars().take(200).collect();
            Err(if message.eq_ignore_ascii_case("Requests too frequent") {
                GatewayError::RateLimited { provider: P, retry_after: Some(Duration::from_secs(1)) }
            } else if reply.status == 401 || reply.status == 403 || message.to_ascii_lowercase().contains("token") {
                GatewayError::Credentials { provider: P }
            } else {
                GatewayError::Refused { provider: P, message }
            })
        }
        _ if reply.status >= 500 => Err(GatewayError::Http { provider: P, status: reply.status }),
        _ => Err(GatewayError::protocol(P, "result", "neither success nor error")),
    }
}

/// The normalized status of a list item (bitsby.md § Mapping to till).
pub fn derive_status(item: &Value) -> (Status, String) {
    let status = item.get("status").and_then(Value::as_str);
    let raw = format!("status={}", status.unwrap_or("(missing)"));
    let state = match status {
        Some("unpaid") => Status::Pending,
        Some("paid") => Status::Paid,
        Some("expired") => Status::Expired,
        Some("canceled") => Status::Canceled,
        _ => Status::Unknown(raw.clone()),
    };
    (state, raw)
}

/// A wallet as a verified choice; `None` for a wallet till does not offer.
fn choice(wallet: &Value, networks: Networks, page: Option<&str>) -> Option<Result<Choice, GatewayError>> {
    let f = Fields::new(P, "data.wallets[].", wallet);
    let method = wallet_method(f.str("blockchain").ok()?, f.str("cryptocurrency").ok()?)?;
    Some((|| {
        let amount = f.decimal("amountCrypto")?;
        let unverified = |error| GatewayError::Unverified { provider: P, error };
        verify::positive(&amount).map_err(unverified)?;
        let payload = match f.opt_str("address")? {
            Some(address) => match method {
                MethodId::UsdtTron => {
                    verify::tron_address(address).map_err(unverified)?;
                    Payload { kind: PayloadKind::Address, qr: address.to_string(), text: address.to_string() }
                }
                MethodId::Btc => {
                    verify::bitcoin_address(address, networks).map_err(unverified)?;
                    let qr = verify::bip21(address, &amount);
                    Payload { kind: PayloadKind::Bitcoin, qr, text: address.to_string() }
                }
                _ => {
                    verify::evm_address(address).map_err(unverified)?;
                    Payload { kind: PayloadKind::Address, qr: address.to_string(), text: address.to_string() }
                }
            },
            // The hosted page, only when the wallet has no address.
            None => {
                let url = page.ok_or_else(|| GatewayError::protocol(P, "data.url", "missing"))?;
                verify::page_url(url).map_err(unverified)?;
                Payload { kind: PayloadKind::Page, qr: url.to_string(), text: url.to_string() }
            }
        };
        Ok(Choice { method, crypto: Some(CryptoAmount { amount, unit: method.unit().into() }), payload })
    })())
}

/// Turns a created invoice into a verified invoice showing the wallet for
/// `request.method`, with the other offered wallets as choices.
pub fn invoice_from(
    data: &Value,
    request: &CreateRequest,
    offered: &[MethodId],
    networks: Networks,
) -> Result<Invoice, GatewayError> {
    let f = Fields::new(P, "data.", data);
    let id = f.str("id")?.to_string();
    let created_at = f.utc_naive("createDatetime")?;
    let expires_at = f.utc_naive("timeToPayDatetime")?;
    let page = f.opt_str("url")?;
    let wallets = match f.get("wallets") {
        Some(Value::Array(w)) => w,
        _ => return Err(GatewayError::protocol(P, "data.wallets", "expected a list")),
    };
    let mut main = None;
    let mut choices = Vec::new();
    let mut present = Vec::new();
    for wallet in wallets {
        let Some(result) = choice(wallet, networks, page) else { continue };
        match result {
            Ok(c) if c.method == request.method && main.is_none() => {
                present.push(c.method);
                main = Some(c);
            }
            Ok(c) if offered.contains(&c.method) && !present.contains(&c.method) => {
                present.push(c.method);
                choices.push(c);
            }
            Ok(_) => {}
            // The chosen wallet failing its check is a refusal; another one is dropped.
            Err(e) if wallet_method_of(wallet) == Some(request.method) => return Err(e),
            Err(e) => tracing::warn!(provider = "bitsby", error = %e, "a wallet failed the till's checks: not offered"),
        }
    }
    let Some(main) = main else {
        let mut all: Vec<MethodId> = wallets.iter().filter_map(wallet_method_of).collect();
        all.dedup();
        return Err(GatewayError::Refused {
            provider: P,
            message: format!(
                "Bitsby returned no {} wallet; this project has: {}",
                request.method.id(),
                if all.is_empty() { "none till can use".to_string() } else { method::list(&all) }
            ),
        });
    };
    Ok(Invoice {
        id,
        reference: request.reference.clone(),
        method: PaymentMethod::new(P, main.method),
        fiat: request.amount.clone(),
        crypto: main.crypto,
        payload: main.payload,
        created_at,
        expires_at,
        status: Status::Pending,
        received: None,
        choices,
    })
}

fn wallet_method_of(wallet: &Value) -> Option<MethodId> {
    wallet_method(wallet.get("blockchain")?.as_str()?, wallet.get("cryptocurrency")?.as_str()?)
}

/// `amountFiat`: decimal text with at most 2 decimals.
pub fn amount_fiat(amount: &Decimal) -> Result<String, GatewayError> {
    if amount.normalize().scale() > 2 {
        return Err(GatewayError::Refused { provider: P, message: "amounts have at most 2 decimals".into() });
    }
    Ok(amount.round_dp(2).to_string())
}

// ---- the adapter

pub struct Bitsby {
    cfg: BitsbyConfig,
    http: Http,
    clock: SharedClock,
}

impl Bitsby {
    pub fn new(cfg: BitsbyConfig, mut settings: HttpSettings, clock: SharedClock) -> Result<Bitsby, GatewayError> {
        // One pace for the key: the longer of the configured interval and
        // the poll limits' spacing.
        settings.every = Some(settings.every.map_or(cfg.min_interval, |every| every.max(cfg.min_interval)));
        let http = Http::new(P, &cfg.base_url, &[&cfg.token], settings)?;
        Ok(Bitsby { http, cfg, clock })
    }

    /// One paced call; a "too frequent" answer pushes the next turn back.
    async fn call(&self, path: &str, fields: &[(&'static str, String)]) -> Result<Value, GatewayError> {
        let mut h = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Token {}", self.cfg.token.expose()))
            .map_err(|_| GatewayError::protocol(P, "token", "not usable in a header"))?;
        auth.set_sensitive(true);
        h.insert(AUTHORIZATION, auth);
        let r = self.http.exchange(path, h, Body::Form(fields), data_of).await;
        if let Err(GatewayError::RateLimited { retry_after, .. }) = &r {
            self.http.back_off(retry_after.unwrap_or(Duration::from_secs(1))).await;
        }
        r
    }

    /// The report of a listed invoice; for a paid one, the transaction from
    /// `/payments/list`.
    async fn report(&self, item: &Value, invoice: &Invoice) -> StatusReport {
        let (status, raw) = derive_status(item);
        let (received, tx_id) = if status == Status::Paid {
            (Some(Money::new(invoice.fiat.amount, invoice.fiat.currency.clone())), self.payment(&invoice.id).await)
        } else {
            (None, None)
        };
        StatusReport { status, raw, received, tx_id }
    }

    /// A call that is safe to repeat, repeated on transient errors.
    async fn call_retrying(&self, path: &str, fields: &[(&'static str, String)]) -> Result<Value, GatewayError> {
        self.http.retrying(|| self.call(path, fields)).await
    }

    /// List items, paged, for these filters.
    async fn list(&self, filters: &[(&'static str, String)]) -> Result<Vec<Value>, GatewayError> {
        let mut items = Vec::new();
        for page in 0..20 {
            let mut fields = filters.to_vec();
            fields.push(("offset", (page * PAGE).to_string()));
            fields.push(("limit", PAGE.to_string()));
            let data = self.call_retrying("/invoices/list", &fields).await?;
            let Value::Array(batch) = data else {
                return Err(GatewayError::protocol(P, "data", "expected a list"));
            };
            let n = batch.len();
            items.extend(batch);
            if n < PAGE {
                break;
            }
        }
        Ok(items)
    }

    /// Today's invoice carrying our reference, if Bitsby has one (not canceled).
    async fn look_up(&self, reference: &Reference, sent: Timestamp) -> Result<Option<Value>, GatewayError> {
        let day = sent.to_zoned(jiff::tz::TimeZone::UTC).date();
        let next = day.tomorrow().unwrap_or(day);
        let items = self
            .list(&[
                ("projectId", self.cfg.project_id.clone()),
                ("startDate", day.to_string()),
                ("endDate", next.to_string()),
            ])
            .await?;
        Ok(items
            .into_iter()
            .find(|i| carries(i, reference) && i.get("status").and_then(Value::as_str) != Some("canceled")))
    }

    async fn cancel_id(&self, id: &str) -> Result<(), GatewayError> {
        match self.call_retrying("/invoices/cancel", &[("invoiceId", id.to_string())]).await {
            Ok(_) => Ok(()),
            Err(GatewayError::Refused { message, .. }) => {
                let views = self
                    .list(&[("invoiceId", id.to_string())])
                    .await
                    .ok()
                    .and_then(|items| items.into_iter().find(|i| i.get("id").and_then(Value::as_str) == Some(id)))
                    .and_then(|i| i.get("views").and_then(json::integer))
                    .unwrap_or(0);
                let message = if views > 0 {
                    "the customer opened the payment page; Bitsby no longer allows cancel. The till keeps watching the invoice".to_string()
                } else {
                    message
                };
                Err(GatewayError::Refused { provider: P, message })
            }
            Err(e) => Err(e),
        }
    }

    async fn create_invoice(&self, request: &CreateRequest) -> Result<Value, GatewayError> {
        let fields = [
            ("projectId", self.cfg.project_id.clone()),
            ("amountFiat", amount_fiat(&request.amount.amount)?),
            ("currencyFiat", self.cfg.currency.code().to_string()),
            ("description", format!("Sale {}", request.reference)),
            ("serviceData", service_data(&request.reference, &self.cfg.terminal)),
            ("timeToPay", self.cfg.time_to_pay_hours.clone()),
        ];
        let sent = self.clock.now();
        let mut look_first = request.retry;
        let mut attempt = 1;
        loop {
            if look_first {
                // README § What till does when a create times out: look for our reference first.
                if let Some(item) = self.look_up(&request.reference, sent).await? {
                    let id = item.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
                    if item.get("wallets").is_some() {
                        return Ok(item);
                    }
                    // The list shows no wallets, so the invoice cannot be shown:
                    // cancel it (nobody has seen its page) and make it again.
                    tracing::info!(provider = "bitsby", reference = %request.reference, %id, "create resolved: the invoice exists; replacing it to learn its wallets");
                    self.cancel_id(&id)
                        .await
                        .map_err(|e| GatewayError::OutcomeUnknown { provider: P, detail: e.to_string() })?;
                }
            }
            let error = match self.call("/invoices/create", &fields).await {
                Ok(data) => return Ok(data),
                Err(e) => e,
            };
            tracing::warn!(provider = "bitsby", attempt, error = %error, "create failed");
            if !error.is_transient() || attempt >= CREATE_ATTEMPTS {
                return Err(error);
            }
            // "Too frequent" has pushed the pace back already.
            if !matches!(error, GatewayError::RateLimited { .. }) {
                tokio::time::sleep(self.http.backoff(attempt, &error)).await;
            }
            look_first = error.maybe_processed();
            attempt += 1;
        }
    }

    /// The amount and hash of the payment that paid the invoice.
    async fn payment(&self, id: &str) -> Option<String> {
        let data = self.call_retrying("/payments/list", &[("invoiceId", id.to_string())]).await.ok()?;
        let first = data.as_array()?.first()?.clone();
        first.get("hash").and_then(Value::as_str).map(str::to_string)
    }
}

impl Gateway for Bitsby {
    fn provider(&self) -> ProviderId {
        P
    }

    fn methods(&self) -> Vec<MethodId> {
        self.cfg.methods.clone()
    }

    fn create<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        Box::pin(async move {
            let data = self.create_invoice(request).await?;
            match answer::vetted(
                P,
                &request.reference,
                invoice_from(&data, request, &self.cfg.methods, self.cfg.networks),
            ) {
                Ok(invoice) => Ok(invoice),
                Err(e) => {
                    // No orphan stays open: its page has no views yet.
                    if let Some(id) = data.get("id").and_then(Value::as_str)
                        && let Err(ce) = self.cancel_id(id).await
                    {
                        tracing::warn!(provider = "bitsby", %id, error = %ce, "could not cancel the refused invoice: it will expire");
                    }
                    Err(e)
                }
            }
        })
    }

    fn find<'a>(&'a self, _request: &'a CreateRequest) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        // The list shows no wallets, so a found invoice could not be shown
        // after a restart; the journal records the outcome as unknown.
        Box::pin(async move {
            Err(GatewayError::Unsupported { provider: P, what: "show an invoice found after a restart" })
        })
    }

    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        Box::pin(async move {
            let items = self.list(&[("invoiceId", invoice.id.clone())]).await?;
            let Some(item) = items.iter().find(|i| i.get("id").and_then(Value::as_str) == Some(invoice.id.as_str()))
            else {
                return Ok(answer::unknown("invoice not in the list"));
            };
            Ok(self.report(item, invoice).await)
        })
    }

    /// One `/invoices/list` page of the project (§ Query status › Batch
    /// polling): `startDate` the UTC date of the oldest invoice asked about,
    /// `endDate` the day after the newest, 50 a page; items matched by `id`.
    fn status_page<'a>(
        &'a self,
        invoices: &'a [Invoice],
        page: u32,
    ) -> BoxFuture<'a, Result<StatusPage, GatewayError>> {
        Box::pin(async move {
            let utc_date = |t: Timestamp| t.to_zoned(jiff::tz::TimeZone::UTC).date();
            let (Some(oldest), Some(newest)) =
                (invoices.iter().map(|i| i.created_at).min(), invoices.iter().map(|i| i.created_at).max())
            else {
                return Ok(StatusPage::default());
            };
            let end = utc_date(newest);
            let fields = [
                ("projectId", self.cfg.project_id.clone()),
                ("startDate", utc_date(oldest).to_string()),
                ("endDate", end.tomorrow().unwrap_or(end).to_string()),
                ("offset", (page as usize * PAGE).to_string()),
                ("limit", PAGE.to_string()),
            ];
            let Value::Array(items) = self.call("/invoices/list", &fields).await? else {
                return Err(GatewayError::protocol(P, "data", "expected a list"));
            };
            let by_id: std::collections::HashMap<&str, &Invoice> =
                invoices.iter().map(|i| (i.id.as_str(), i)).collect();
            let mut found = StatusPage { reports: Vec::new(), more: items.len() >= PAGE };
            for item in &items {
                if let Some(invoice) = item.get("id").and_then(Value::as_str).and_then(|id| by_id.get(id)) {
                    found.reports.push((invoice.reference.clone(), self.report(item, invoice).await));
                }
            }
            Ok(found)
        })
    }

    fn can_cancel(&self) -> bool {
        true
    }

    fn cancel<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<(), GatewayError>> {
        Box::pin(async move { self.cancel_id(&invoice.id).await })
    }

    /// The project's latest invoice, if any: token and project id checked.
    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move {
            let fields = [("projectId", self.cfg.project_id.clone()), ("limit", "1".to_string())];
            let data = self.call_retrying("/invoices/list", &fields).await?;
            let n = data.as_array().map_or(0, Vec::len);
            Ok(format!("token and project accepted ({n} invoice listed)"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn wallets_map_to_methods_by_chain_and_coin_never_by_name() {
        assert_eq!(wallet_method("tron", "usdt"), Some(MethodId::UsdtTron));
        assert_eq!(wallet_method("bnbSmartChain", "usdt"), Some(MethodId::UsdtBsc));
        assert_eq!(wallet_method("ethereum", "usdt"), Some(MethodId::UsdtEthereum));
        assert_eq!(wallet_method("ethereum", "eth"), Some(MethodId::Eth));
        assert_eq!(wallet_method("bitcoin", "btc"), Some(MethodId::Btc));
        assert_eq!(wallet_method("solana", "usdt"), None);
    }

    #[test]
    fn every_status_value_maps() {
        use Status::*;
        for (s, want) in [("unpaid", Pending), ("paid", Paid), ("expired", Expired), ("canceled", Canceled)] {
            assert_eq!(derive_status(&json!({ "status": s })).0, want);
        }
        assert!(matches!(derive_status(&json!({"status": "refunded"})).0, Unknown(_)));
        assert!(matches!(derive_status(&json!({})).0, Unknown(_)));
    }

    #[test]
    fn service_data_carries_our_reference() {
        let r = Reference::parse("t-123").unwrap();
        let item = json!({ "serviceData": service_data(&r, "till-1") });
        assert!(carries(&item, &r));
        assert!(!carries(&item, &Reference::parse("t-124").unwrap()));
        assert!(!carries(&json!({"serviceData": null}), &r));
        assert!(!carries(&json!({"serviceData": "{\"userId\":100}"}), &r));
    }

    #[test]
    fn fiat_goes_out_with_at_most_two_decimals() {
        assert_eq!(amount_fiat(&Decimal::new(1055, 2)).unwrap(), "10.55");
        assert_eq!(amount_fiat(&Decimal::new(5, 0)).unwrap(), "5");
        assert!(amount_fiat(&Decimal::new(10555, 3)).is_err());
    }

    #[test]
    fn the_error_envelope_is_read_whatever_the_http_code() {
        let r = |status, body: &str| Reply { status, body: body.as_bytes().to_vec(), date: None };
        assert!(matches!(
            data_of(&r(200, r#"{"result":"error","data":"Requests too frequent"}"#)),
            Err(GatewayError::RateLimited { .. })
        ));
        assert!(matches!(
            data_of(&r(200, r#"{"result":"error","data":"Project not found"}"#)),
            Err(GatewayError::Refused { message, .. }) if message == "Project not found"
        ));
        assert_eq!(data_of(&r(201, r#"{"result":"success","data":[1]}"#)).unwrap(), json!([1]));
        assert!(matches!(data_of(&r(200, r#"{"data":[1]}"#)), Err(GatewayError::Protocol { .. })));
    }
}
