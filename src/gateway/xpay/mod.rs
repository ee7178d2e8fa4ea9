//! xPay (xpay.stream), wire-faithful to the provider notes (xpay.md).
//!
//! Log in with e-mail and secret key for a Bearer token (again when less
//! than `relogin_margin` is left); every call is a POST with a JSON body;
//! success and business errors both come back HTTP 200 in
//! `{"success":{…}}` / `{"error":{…}}` envelopes. Amounts go out as integer
//! micro-dollars. A bill has no status field: the status is derived from
//! `canceled`, `closed`, `paidAmount` and `txs` (assumption: `txs` present
//! with nothing credited is confirming). TRON bills are 1 USDT per USD; a
//! Lightning bill expires at the earlier of `until` and its BOLT11 expiry.
//! A create that may have reached xPay (no answer in time, a 5xx, or a 200
//! whose body cannot be read) is resolved by `bills/view` with our
//! reference, never by a blind resend: a bill found is used, none means the
//! save is sent again with the same reference, and a save refused because
//! the reference is taken means view again. A save that surely was not
//! processed (a 429, no connection) is asked about first all the same: a
//! gateway may do the work and then answer 429. `bills/find` lists the terminal's
//! bills by the `till-<terminal>-` tag prefix (whether its wildcard is a
//! prefix is undocumented, so the prefix is checked again here).
//!
//! This folder: `mod.rs` the adapter, `wire.rs` the wire types and parsing,
//! `config.rs` its `[providers.xpay]` section, default limits and demo values.

mod config;
mod wire;

pub use self::config::*;
pub use wire::*;

use crate::clock::SharedClock;
use crate::core::invoice::{Invoice, Reference, StatusPage, StatusReport};
use crate::core::method::{MethodId, ProviderId};
use crate::gateway::answer;
use crate::gateway::descriptor::{Adapter, Descriptor};
use crate::gateway::error::GatewayError;
use crate::gateway::http::{Body, Http, HttpSettings};
use crate::gateway::json::{self};
use crate::gateway::{BoxFuture, CreateRequest, Gateway};
use crate::secret::Secret;
use jiff::Timestamp;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde::Serialize;
use serde_json::Value;

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
            .exchange(path, headers, Body::Json(body), |reply| {
                let read = match reply.status {
                    200..=299 => unwrap_success(&reply.body, login),
                    401 | 403 => Err(GatewayError::Auth { provider: P }),
                    status => Err(GatewayError::Http { provider: P, status }),
                };
                // A save answered with a body that cannot be read may have
                // made the bill: it counts as a timeout (looked up by view).
                if path == SAVE_PATH { answer::create_answer(P, reply, read) } else { read }
            })
            .await
    }

    async fn login(&self) -> Result<Token, GatewayError> {
        let body = LoginBody { username: &self.cfg.username, secret_key: self.cfg.secret_key.expose(), is_api: true };
        let body = self.http.json(&body)?;
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
        let body = self.http.json(body)?;
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
        // resend. A retry the cashier asked for looks first too, and so does
        // every attempt after the first.
        let mut look_first = request.retry;
        let mut attempt = 1;
        loop {
            if look_first && let Saved::Bill(bill) = self.view(&request.reference).await? {
                tracing::info!(provider = "xpay", reference = %request.reference, "create resolved: the bill exists");
                return Ok(bill);
            }
            let token = self.token(false).await?;
            let bytes = self.http.json(&body)?;
            let error = match self.post(SAVE_PATH, &bytes, Some(&token)).await {
                Ok(success) => return Ok(data_of(success)),
                Err(e) => e,
            };
            // A 429 too: a gateway may do the work and then answer it.
            if error.maybe_processed() || matches!(error, GatewayError::RateLimited { .. }) {
                *maybe_sent = true;
            }
            if attempt >= CREATE_ATTEMPTS {
                return Err(error);
            }
            attempt += 1;
            match &error {
                GatewayError::Auth { .. } => {
                    self.token(true).await?;
                }
                // Refused: perhaps because our reference is taken by an earlier try.
                GatewayError::Refused { .. } => {
                    if let Saved::Bill(bill) = self.view(&request.reference).await? {
                        return Ok(bill);
                    }
                    return Err(error);
                }
                // Perhaps processed (no answer, a 5xx, a 200 that cannot be
                // read), or surely not (a 429, no connection): asked first
                // all the same, since a gateway may do the work and then
                // answer 429.
                e if e.maybe_processed() || e.not_processed() => {
                    tokio::time::sleep(self.http.backoff(attempt, e)).await;
                }
                _ => return Err(error),
            }
            look_first = true;
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

    fn logs_in(&self) -> bool {
        true
    }

    fn log_in(&self) -> BoxFuture<'_, Result<(), GatewayError>> {
        Box::pin(async move { self.token(false).await.map(|_| ()) })
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

impl Adapter for Xpay {
    type Config = XpayConfig;

    fn build(config: XpayConfig, settings: HttpSettings, clock: SharedClock) -> Result<Xpay, GatewayError> {
        Xpay::new(config, settings, clock)
    }
}

/// xPay, as the catalog lists it.
pub const GATEWAY: Descriptor = Descriptor::of::<Xpay>(LIMITS);
