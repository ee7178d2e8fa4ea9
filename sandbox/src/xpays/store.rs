//! The simulated xpays.life merchant account: its payments, where each
//! stands (a pending one expires by itself), the control actions and
//! seeding.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, StatusCode};
use rust_decimal::Decimal;
use serde_json::{Number, Value, json};

use super::options::XpaysOptions;
use super::price::{MERCHANT_FACTOR, shown};
use super::request::CreatePayment;
use super::sign::verify;
use super::wire::WirePayment;
use crate::decimal::number;
use crate::seed::{SeedError, Seeded, Spec, object};
use crate::time::iso8601_ms;
use crate::{lock, tron};

/// The hosted page (from the sample's `payment_url`).
const PAY_URL_BASE: &str = "https://xpays.life/pay/";

/// Where an invoice stands, as stored; `Pending` past `expired_at` reads
/// `EXPIRED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    Pending,
    Completed,
    Expired,
    Canceled,
    /// The control API's `weird`.
    OnHold,
}

#[derive(Clone, Debug)]
pub(super) struct Invoice {
    id: String,
    seq_num: u64,
    order_id: String,
    chain: String,
    from_fiat_currency: String,
    to_crypto_currency: String,
    /// As sent.
    amount: String,
    payment_amount: Decimal,
    payer_paid_currency: Option<String>,
    payer_paid_amount: Option<Decimal>,
    merchant_amount: Option<Decimal>,
    txid: Option<String>,
    address: String,
    from_address: Option<String>,
    url_return: String,
    url_success: String,
    url_failed: String,
    lifetime: u64,
    created_ms: i64,
    expired_ms: i64,
    discount_percent: Number,
    additional_data: Value,
    stage: Stage,
}

impl Invoice {
    pub(super) fn status(&self, now: i64) -> &'static str {
        match self.stage {
            Stage::Pending if now >= self.expired_ms => "EXPIRED",
            Stage::Pending => "PENDING",
            Stage::Completed => "COMPLETED",
            Stage::Expired => "EXPIRED",
            Stage::Canceled => "CANCELED",
            Stage::OnHold => "ON_HOLD",
        }
    }

    pub(super) fn is_final(&self, now: i64) -> bool {
        matches!(self.status(now), "COMPLETED" | "EXPIRED" | "CANCELED")
    }

    pub(super) fn wire(&self, now: i64, group: &str, agent: &str) -> WirePayment {
        WirePayment {
            id: self.id.clone(),
            seq_num: self.seq_num,
            order_id: self.order_id.clone(),
            chain: self.chain.clone(),
            network: "mainnet",
            from_fiat_currency: self.from_fiat_currency.clone(),
            to_crypto_currency: self.to_crypto_currency.clone(),
            amount: self.amount.clone(),
            payment_amount: number(self.payment_amount),
            payer_paid_currency: self.payer_paid_currency.clone(),
            payer_paid_amount: self.payer_paid_amount.map(number),
            merchant_amount: self.merchant_amount.map_or_else(|| Number::from(0), number),
            txid: self.txid.clone(),
            address: self.address.clone(),
            from_address: self.from_address.clone(),
            auto_convert: false,
            convert_to: self.to_crypto_currency.clone(),
            payment_url: format!("{PAY_URL_BASE}{}", self.order_id),
            url_return: self.url_return.clone(),
            url_success: self.url_success.clone(),
            url_failed: self.url_failed.clone(),
            is_multiple_order: true,
            lifetime: self.lifetime,
            expired_at: iso8601_ms(self.expired_ms),
            fee_subtract: 0,
            fee_percent: Number::from_f64(0.4).unwrap_or_else(|| Number::from(0)),
            discount_percent: self.discount_percent.clone(),
            discount_amount: 0,
            accuracy_percent: 0,
            additional_data: self.additional_data.clone(),
            support_currencies: None,
            except_currencies: None,
            exchange_rate: None,
            exchange_rate_source: "COINGECKO",
            payment_status: match self.stage {
                Stage::Completed => "PAID",
                Stage::OnHold => "MANUAL_REVIEW",
                _ => "PAYMENT_CHECKING",
            },
            payment_match_type: "EXACTLY",
            is_completed: self.stage == Stage::Completed,
            status: self.status(now),
            created_at: iso8601_ms(self.created_ms),
            owned_by_group: group.to_owned(),
            agent_id: agent.to_owned(),
        }
    }

    /// A transfer seen from a fresh payer address.
    pub(super) fn see_transfer(&mut self) {
        if self.txid.is_none() {
            self.txid = Some(crate::hex(&crate::random_bytes::<32>()));
        }
        if self.from_address.is_none() {
            self.from_address = Some(tron::Address::random().base58);
        }
    }
}

#[derive(Default)]
pub(super) struct Ledger {
    pub(super) invoices: Vec<Invoice>,
    pub(super) by_id: HashMap<String, usize>,
    pub(super) by_order_id: HashMap<String, usize>,
}

impl Ledger {
    pub(super) fn find_mut(&mut self, id: &str) -> Option<&mut Invoice> {
        let idx = self.by_id.get(id).or_else(|| self.by_order_id.get(id)).copied()?;
        self.invoices.get_mut(idx)
    }
}

/// The simulated xpays.life merchant account.
pub(crate) struct Store {
    pub(super) opts: XpaysOptions,
    /// `owned_by_group` and `agent_id` of every invoice (one merchant).
    pub(super) group: String,
    pub(super) agent: String,
    pub(super) state: Mutex<Ledger>,
}

impl Store {
    pub(crate) fn new(opts: &XpaysOptions) -> Self {
        Self {
            opts: opts.clone(),
            group: crate::new_uuid(),
            agent: crate::new_uuid(),
            state: Mutex::new(Ledger::default()),
        }
    }

    /// The gateway's clock (wall clock + `clock_skew_ms`), epoch ms.
    pub(super) fn now_ms(&self) -> i64 {
        crate::now_ms().saturating_add(self.opts.clock_skew_ms)
    }

    /// § Authentication / signing (sign.rs).
    pub(super) fn authenticate(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: i64,
    ) -> Result<(), (StatusCode, &'static str)> {
        verify(&self.opts, headers, body, now)
    }

    // -- control API ---------------------------------------------------------

    pub(super) fn list(&self) -> Vec<WirePayment> {
        let now = self.now_ms();
        lock(&self.state).invoices.iter().map(|i| i.wire(now, &self.group, &self.agent)).collect()
    }

    pub(super) fn act(&self, id: &str, action: &str) -> Result<WirePayment, (StatusCode, String)> {
        if !matches!(action, "pay" | "partial" | "seen" | "expire" | "cancel" | "weird") {
            return Err((
                StatusCode::BAD_REQUEST,
                format!("{action}: not an xpays.life action (pay, partial, seen, expire, cancel, weird)"),
            ));
        }
        let now = self.now_ms();
        let mut st = lock(&self.state);
        let inv = st.find_mut(id).ok_or((StatusCode::NOT_FOUND, "no such invoice".to_owned()))?;
        // Money after the expiry is credited late: `pay` on an `EXPIRED`
        // invoice completes it; any other action on a final invoice is refused.
        let late = action == "pay" && inv.status(now) == "EXPIRED";
        if inv.is_final(now) && !late {
            return Err((StatusCode::CONFLICT, format!("cannot {action}: the invoice is {}", inv.status(now))));
        }
        match action {
            "pay" => {
                inv.see_transfer();
                inv.payer_paid_amount = Some(inv.payment_amount);
                inv.payer_paid_currency = Some(inv.to_crypto_currency.clone());
                inv.merchant_amount = inv.payment_amount.checked_mul(MERCHANT_FACTOR).map(shown);
                inv.stage = Stage::Completed;
            }
            "partial" => {
                inv.see_transfer();
                inv.payer_paid_amount = inv.payment_amount.checked_mul(Decimal::new(5, 1)).map(shown);
                inv.payer_paid_currency = Some(inv.to_crypto_currency.clone());
            }
            "seen" => inv.see_transfer(),
            "expire" => inv.stage = Stage::Expired,
            "cancel" => inv.stage = Stage::Canceled,
            _ => inv.stage = Stage::OnHold,
        }
        Ok(inv.wire(now, &self.group, &self.agent))
    }
}

impl Ledger {
    /// Stores the invoice of a validated create request whose `order_id` is
    /// not taken, living `lifetime_secs` from `now`; its index.
    pub(super) fn insert(&mut self, req: CreatePayment, lifetime_secs: u64, now: i64) -> usize {
        let lifetime_ms = i64::try_from(lifetime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let idx = self.invoices.len();
        let invoice = Invoice {
            id: crate::new_uuid(),
            seq_num: idx as u64 + 1,
            order_id: req.order_id,
            chain: req.chain,
            from_fiat_currency: req.from_fiat_currency,
            to_crypto_currency: req.to_crypto_currency,
            amount: req.amount,
            payment_amount: req.payment_amount,
            payer_paid_currency: None,
            payer_paid_amount: None,
            merchant_amount: None,
            txid: None,
            address: tron::Address::random().base58,
            from_address: None,
            url_return: req.url_return,
            url_success: req.url_success,
            url_failed: req.url_failed,
            lifetime: lifetime_secs,
            created_ms: now,
            expired_ms: now.saturating_add(lifetime_ms),
            discount_percent: req.discount_percent,
            additional_data: req.additional_data,
            stage: Stage::Pending,
        };
        self.by_id.insert(invoice.id.clone(), idx);
        self.by_order_id.insert(invoice.order_id.clone(), idx);
        self.invoices.push(invoice);
        idx
    }
}

impl Store {
    /// `POST /_sandbox/xpays/seed` (seed.rs): payments as till's create
    /// would make them (`order_id` the reference, USDT on tron), living
    /// `expire_minutes` (`lifetime` shows it); `id` is the payment's `id`
    /// (what `info?id=` takes).
    pub(crate) fn seed(&self, spec: &Spec) -> Result<Vec<Seeded>, SeedError> {
        if spec.method != "usdt-tron" {
            return Err(SeedError::method(&spec.method, "usdt-tron"));
        }
        let requests = spec
            .references
            .iter()
            .map(|reference| {
                let body = object([
                    ("order_id", json!(reference)),
                    ("amount", json!(spec.amount)),
                    ("from_fiat_currency", json!(spec.currency)),
                    ("to_crypto_currency", json!("USDT")),
                    ("chain", json!("tron")),
                ]);
                CreatePayment::parse(&body).map_err(|why| SeedError::refused(reference, why))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let now = self.now_ms();
        let mut st = lock(&self.state);
        if let Some(taken) = requests.iter().find(|r| st.by_order_id.contains_key(&r.order_id)) {
            return Err(SeedError::taken(&taken.order_id));
        }
        let lifetime_secs = spec.expire_minutes * 60;
        let seeded = requests
            .into_iter()
            .filter_map(|req| {
                let idx = st.insert(req, lifetime_secs, now);
                let inv = st.invoices.get(idx)?;
                Some(Seeded {
                    id: inv.id.clone(),
                    reference: inv.order_id.clone(),
                    created_at: iso8601_ms(inv.created_ms),
                    expires_at: iso8601_ms(inv.expired_ms),
                })
            })
            .collect();
        Ok(seeded)
    }
}
