//! The simulated Bitsby account (one project): its wallets, the token's
//! rate limit, and what create, list, cancel, payments, the control actions
//! and seeding do to its ledger.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, header};
use serde_json::{Value, json};

use super::ledger::{Invoice, Ledger, Payment, Status, amount_crypto, new_tx_hash, new_uid, usd_per_fiat};
use super::options::{BitsbyOptions, BitsbyWallet};
use super::request::{Action, CreateRequest, Form, ListQuery, PaymentsQuery};
use super::wire::{
    MSG_CANCEL_VIEWED, MSG_INVOICE_NOT_FOUND, MSG_NO_WALLETS, MSG_PROJECT_NOT_FOUND, WireCreated, WireItem,
    WirePayment, WirePaymentWallet, WireWallet,
};
use crate::control::ControlError;
use crate::decimal::half_up;
use crate::seed::{SeedError, Seeded, Spec};
use crate::time::{date_time, day, iso8601_ms};
use crate::{btc, evm, lock, now_ms, tron};

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

    pub(super) fn token_ok(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let Some((scheme, token)) = value.trim().split_once(' ') else {
            return false;
        };
        scheme.eq_ignore_ascii_case("token") && token.trim() == self.token
    }

    /// The rate limit: true if a request at `now` may be processed.
    pub(super) fn admit(&self, now: Instant) -> bool {
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

    pub(super) fn create(&self, req: CreateRequest, now_ms: i64) -> Result<WireCreated, String> {
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
        let usd = req.amount * usd_per_fiat(req.currency);
        let created_secs = now_ms.div_euclid(1000);
        let till_sale = req.service_data.as_deref().and_then(|s| {
            let value: Value = serde_json::from_str(s).ok()?;
            value.get("till_sale")?.as_str().map(str::to_owned)
        });
        st.seq += 1;
        let seq = st.seq;
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
            amount: req.amount,
            currency: req.currency,
            amount_usd: half_up(usd, 2),
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
                    amount_crypto: amount_crypto(&pw.wallet.cryptocurrency, usd, seq),
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
    pub(crate) fn seed(&self, spec: &Spec) -> Result<Vec<Seeded>, SeedError> {
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
                    created_at: iso8601_ms(inv.created_secs.saturating_mul(1000)),
                    expires_at: iso8601_ms(inv.expires_secs.saturating_mul(1000)),
                })
            })
            .collect();
        Ok(seeded)
    }

    pub(super) fn list(&self, q: &ListQuery, now_ms: i64) -> Vec<WireItem> {
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

    pub(super) fn cancel(&self, invoice_id: &str, now_ms: i64) -> Result<WireItem, String> {
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

    pub(super) fn payments(&self, q: &PaymentsQuery, now_ms: i64) -> Vec<WirePayment> {
        let st = lock(&self.state);
        st.payments
            .iter()
            .rev()
            .filter(|p| {
                let day = day(p.tx_secs);
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
                    transaction_datetime: date_time(p.tx_secs),
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
    pub(super) fn all(&self, now_ms: i64) -> Vec<WireItem> {
        lock(&self.state).invoices.iter().map(|inv| inv.item(now_ms)).collect()
    }

    /// Applies a control action at `now` (epoch ms).
    pub(super) fn act(&self, id: &str, action: &Action, now_ms: i64) -> Result<WireItem, ControlError> {
        let mut st = lock(&self.state);
        let idx = st.find(id).ok_or(ControlError::NotFound)?;
        let inv = st.invoices.get_mut(idx).ok_or(ControlError::NotFound)?;
        let status = inv.status_at(now_ms);
        let needs_open = matches!(action, Action::Pay(_) | Action::Expire | Action::Cancel);
        // A late credit: a transfer made in the window, seen after expiry.
        let late = matches!(action, Action::Pay(_)) && status == Status::Expired;
        if needs_open && !status.is_open() && !late {
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
                let now_secs = now_ms.div_euclid(1000);
                // Paid late: the transfer dated the window's last second.
                let tx_secs = if late { inv.expires_secs.saturating_sub(1).max(inv.created_secs) } else { now_secs };
                payment = Some(Payment {
                    id: crate::new_uuid(),
                    invoice: idx,
                    hash: new_tx_hash(&wallet.blockchain),
                    amount: wallet.amount_crypto.clone(),
                    wallet,
                    tx_secs,
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

#[cfg(test)]
mod tests {
    use super::super::options::DEMO_BITSBY_PROJECT_ID;
    use super::*;

    fn store() -> Store {
        Store::new(&BitsbyOptions { min_interval: Duration::ZERO, ..BitsbyOptions::default() })
    }

    fn request(amount_cents: i64, currency: &'static str, hours_secs: i64) -> CreateRequest {
        CreateRequest {
            project_id: DEMO_BITSBY_PROJECT_ID.into(),
            amount: rust_decimal::Decimal::new(amount_cents, 2),
            currency,
            description: None,
            service_data: Some(r#"{"till_sale":"sale-1","terminal":"t1"}"#.into()),
            time_to_pay_secs: hours_secs,
        }
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
        // Still open just before.
        assert_eq!(s.act("sale-1", &Action::Pay(None), end - 1).map(|i| i.status), Ok("paid"));
        assert_eq!(s.list(&q, end + 1)[0].status, "paid");
        assert!(matches!(s.act("sale-1", &Action::Pay(None), end), Err(ControlError::Conflict(_))), "paid once");
    }

    #[test]
    fn an_expired_invoice_is_credited_late_with_a_transfer_made_in_its_window() {
        let s = store();
        let now = 1_709_220_024_000;
        let created = s.create(request(1000, "USD", 3600), now).expect("created");
        let end = now + 3_600_000;
        assert_eq!(s.act("sale-1", &Action::Pay(None), end + 60_000).map(|i| i.status), Ok("paid"));
        let q = PaymentsQuery {
            wallet_id: None,
            invoice_id: Some(created.id),
            start: None,
            end: None,
            offset: 0,
            limit: 10,
        };
        let paid = s.payments(&q, end + 60_000);
        assert_eq!(paid.len(), 1);
        assert_eq!(paid[0].transaction_datetime, "2024-02-29 16:20:23", "the window's last second");
        let other = s.create(request(1000, "USD", 3600), now).expect("created");
        assert!(s.act(&other.id, &Action::Cancel, now).is_ok());
        assert!(matches!(s.act(&other.id, &Action::Pay(None), now), Err(ControlError::Conflict(_))), "canceled stays");
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
