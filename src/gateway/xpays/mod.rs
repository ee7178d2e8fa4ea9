//! xpays.life, wire-faithful to the provider notes (xpays.md).
//!
//! Every call carries `x-api-key`, `x-timestamp` (ms) and `x-signature`, a
//! lowercase hex HMAC-SHA256 over the message `sign_template` builds (default
//! `{timestamp}{body}`) from the exact bytes sent. Create answers
//! `{"data":{…}}`; the status call's wrapper is unknown (`data.payment`,
//! `payment` or `data`). Errors are `{"error":"…"}`. No cancel, no lookup by
//! our reference: a create that may have reached xpays (no answer in time, a
//! 5xx, a 2xx whose body cannot be read) is never repeated, and its outcome
//! is unknown; one that surely was not (a 429, no connection) is sent again,
//! and `order_id already exists` in answer means an earlier try made the
//! invoice: unknown too, never "not created".
//! Assumptions: `is_completed: true` is paid; `payer_paid_amount` counts as
//! received only in the shop's currency; `payment_amount` is shown rounded
//! up to 6 decimals (the one allowed exception to exact amounts).
//!
//! This folder: `mod.rs` the adapter, `wire.rs` the wire types and parsing,
//! `config.rs` its `[providers.xpays]` section, default limits and demo values.

mod config;
mod wire;

pub use self::config::*;
pub use wire::*;

use crate::clock::SharedClock;
use crate::core::invoice::{Invoice, StatusReport};
use crate::core::method::ProviderId;
use crate::gateway::answer;
use crate::gateway::descriptor::{Adapter, Descriptor};
use crate::gateway::error::GatewayError;
use crate::gateway::http::{Body, Http, HttpSettings};
use crate::gateway::{BoxFuture, CreateRequest, Gateway};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;

pub struct Xpays {
    cfg: XpaysConfig,
    http: Http,
    clock: SharedClock,
}

impl Xpays {
    pub fn new(cfg: XpaysConfig, settings: HttpSettings, clock: SharedClock) -> Result<Xpays, GatewayError> {
        let http = Http::new(P, &cfg.base_url, &[&cfg.api_key, &cfg.secret_key], settings)?;
        Ok(Xpays { http, cfg, clock })
    }

    fn headers(&self, method: &str, path: &str, query: &str, body: &[u8]) -> Result<HeaderMap, GatewayError> {
        let timestamp = self.clock.now().as_millisecond().to_string();
        let input = SignInput { timestamp: &timestamp, body, method, path, query, api_key: self.cfg.api_key.expose() };
        let sig = signature(self.cfg.secret_key.expose(), &self.cfg.sign_template, &input);
        let mut h = HeaderMap::new();
        let bad = || GatewayError::protocol(P, "api_key", "not usable in a header");
        let mut key = HeaderValue::from_str(self.cfg.api_key.expose()).map_err(|_| bad())?;
        key.set_sensitive(true);
        h.insert("x-api-key", key);
        h.insert("x-timestamp", HeaderValue::from_str(&timestamp).map_err(|_| bad())?);
        let mut sig = HeaderValue::from_str(&sig).map_err(|_| bad())?;
        sig.set_sensitive(true);
        h.insert("x-signature", sig);
        Ok(h)
    }

    async fn info(&self, id: &str) -> Result<Value, GatewayError> {
        let path = "/v1/payment/info";
        let query = format!("id={}", urlencode(id));
        let target = format!("{path}?{query}");
        self.http
            .retrying(|| async {
                let headers = self.headers("GET", path, &query, b"")?;
                self.http.exchange(&target, headers, Body::None, |reply| payment_of(reply, true)).await
            })
            .await
    }

    async fn create_payment(&self, request: &CreateRequest) -> Result<Value, GatewayError> {
        // A cashier's retry follows only a create that surely was not
        // processed (an unknown outcome offers no retry), so it is sent as is.
        let path = "/v1/payment/createInvoicePayment";
        let body = CreateBody {
            order_id: request.reference.as_str(),
            amount: request.amount.amount.normalize().to_string(),
            from_fiat_currency: self.cfg.currency.code(),
            to_crypto_currency: &self.cfg.crypto,
            chain: &self.cfg.chain,
        };
        let bytes = self.http.json(&body)?;
        self.http
            .create_once(CREATE_ATTEMPTS, || async {
                let headers = self.headers("POST", path, "", &bytes)?;
                self.http
                    .exchange(path, headers, Body::Json(&bytes), |reply| {
                        answer::reference_taken(P, answer::create_answer(P, reply, payment_of(reply, false)))
                    })
                    .await
            })
            .await
    }
}

/// Percent-encodes a query value.
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Gateway for Xpays {
    fn provider(&self) -> ProviderId {
        P
    }

    fn create<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        Box::pin(async move {
            let p = self.create_payment(request).await?;
            answer::vetted(P, &request.reference, invoice_from_payment(&p, request, &self.cfg))
        })
    }

    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        Box::pin(async move {
            let p = self.info(&invoice.id).await?;
            let same = p.get("id").and_then(Value::as_str) == Some(invoice.id.as_str());
            if !same {
                tracing::warn!(provider = "xpays", reference = %invoice.reference, "info answered about another payment");
                return Ok(answer::unknown("the answer is about another payment"));
            }
            Ok(report(&p, &self.cfg.status_map, &invoice.fiat.currency))
        })
    }

    /// A signed status query for a payment that does not exist: the key and
    /// signature are checked, nothing is made.
    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move {
            answer::probed(self.info(&uuid::Uuid::new_v4().to_string()).await, "signed request accepted", "payment")
        })
    }
}

impl Adapter for Xpays {
    type Config = XpaysConfig;

    fn build(config: XpaysConfig, settings: HttpSettings, clock: SharedClock) -> Result<Xpays, GatewayError> {
        Xpays::new(config, settings, clock)
    }
}

/// xpays.life, as the catalog lists it.
pub const GATEWAY: Descriptor = Descriptor::of::<Xpays>(LIMITS);
