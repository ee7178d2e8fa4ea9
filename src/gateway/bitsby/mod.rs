//! Bitsby, wire-faithful to the provider notes (bitsby.md).
//!
//! `Authorization: Token …`; every call a multipart form; every answer the
//! envelope `{"result":"success"|"error","data":…}` (check `result`, not the
//! HTTP code). At most one request per second per key, every call counting:
//! the shared HTTP client paces the key once, and "Requests too frequent"
//! pushes its next turn back. An invoice lists the merchant's wallets: each
//! is a method, and the cashier may switch between them while the invoice is
//! open. Times are UTC without a zone marker. A create that may have reached
//! Bitsby is looked up first by `serviceData` (our reference) in today's
//! `/invoices/list`; the list has no wallets, so an invoice found after a
//! restart cannot be shown. Cancel is refused once the page was viewed.
//!
//! This folder: `mod.rs` the adapter, `wire.rs` the wire types and parsing,
//! `config.rs` its `[providers.bitsby]` section, default limits and demo
//! values.

mod config;
mod wire;

pub use self::config::*;
pub use wire::*;

use crate::clock::SharedClock;
use crate::core::invoice::{Invoice, Reference, StatusPage, StatusReport};
use crate::core::method::{MethodId, ProviderId};
use crate::core::money::Money;
use crate::core::status::Status;
use crate::gateway::answer;
use crate::gateway::descriptor::{Adapter, Descriptor};
use crate::gateway::error::GatewayError;
use crate::gateway::http::{Body, Http, HttpSettings};
use crate::gateway::json::{self};
use crate::gateway::{BoxFuture, CreateRequest, Gateway};
use jiff::Timestamp;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::Value;
use std::time::Duration;

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

impl Adapter for Bitsby {
    type Config = BitsbyConfig;

    fn build(config: BitsbyConfig, settings: HttpSettings, clock: SharedClock) -> Result<Bitsby, GatewayError> {
        Bitsby::new(config, settings, clock)
    }
}

/// Bitsby, as the catalog lists it.
pub const GATEWAY: Descriptor = Descriptor::of::<Bitsby>(LIMITS);
