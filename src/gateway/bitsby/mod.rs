//! Bitsby, wire-faithful to the provider notes (bitsby.md).
//!
//! `Authorization: Token …`; every call a multipart form; every answer the
//! envelope `{"result":"success"|"error","data":…}` (check `result`, not the
//! HTTP code). At most one request per second per key, every call counting:
//! the shared HTTP client paces the key once, and "Requests too frequent"
//! pushes its next turn back. An invoice lists the merchant's wallets: each
//! is a method, and the cashier may switch between them while the invoice is
//! open. Times are UTC without a zone marker. Cancel is refused once the page
//! was viewed.
//!
//! Creates whose outcome is unknown: no answer in time, a lost connection,
//! an HTTP 5xx, a 2xx whose body cannot be read, and also "Requests too
//! frequent" or an HTTP 429 (a gateway may do the work and then refuse it):
//! the invoice is looked for by our reference (`serviceData.till_sale`) in
//! `/invoices/list` of the project, from the UTC date the create was sent to
//! the day after, and used when found; the create is sent again only when
//! there is none. After a restart (`find`) the send date is not known: the
//! list is read from two UTC days before today to tomorrow (a sale older than
//! that is taken as never made). A list too long to read in full is an
//! unknown outcome, never "none". A found invoice has no wallets (the list
//! shows none): it is shown as its payment page, and watched to its final
//! state.
//!
//! A paid invoice's payment comes from `/payments/list` matched to the
//! invoice: the wallet actually paid (which may be another wallet of the
//! invoice than the one on screen), the amount and the transaction hash.
//!
//! This folder: `mod.rs` the adapter, `wire.rs` the wire types and parsing,
//! `found.rs` the invoice found by our reference and the payment matched to
//! an invoice, `config.rs` its `[providers.bitsby]` section, default limits
//! and demo values.

mod config;
mod found;
mod wire;

pub use self::config::*;
pub use found::*;
pub use wire::*;

use crate::clock::SharedClock;
use crate::core::invoice::{Invoice, Reference, StatusPage, StatusReport};
use crate::core::method::{MethodId, ProviderId};
use crate::core::money::Money;
use crate::core::status::Status;
use crate::gateway::answer;
use crate::gateway::descriptor::{Adapter, Descriptor};
use crate::gateway::error::GatewayError;
use crate::gateway::http::{Body, Http, HttpSettings, Reply};
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
        self.call_reading(path, fields, data_of).await
    }

    /// One paced call whose answer `read` unwraps.
    async fn call_reading(
        &self,
        path: &str,
        fields: &[(&'static str, String)],
        read: fn(&Reply) -> Result<Value, GatewayError>,
    ) -> Result<Value, GatewayError> {
        let mut h = HeaderMap::new();
        let mut auth = HeaderValue::from_str(&format!("Token {}", self.cfg.token.expose()))
            .map_err(|_| GatewayError::protocol(P, "token", "not usable in a header"))?;
        auth.set_sensitive(true);
        h.insert(AUTHORIZATION, auth);
        let r = self.http.exchange(path, h, Body::Form(fields), read).await;
        if let Err(GatewayError::RateLimited { retry_after, .. }) = &r {
            self.http.back_off(retry_after.unwrap_or(Duration::from_secs(1))).await;
        }
        r
    }

    /// The report of a listed invoice; for a paid one, the payment from
    /// `/payments/list`: the transaction, and the wallet and amount paid.
    async fn report(&self, item: &Value, invoice: &Invoice) -> StatusReport {
        let (status, raw) = derive_status(item);
        if status != Status::Paid {
            return StatusReport { status, raw, received: None, tx_id: None, paid_with: None };
        }
        let received = Some(Money::new(invoice.fiat.amount, invoice.fiat.currency.clone()));
        let paid = self.payment(invoice).await;
        let (tx_id, paid_with) = paid.map_or((None, None), |p| (p.hash, p.with));
        StatusReport { status, raw, received, tx_id, paid_with }
    }

    /// A call that is safe to repeat, repeated on transient errors.
    async fn call_retrying(&self, path: &str, fields: &[(&'static str, String)]) -> Result<Value, GatewayError> {
        self.http.retrying(|| self.call(path, fields)).await
    }

    /// List items, paged, for these filters; an error if there are more
    /// than the till reads.
    async fn list(&self, filters: &[(&'static str, String)]) -> Result<Vec<Value>, GatewayError> {
        let mut items = Vec::new();
        for page in 0..LIST_PAGES {
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
                return Ok(items);
            }
        }
        Err(GatewayError::protocol(P, "data", format!("more than {} invoices listed", LIST_PAGES * PAGE)))
    }

    /// The invoice carrying our reference among those made from the UTC
    /// date of `from` to the day after `until`, if Bitsby has one (a
    /// canceled one only when `canceled_too`).
    async fn look_up(
        &self,
        reference: &Reference,
        from: Timestamp,
        until: Timestamp,
        canceled_too: bool,
    ) -> Result<Option<Value>, GatewayError> {
        let utc_date = |t: Timestamp| t.to_zoned(jiff::tz::TimeZone::UTC).date();
        let end = utc_date(until);
        let items = self
            .list(&[
                ("projectId", self.cfg.project_id.clone()),
                ("startDate", utc_date(from).to_string()),
                ("endDate", end.tomorrow().unwrap_or(end).to_string()),
            ])
            .await?;
        Ok(best_match(items, reference, canceled_too))
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

    async fn create_invoice(&self, request: &CreateRequest) -> Result<Created, GatewayError> {
        let fields = [
            ("projectId", self.cfg.project_id.clone()),
            ("amountFiat", amount_fiat(&request.amount.amount)?),
            ("currencyFiat", self.cfg.currency.code().to_string()),
            ("description", format!("Sale {}", request.reference)),
            ("serviceData", service_data(&request.reference, &self.cfg.terminal)),
            ("timeToPay", self.cfg.time_to_pay_hours.clone()),
        ];
        let sent = self.clock.now();
        // A retry the cashier asked for looks first too.
        if request.retry
            && let Some(found) = self.found(request, sent, None).await?
        {
            return Ok(found);
        }
        let mut attempt = 1;
        loop {
            let error = match self.call_reading("/invoices/create", &fields, create_data_of).await {
                Ok(data) => return Ok(Created::Made(data)),
                Err(e) => e,
            };
            tracing::warn!(provider = "bitsby", attempt, error = %error, "create failed");
            // README § What till does when a create times out: never a blind
            // resend. Asked after a 429 too: the work may have been done.
            if (error.maybe_processed() || matches!(error, GatewayError::RateLimited { .. }))
                && let Some(found) = self.found(request, sent, Some(&error)).await?
            {
                return Ok(found);
            }
            if !error.is_transient() || attempt >= CREATE_ATTEMPTS {
                return Err(error);
            }
            // "Too frequent" has pushed the pace back already.
            if !matches!(error, GatewayError::RateLimited { .. }) {
                tokio::time::sleep(self.http.backoff(attempt, &error)).await;
            }
            attempt += 1;
        }
    }

    /// The invoice a create sent at `sent` may have made, if Bitsby has it.
    /// When it cannot be asked, the outcome stays unknown (a timeout): the
    /// sale is never written off, and the next start asks again.
    async fn found(
        &self,
        request: &CreateRequest,
        sent: Timestamp,
        after: Option<&GatewayError>,
    ) -> Result<Option<Created>, GatewayError> {
        match self.look_up(&request.reference, sent, self.clock.now(), false).await {
            Ok(Some(item)) => {
                let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
                tracing::info!(provider = "bitsby", reference = %request.reference, %id, "create resolved: the invoice exists");
                Ok(Some(Created::Found(item)))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(GatewayError::Timeout {
                provider: P,
                detail: match after {
                    Some(error) => format!("{error}; then looking for the invoice failed: {e}"),
                    None => format!("looking for the invoice before a create again failed: {e}"),
                },
            }),
        }
    }

    /// The payment that paid the invoice: wallet, amount and hash.
    async fn payment(&self, invoice: &Invoice) -> Option<Paid> {
        let data = self.call_retrying("/payments/list", &[("invoiceId", invoice.id.clone())]).await;
        let data = data.inspect_err(|e| tracing::warn!(provider = "bitsby", id = %invoice.id, error = %e, "no payment read for a paid invoice")).ok()?;
        payment_from(&data, invoice, self.cfg.networks)
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
            let data = match self.create_invoice(request).await? {
                Created::Made(data) => data,
                Created::Found(item) => return answer::vetted(P, &request.reference, invoice_found(&item, request)),
            };
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

    /// After a restart: the invoice of our reference in the project's list
    /// from two UTC days back to tomorrow (the send date is not known here),
    /// a canceled one too; watched to its final state.
    fn find<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        let now = self.clock.now();
        self.find_since(request, now)
    }

    /// Lists from the UTC date the sale started (or two days back, whichever
    /// is earlier)
    /// to tomorrow: a till that was off for days still finds its invoice.
    fn find_since<'a>(
        &'a self,
        request: &'a CreateRequest,
        since: Timestamp,
    ) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        Box::pin(async move {
            let now = self.clock.now();
            let recent = now.saturating_sub(jiff::SignedDuration::from_hours(24 * FIND_DAYS_BACK)).unwrap_or(now);
            let from = since.min(recent);
            match self.look_up(&request.reference, from, now, true).await? {
                Some(item) => answer::vetted(P, &request.reference, invoice_found(&item, request)).map(Some),
                None => Ok(None),
            }
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
            Ok(format!("token and project accepted ({} listed)", crate::core::words::count(n, "invoice", "invoices")))
        })
    }
}

impl Adapter for Bitsby {
    type Config = BitsbyConfig;

    fn build(config: BitsbyConfig, settings: HttpSettings, clock: SharedClock) -> Result<Bitsby, GatewayError> {
        Bitsby::new(config, settings, clock)
    }
}

/// What a create came to: the invoice made (the create's answer, with its
/// wallets), or the one found by our reference (a list item).
enum Created {
    Made(Value),
    Found(Value),
}

/// Bitsby, as the catalog lists it.
pub const GATEWAY: Descriptor = Descriptor::of::<Bitsby>(LIMITS);
