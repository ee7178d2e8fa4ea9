//! XaiGate, wire-faithful to the provider notes (xaigate.md).
//!
//! The `apiKey` travels in every JSON body (so bodies are redacted before
//! they are logged). Create returns only a hosted payment page (`payUrl`),
//! which is the QR. `orderId` and amounts may come as strings or numbers. No
//! cancel and no lookup by our reference: a create that may have reached
//! XaiGate (no answer in time, a 5xx, a 2xx whose body cannot be read) is
//! never repeated, and its outcome is unknown; one that surely was not (a
//! 429, no connection) is sent again, and `orderId already exists` in answer
//! means an earlier try made the invoice: unknown too, never "not created". Assumptions: validity runs `expiry` minutes
//! from `createdAt`; `paidAmount` is in the invoice's fiat currency.
//!
//! This folder: `mod.rs` the adapter, `wire.rs` the wire types and parsing,
//! `config.rs` its `[providers.xaigate]` section, default limits and demo
//! values.

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
use crate::gateway::json::Fields;
use crate::gateway::{BoxFuture, CreateRequest, Gateway};
use reqwest::header::HeaderMap;
use serde_json::Value;

pub struct Xaigate {
    cfg: XaigateConfig,
    http: Http,
}

impl Xaigate {
    pub fn new(cfg: XaigateConfig, settings: HttpSettings) -> Result<Xaigate, GatewayError> {
        let http = Http::new(P, &cfg.base_url, &[&cfg.api_key], settings)?;
        Ok(Xaigate { http, cfg })
    }

    /// One POST whose answer is an invoice object.
    async fn invoice_call(&self, path: &str, bytes: &[u8]) -> Result<Value, GatewayError> {
        let key = self.cfg.api_key.expose();
        self.http.exchange(path, HeaderMap::new(), Body::Json(bytes), |reply| invoice_of(reply, key)).await
    }

    async fn create_invoice(&self, request: &CreateRequest) -> Result<Value, GatewayError> {
        let path = "/api/v1/invoice/create";
        let body = CreateBody {
            api_key: self.cfg.api_key.expose(),
            order_id: request.reference.as_str(),
            amount: request.amount.amount.normalize().to_string(),
            currency: self.cfg.currency.code(),
            email: &self.cfg.email,
            shop_name: &self.cfg.shop_name,
            description: format!("Sale {}", request.reference),
        };
        let bytes = self.http.json(&body)?;
        // No lookup by our reference exists: a create that may have reached
        // XaiGate is never sent again.
        let key = self.cfg.api_key.expose();
        self.http
            .create_once(CREATE_ATTEMPTS, || {
                self.http.exchange(path, HeaderMap::new(), Body::Json(&bytes), |reply| {
                    answer::reference_taken(P, answer::create_answer(P, reply, invoice_of(reply, key)))
                })
            })
            .await
    }

    async fn info(&self, invoice_no: &str) -> Result<Value, GatewayError> {
        let path = "/api/v1/invoice/info";
        let body = InfoBody { api_key: self.cfg.api_key.expose(), invoice_no };
        let bytes = self.http.json(&body)?;
        self.http.retrying(|| self.invoice_call(path, &bytes)).await
    }
}

impl Gateway for Xaigate {
    fn provider(&self) -> ProviderId {
        P
    }

    fn create<'a>(&'a self, request: &'a CreateRequest) -> BoxFuture<'a, Result<Invoice, GatewayError>> {
        Box::pin(async move {
            let v = self.create_invoice(request).await?;
            answer::vetted(P, &request.reference, invoice_from(&v, request))
        })
    }

    fn status<'a>(&'a self, invoice: &'a Invoice) -> BoxFuture<'a, Result<StatusReport, GatewayError>> {
        Box::pin(async move {
            let v = self.info(&invoice.id).await?;
            let same = Fields::new(P, "", &v).text("invoiceNo").ok().as_deref() == Some(invoice.id.as_str());
            if !same {
                return Ok(answer::unknown("the answer is about another invoice"));
            }
            Ok(report(&v, &invoice.fiat.currency))
        })
    }

    /// An info query for an invoice that does not exist, with the key.
    fn check(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move { answer::probed(self.info("till-config-check").await, "key accepted", "invoice") })
    }
}

impl Adapter for Xaigate {
    type Config = XaigateConfig;

    fn build(config: XaigateConfig, settings: HttpSettings, _clock: SharedClock) -> Result<Xaigate, GatewayError> {
        Xaigate::new(config, settings)
    }
}

/// XaiGate, as the catalog lists it.
pub const GATEWAY: Descriptor = Descriptor::of::<Xaigate>(LIMITS);
