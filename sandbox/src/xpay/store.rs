//! The simulated xPay account: its credentials and tokens, its bills behind
//! a lock, the control actions and seeding.

use std::sync::Mutex;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::json;

use super::ledger::{Bill, Ledger, USD_PER_BTC, dollars, satoshis};
use super::request::CreateBill;
use super::wire::{Invalid, LnInvoice, MSG_ALREADY_PAID, WireBill};
use crate::decimal::plain_positive;
use crate::seed::{SeedError, Seeded, Spec, object};
use crate::time::iso8601_ms;

/// Paying a canceled bill (sandbox's choice; HTTP 409).
const MSG_CANCELED: &str = "bill canceled";
use crate::{Options, lightning, lock, now_ms, tron};

/// `starting` is `createdAt` minus this (both doc samples).
const STARTING_BEFORE_CREATED_MS: i64 = 60_000;
/// The BOLT11 expires this long before `until` (both doc samples)…
const BOLT11_EXPIRY_MARGIN_SECS: u64 = 60;
/// …but never sooner than this after its timestamp (a 1-minute bill would
/// otherwise get an invoice that is expired at birth).
const BOLT11_MIN_EXPIRY_SECS: u64 = 60;

/// The simulated xPay account.
pub(crate) struct Store {
    pub(super) username: String,
    pub(super) secret_key: String,
    pub(super) token_ttl_ms: i64,
    /// The account's wallet UUID (`wallet` of every bill).
    pub(super) wallet: String,
    /// `lnReceipt.accountId`.
    pub(super) account_id: String,
    pub(super) state: Mutex<Ledger>,
}

/// Why a control-API action failed.
#[derive(Debug)]
pub(crate) enum ControlError {
    NoSuchBill,
    Conflict(&'static str),
    BadRequest(String),
}

impl Store {
    pub(crate) fn new(opts: &Options) -> Self {
        Self {
            username: opts.xpay_username.clone(),
            secret_key: opts.xpay_secret_key.clone(),
            token_ttl_ms: i64::try_from(opts.token_ttl.as_millis()).unwrap_or(i64::MAX),
            wallet: crate::new_uuid(),
            account_id: crate::new_uuid(),
            state: Mutex::new(Ledger::default()),
        }
    }

    pub(super) fn token_valid(&self, token: &str, now: i64) -> bool {
        let mut st = lock(&self.state);
        match st.tokens.get(token) {
            Some(&expires) if now < expires => true,
            Some(_) => {
                st.tokens.remove(token);
                false
            }
            None => false,
        }
    }

    // -- control API ---------------------------------------------------------

    /// Every bill, view shape, in creation order.
    pub(crate) fn bills_view(&self, now: i64) -> Vec<WireBill> {
        lock(&self.state).bills.iter().map(|b| b.view_shape(now)).collect()
    }

    /// Invalidates every issued token; returns how many were live.
    pub(crate) fn expire_tokens(&self, now: i64) -> usize {
        let mut st = lock(&self.state);
        let live = st.tokens.values().filter(|&&exp| now < exp).count();
        st.tokens.clear();
        live
    }

    fn with_bill(
        &self,
        id: &str,
        now: i64,
        f: impl FnOnce(&mut Bill) -> Result<(), ControlError>,
    ) -> Result<WireBill, ControlError> {
        let mut st = lock(&self.state);
        let bill = st.find_mut(id).ok_or(ControlError::NoSuchBill)?;
        f(bill)?;
        Ok(bill.view_shape(now))
    }

    /// Credits `micro_usd`; a bill that becomes fully paid closes (and a
    /// Lightning bill gets its `lnReceipt`).
    fn credit(&self, bill: &mut Bill, micro_usd: u64, now: i64, node_id: &str) {
        bill.paid_amount = bill.paid_amount.saturating_add(micro_usd);
        let tx_ref = bill.push_tx(micro_usd, now);
        if bill.is_paid() {
            bill.closed = true;
            if let Some(ln) = &bill.ln {
                // The doc's stored copy is cut inside `lnReceipt`; the fields
                // it shows are here, the rest is plausible filler.
                bill.ln_receipt = Some(json!({
                    "accountId": self.account_id,
                    "eventType": "receive.lightning",
                    "transaction": {
                        "createdAt": iso8601_ms(now),
                        "direction": "RECEIVE",
                        "externalId": ln.payment_hash,
                        "id": tx_ref,
                        "initiationVia": {
                            "type": "lightning",
                            "paymentHash": ln.payment_hash,
                            "pubkey": node_id,
                        },
                        "memo": lightning::DESCRIPTION,
                        "settlementAmount": ln.satoshis,
                        "settlementCurrency": "BTC",
                        "settlementVia": {
                            "type": "lightning",
                            "preImage": bill.ln_preimage.map(|p| crate::hex(&p)),
                        },
                        "status": "success",
                    },
                }));
            }
        }
    }

    /// Full payment of what is left.
    pub(crate) fn pay(&self, id: &str, now: i64, node_id: &str) -> Result<WireBill, ControlError> {
        self.with_bill(id, now, |bill| {
            let left = bill.bill_amount.saturating_sub(bill.paid_amount);
            if left == 0 {
                return Err(ControlError::Conflict(MSG_ALREADY_PAID));
            }
            // A bill closed by its expiry is still credited (late money:
            // `paidAmount` reaches `billAmount`); a canceled one is not.
            if bill.canceled {
                return Err(ControlError::Conflict(MSG_CANCELED));
            }
            self.credit(bill, left, now, node_id);
            Ok(())
        })
    }

    /// Part payment: `amount` micro-dollars, by default half of `billAmount`.
    pub(crate) fn partial(
        &self,
        id: &str,
        amount: Option<u64>,
        now: i64,
        node_id: &str,
    ) -> Result<WireBill, ControlError> {
        self.with_bill(id, now, |bill| {
            if bill.is_paid() {
                return Err(ControlError::Conflict(MSG_ALREADY_PAID));
            }
            let amount = amount.unwrap_or(bill.bill_amount / 2);
            if amount == 0 {
                return Err(ControlError::BadRequest(
                    "partial amount must be a positive integer (micro-dollars)".into(),
                ));
            }
            self.credit(bill, amount, now, node_id);
            Ok(())
        })
    }

    /// A transaction seen but not credited (the till shows "confirming").
    pub(crate) fn seen(&self, id: &str, now: i64) -> Result<WireBill, ControlError> {
        self.with_bill(id, now, |bill| {
            let left = bill.bill_amount.saturating_sub(bill.paid_amount);
            if left == 0 {
                return Err(ControlError::Conflict(MSG_ALREADY_PAID));
            }
            // A bill closed by its expiry is still credited (late money:
            // `paidAmount` reaches `billAmount`); a canceled one is not.
            if bill.canceled {
                return Err(ControlError::Conflict(MSG_CANCELED));
            }
            bill.push_tx(left, now);
            Ok(())
        })
    }

    /// Ends the bill's validity now.
    pub(crate) fn expire(&self, id: &str, now: i64) -> Result<WireBill, ControlError> {
        self.with_bill(id, now, |bill| {
            bill.until = now;
            bill.closed = true;
            Ok(())
        })
    }
}

/// Why a validated create request got no bill.
pub(super) enum NewBillError {
    /// A field the wire format allows but the sandbox cannot serve.
    Invalid(Invalid),
    /// Anything else (the BOLT11 could not be signed).
    Failed(String),
}

impl Store {
    /// The bill `bills/save` makes at `now` for a validated request (not
    /// stored yet).
    pub(super) fn new_bill(&self, signer: &lightning::Signer, req: CreateBill, now: i64) -> Result<Bill, NewBillError> {
        let until = now.saturating_add(i64::try_from(req.expire_minutes * 60_000).unwrap_or(i64::MAX));
        let (tron, ln) = if req.use_lightning {
            let sats = satoshis(req.amount);
            if sats == 0 {
                return Err(NewBillError::Invalid(Invalid::new(
                    "amount",
                    format!("is below 1 satoshi at the sandbox rate (1 BTC = {USD_PER_BTC} USD)"),
                )));
            }
            let created_secs = now.div_euclid(1000);
            let expiry_secs =
                (req.expire_minutes * 60).saturating_sub(BOLT11_EXPIRY_MARGIN_SECS).max(BOLT11_MIN_EXPIRY_SECS);
            let inv = signer
                .invoice(&lightning::Request {
                    amount_msat: sats * 1000,
                    timestamp_secs: u64::try_from(created_secs).unwrap_or(0),
                    expiry: std::time::Duration::from_secs(expiry_secs),
                })
                .map_err(|e| NewBillError::Failed(format!("could not create the invoice: {e}")))?;
            let hash = crate::hex(&inv.payment_hash);
            let ln = LnInvoice {
                created_at: created_secs,
                external_id: hash.clone(),
                payment_request: inv.bolt11,
                payment_hash: hash,
                payment_secret: crate::hex(&inv.payment_secret),
                payment_status: "PENDING",
                satoshis: sats,
                dollars: dollars(req.amount),
            };
            (None, Some((ln, inv.preimage)))
        } else {
            (Some(tron::Address::random()), None)
        };
        let (ln, ln_preimage) = ln.unzip();
        Ok(Bill {
            uuid: crate::new_uuid(),
            username: self.username.clone(),
            wallet: self.wallet.clone(),
            tron,
            created_at: now,
            bill_ref: req.reference,
            bill_amount: req.amount,
            paid_amount: 0,
            tag: req.tag,
            starting: now - STARTING_BEFORE_CREATED_MS,
            until,
            closed: false,
            canceled: false,
            txs: Vec::new(),
            ln,
            ln_preimage,
            ln_receipt: None,
            callback_url: req.callback_url,
            email: req.email,
        })
    }

    /// `POST /_sandbox/xpay/seed` (seed.rs): bills as till's `bills/save`
    /// would create them (`tag` `till-<terminal>-<reference>`, `reference`
    /// the merchant reference); `id` is the reference (`bills/view` takes it).
    pub(crate) fn seed(&self, signer: &lightning::Signer, spec: &Spec) -> Result<Vec<Seeded>, SeedError> {
        if spec.currency != "USD" {
            return Err(SeedError::bad("xPay bills are in USD"));
        }
        let use_lightning = match spec.method.as_str() {
            "usdt-tron" => false,
            "lightning" => true,
            other => return Err(SeedError::method(other, "usdt-tron, lightning")),
        };
        let amount = plain_positive(&spec.amount, 20, 18)
            .filter(|usd| usd.normalize().scale() <= 6)
            .and_then(|usd| (usd * Decimal::from(1_000_000)).to_u64())
            .ok_or_else(|| SeedError::bad("xPay amounts have at most 6 decimals (micro-dollars)"))?;
        let now = now_ms();
        let mut bills = Vec::with_capacity(spec.references.len());
        for reference in &spec.references {
            let body = object([
                ("amount", json!(amount)),
                ("tag", json!(format!("till-{}-{reference}", spec.terminal))),
                ("expireInMinutes", json!(spec.expire_minutes.to_string())),
                ("reference", json!(reference)),
                ("useLightning", json!(use_lightning)),
            ]);
            let refused = |e: Invalid| SeedError::refused(reference, format!("{} {}", e.field, e.problem));
            let req = CreateBill::parse(&body).map_err(refused)?;
            let bill = self.new_bill(signer, req, now).map_err(|e| match e {
                NewBillError::Invalid(e) => refused(e),
                NewBillError::Failed(why) => SeedError::refused(reference, why),
            })?;
            bills.push(bill);
        }
        let mut st = lock(&self.state);
        if let Some(taken) = bills.iter().find(|b| st.by_ref.contains_key(&b.bill_ref)) {
            return Err(SeedError::taken(&taken.bill_ref));
        }
        let seeded = bills
            .into_iter()
            .map(|bill| {
                let seeded = Seeded {
                    id: bill.bill_ref.clone(),
                    reference: bill.bill_ref.clone(),
                    created_at: iso8601_ms(bill.created_at),
                    expires_at: iso8601_ms(bill.until),
                };
                st.insert(bill);
                seeded
            })
            .collect();
        Ok(seeded)
    }
}
