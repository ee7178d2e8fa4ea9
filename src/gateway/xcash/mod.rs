//! Xcash (xca.sh, or a shop's own instance), wire-faithful to the provider
//! notes (xcash.md); where its sources disagree, § What the server's code
//! says wins.
//!
//! The create is signed: `XC-Appid`, a fresh `XC-Nonce`, `XC-Timestamp`
//! (seconds) and `XC-Signature` = lowercase hex HMAC-SHA256 over nonce +
//! timestamp + the exact body. Status and select-method are public. Answers
//! are bare objects; errors `{"code":"1003","message","detail"}` (the code a
//! string) or DRF's `{"detail":"…"}`. A create repeated with the same `out_no`
//! and identical fields returns the existing invoice, so a create that may
//! have reached Xcash is simply repeated (an older server's `1007` leaves the
//! outcome unknown). An invoice without an address yet is an older
//! deployment: select-method once, else its payment page is the QR.
//!
//! A create whose outcome is not known (no answer in time, a 5xx, or a 2xx
//! whose body cannot be read: malformed, empty, HTML) is repeated with the
//! same `out_no` and fields, with a fresh nonce, timestamp and signature:
//! the server answers 200 with the invoice it made, or makes it. A 429 was
//! not processed: the create is sent again after the wait it asks for, and
//! if the server did the work anyway the resend returns that invoice.
//!
//! Status, per the measured server: `expired` with a `payment` is a transfer
//! of exactly `pay_amount`, made inside the window, still confirming, so it
//! reads `confirming` (Xcash never underpays); `expired` without one is not
//! final at Xcash, and `completed` is `paid` whatever came before, a late
//! payment included. Error messages are in Chinese unless the deployment
//! compiled its English translations: the till says each code in its own
//! words and logs the gateway's. An unknown route or a trailing slash
//! answers an HTML 403: a wrong `base_url`, said so. Status polls are kept
//! to 60 a minute per invoice (API.md; the current server allows 120).
//!
//! This folder: `mod.rs` the adapter, `wire.rs` the wire types and parsing,
//! `config.rs` its `[providers.xcash]` section, default limits and demo values.

mod config;
mod wire;

pub use self::config::*;
pub use wire::*;

use crate::clock::SharedClock;
use crate::core::invoice::{Invoice, StatusReport};
use crate::core::method::ProviderId;
use crate::core::money::Money;
use crate::core::status::Status;
use crate::gateway::answer;
use crate::gateway::descriptor::{Adapter, Descriptor};
use crate::gateway::error::GatewayError;
use crate::gateway::http::{Body, Http, HttpSettings};
use crate::gateway::json::{self};
use crate::gateway::{BoxFuture, CreateRequest, Gateway};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use std::collections::BTreeMap;

pub struct Xcash {
    cfg: XcashConfig,
    http: Http,
    clock: SharedClock,
}

impl Xcash {
    pub fn new(cfg: XcashConfig, settings: HttpSettings, clock: SharedClock) -> Result<Xcash, GatewayError> {
        let http = Http::new(P, &cfg.base_url, &[&cfg.hmac_key], settings)?;
        Ok(Xcash { http, cfg, clock })
    }

    fn signed_headers(&self, body: &[u8]) -> Result<HeaderMap, GatewayError> {
        let nonce = uuid::Uuid::new_v4().to_string();
        let timestamp = self.clock.now().as_second().to_string();
        let sig = signature(self.cfg.hmac_key.expose(), &nonce, &timestamp, body);
        let bad = || GatewayError::protocol(P, "appid", "not usable in a header");
        let mut h = HeaderMap::new();
        h.insert("XC-Appid", HeaderValue::from_str(&self.cfg.appid).map_err(|_| bad())?);
        h.insert("XC-Nonce", HeaderValue::from_str(&nonce).map_err(|_| bad())?);
        h.insert("XC-Timestamp", HeaderValue::from_str(&timestamp).map_err(|_| bad())?);
        let mut sig = HeaderValue::from_str(&sig).map_err(|_| bad())?;
        sig.set_sensitive(true);
        h.insert("XC-Signature", sig);
        h.insert("Accept-Language", HeaderValue::from_static("en"));
        Ok(h)
    }

    /// One exchange whose answer is an invoice object.
    async fn invoice_call(&self, path: &str, headers: HeaderMap, body: Body<'_>) -> Result<Value, GatewayError> {
        self.http.exchange(path, headers, body, |reply| invoice_of(reply, self.clock.now())).await
    }

    /// One create: an unreadable 2xx answer counts as a timeout.
    async fn create_call(&self, bytes: &[u8]) -> Result<Value, GatewayError> {
        let headers = self.signed_headers(bytes)?;
        self.http.exchange(CREATE_PATH, headers, Body::Json(bytes), |reply| created_of(reply, self.clock.now())).await
    }

    async fn create_invoice(&self, request: &CreateRequest) -> Result<Value, GatewayError> {
        if request.amount.amount.scale() > 8 {
            return Err(GatewayError::Refused { provider: P, message: "amounts have at most 8 decimals".into() });
        }
        let body = CreateBody {
            out_no: request.reference.as_str(),
            title: &self.cfg.title,
            currency: self.cfg.currency.code(),
            amount: request.amount.amount.normalize().to_string(),
            duration: self.cfg.duration_minutes,
            methods: BTreeMap::from([("USDT", [self.cfg.chain_code.as_str()])]),
        };
        let bytes = self.http.json(&body)?;
        let mut repeated = request.retry;
        let mut attempt = 1;
        loop {
            let error = match self.create_call(&bytes).await {
                Ok(v) => return Ok(v),
                Err(GatewayError::Refused { message, .. }) if repeated && message.starts_with("duplicate") => {
                    // An older server: the invoice exists but cannot be fetched.
                    return Err(GatewayError::OutcomeUnknown { provider: P, detail: message });
                }
                Err(e) => e,
            };
            tracing::warn!(provider = "xcash", path = CREATE_PATH, attempt, error = %error, "create failed");
            let perhaps_made = repeated || error.maybe_processed() || matches!(error, GatewayError::RateLimited { .. });
            if !error.is_transient() || attempt >= CREATE_ATTEMPTS {
                // Once an attempt may have made the invoice, a later failure
                // leaves the outcome open: the next start repeats the create.
                return Err(if perhaps_made && !error.maybe_processed() {
                    GatewayError::Timeout {
                        provider: P,
                        detail: format!("after a create that may have reached Xcash: {error}"),
                    }
                } else {
                    error
                });
            }
            // Repeating with the same out_no and fields (fresh nonce, timestamp
            // and signature) returns the invoice if it was made: after a
            // timeout, a 5xx or an unreadable 2xx (perhaps made), and after a
            // 429 (not processed, but Xcash's create is idempotent by out_no,
            // so a server that did the work anyway answers the same invoice).
            // An older server's 1007 to such a repeat means the invoice
            // exists: the outcome is unknown, never "not created".
            repeated |= error.maybe_processed() || matches!(error, GatewayError::RateLimited { .. });
            tokio::time::sleep(self.http.backoff(attempt, &error)).await;
            attempt += 1;
        }
    }

    async fn select_method(&self, sys_no: &str) -> Result<Value, GatewayError> {
        let path = format!("{CREATE_PATH}/{sys_no}/select-method");
        let body = SelectBody { crypto: "USDT", chain: &self.cfg.chain_code };
        let bytes = self.http.json(&body)?;
        self.invoice_call(&path, english(), Body::Json(&bytes)).await
    }

    async fn fetch(&self, sys_no: &str) -> Result<Value, GatewayError> {
        let path = format!("{CREATE_PATH}/{sys_no}");
        self.http.retrying(|| self.invoice_call(&path, english(), Body::None)).await
    }
}

/// The headers of an unsigned call: answers in English.
fn english() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Accept-Language", HeaderValue::from_static("en"));
    h
}

/// `sys_no` as one URL path segment: refused if it could leave it.
fn safe_id(id: &str) -> Result<&str, GatewayError> {
    if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        Ok(id)
    } else {
        Err(GatewayError::protocol(P, "sys_no", "not a plain invoice number"))
    }
}

impl Gateway for Xcash {
    fn provider(&self) -> ProviderId {
        P
    }

    fn create<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        Box::pin(async move {
            let created = self.create_invoice(request).await?;
            let checked =
                |v: &Value, allow_page| answer::vetted(P, &request.reference, invoice_from(v, request, allow_page));
            if let Some(invoice) = checked(&created, false)? {
                return Ok(invoice);
            }
            // No address yet: an older deployment. Select the method once; if
            // that fails, the payment page is the QR (xcash.md § Query status).
            let sys_no = safe_id(created.get("sys_no").and_then(Value::as_str).unwrap_or(""))?;
            match self.select_method(sys_no).await {
                Ok(selected) => checked(&selected, true)?,
                Err(e) => {
                    tracing::warn!(provider = "xcash", error = %e, "select-method failed: showing the payment page");
                    checked(&created, true)?
                }
            }
            .ok_or_else(|| GatewayError::protocol(P, "pay_url", "missing"))
        })
    }

    fn find<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Option<Invoice>, GatewayError>> {
        // Repeating the create is the lookup: it returns the existing invoice
        // (or makes it, which the journal then records).
        Box::pin(async move {
            let retry = CreateRequest { retry: true, ..request.clone() };
            self.create(&retry).await.map(Some)
        })
    }

    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        Box::pin(async move {
            let v = self.fetch(safe_id(&invoice.id)?).await?;
            if v.get("sys_no").and_then(Value::as_str) != Some(invoice.id.as_str()) {
                return Ok(answer::unknown("the answer is about another invoice"));
            }
            let mut r = report(&v);
            if r.status == Status::Paid {
                r.received = Some(Money::new(invoice.fiat.amount, invoice.fiat.currency.clone()));
            }
            Ok(r)
        })
    }

    /// A signed create with no fields: Xcash checks appid, clock, IP and
    /// signature first, then refuses the empty body (1000), making nothing.
    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move {
            let body = b"{}".to_vec();
            let headers = self.signed_headers(&body)?;
            let now = self.clock.now();
            self.http
                .exchange(CREATE_PATH, headers, Body::Json(&body), |reply| {
                    let code = json::parse(P, &reply.body).ok().and_then(|v| v.get("code").cloned());
                    match (code.as_ref().and_then(Value::as_str), invoice_of(reply, now)) {
                        (Some("1000"), _) => {
                            Ok("signed request accepted (an empty test invoice refused, as expected)".to_string())
                        }
                        (_, Err(e)) => Err(e),
                        (_, Ok(_)) => Err(GatewayError::protocol(P, "(body)", "an empty invoice was accepted")),
                    }
                })
                .await
        })
    }
}

impl Adapter for Xcash {
    type Config = XcashConfig;

    fn build(config: XcashConfig, settings: HttpSettings, clock: SharedClock) -> Result<Xcash, GatewayError> {
        Xcash::new(config, settings, clock)
    }
}

/// Xcash, as the catalog lists it.
pub const GATEWAY: Descriptor = Descriptor::of::<Xcash>(LIMITS);
