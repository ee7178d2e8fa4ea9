//! xPay's bills as the account keeps them, how they are shown (create and
//! view shapes), and the demo rate that prices Lightning bills.

use std::collections::HashMap;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Number, Value};

use super::wire::{LnInvoice, Tx, WireAddress, WireBill};
use crate::decimal::{half_up, number};
use crate::tron;

/// Fixed demo exchange rate: 1 BTC = 60 000 USD.
pub(super) const USD_PER_BTC: i64 = 60_000;
const SATS_PER_BTC: i64 = 100_000_000;

/// Micro-dollars → satoshis at the demo rate, rounded half up: the
/// `lnInvoice.satoshis` of a bill and the `txs[].amount` of a Lightning
/// payment (TRON payments count micro-dollars: USDT has 6 decimals).
pub(super) fn satoshis(micro_usd: u64) -> u64 {
    let usd = Decimal::from_i128_with_scale(i128::from(micro_usd), 6);
    half_up(usd * Decimal::from(SATS_PER_BTC) / Decimal::from(USD_PER_BTC), 0).to_u64().unwrap_or(u64::MAX)
}

/// `billAmount / 10^6` as a JSON number: `10`, `12.5`, `2.5`.
pub(super) fn dollars(micro_usd: u64) -> Number {
    number(Decimal::from_i128_with_scale(i128::from(micro_usd), 6))
}

/// A bill as the sandbox keeps it.
#[derive(Clone, Debug)]
pub(super) struct Bill {
    pub(super) uuid: String,
    pub(super) username: String,
    pub(super) wallet: String,
    pub(super) tron: Option<tron::Address>,
    pub(super) created_at: i64,
    pub(super) bill_ref: String,
    pub(super) bill_amount: u64,
    pub(super) paid_amount: u64,
    pub(super) tag: String,
    pub(super) starting: i64,
    pub(super) until: i64,
    /// Closed explicitly (paid, canceled, expired through the control API).
    /// A bill past `until` reads as closed too (see `Bill::is_closed`).
    pub(super) closed: bool,
    pub(super) canceled: bool,
    pub(super) txs: Vec<Tx>,
    pub(super) ln: Option<LnInvoice>,
    /// Released in `lnReceipt` once paid.
    pub(super) ln_preimage: Option<[u8; 32]>,
    pub(super) ln_receipt: Option<Value>,
    pub(super) callback_url: Option<String>,
    pub(super) email: Option<String>,
}

impl Bill {
    pub(super) fn is_closed(&self, now: i64) -> bool {
        self.closed || now >= self.until
    }

    pub(super) fn is_paid(&self) -> bool {
        self.bill_amount > 0 && self.paid_amount >= self.bill_amount
    }

    pub(super) fn wire(&self, now: i64, address: WireAddress) -> WireBill {
        WireBill {
            uuid: self.uuid.clone(),
            username: self.username.clone(),
            wallet: self.wallet.clone(),
            hex: self.tron.as_ref().map(|a| a.hex.clone()).unwrap_or_default(),
            address,
            created_at: self.created_at,
            bill_ref: self.bill_ref.clone(),
            bill_amount: self.bill_amount,
            paid_amount: self.paid_amount,
            testnet: false,
            tag: self.tag.clone(),
            starting: self.starting,
            until: self.until,
            closed: self.is_closed(now),
            canceled: self.canceled,
            cooldown: 0,
            txs: self.txs.clone(),
            ln_invoice: self.ln.clone(),
            ln_receipt: self.ln_receipt.clone(),
            callback_url: self.callback_url.clone(),
            email: self.email.clone(),
        }
    }

    /// The create answer's shape: `address` and `hex` are strings.
    pub(super) fn create_shape(&self, now: i64) -> WireBill {
        let base58 = self.tron.as_ref().map(|a| a.base58.clone());
        self.wire(now, WireAddress::Text(base58.unwrap_or_default()))
    }

    /// The view/find shape: `address` is `{"base58", "hex"}`.
    pub(crate) fn view_shape(&self, now: i64) -> WireBill {
        let (base58, hex) = match &self.tron {
            Some(a) => (a.base58.clone(), a.hex.clone()),
            None => (String::new(), String::new()),
        };
        self.wire(now, WireAddress::Object { base58, hex })
    }

    /// `txs[].amount` for a payment of `micro_usd`.
    pub(super) fn tx_units(&self, micro_usd: u64) -> u64 {
        if self.ln.is_some() { satoshis(micro_usd) } else { micro_usd }
    }

    pub(super) fn push_tx(&mut self, micro_usd: u64, now: i64) -> String {
        let tx_ref = object_id(now);
        let tx_id = match &self.ln {
            // Lightning: the tx id is the payment hash (doc view sample).
            Some(ln) => ln.payment_hash.clone(),
            None => crate::hex(&crate::random_bytes::<32>()),
        };
        self.txs.push(Tx { tx_ref: tx_ref.clone(), tx_id, amount: self.tx_units(micro_usd), timestamp: now });
        tx_ref
    }
}

/// A MongoDB-ObjectId-like id (`66bb8c62ad181d1aae0ac541` in the doc:
/// 4 bytes of epoch seconds, then 8 random bytes), used for `txRef`.
pub(super) fn object_id(now_ms: i64) -> String {
    let secs = u32::try_from(now_ms.div_euclid(1000)).unwrap_or(u32::MAX);
    let mut raw = [0u8; 12];
    raw[..4].copy_from_slice(&secs.to_be_bytes());
    raw[4..].copy_from_slice(&crate::random_bytes::<8>());
    crate::hex(&raw)
}

#[derive(Default)]
pub(super) struct Ledger {
    /// Access token → expiry (epoch ms).
    pub(super) tokens: HashMap<String, i64>,
    /// Every bill, in creation order.
    pub(super) bills: Vec<Bill>,
    pub(super) by_ref: HashMap<String, usize>,
    pub(super) by_uuid: HashMap<String, usize>,
}

impl Ledger {
    /// A bill by uuid or `billRef`.
    pub(super) fn find_mut(&mut self, id: &str) -> Option<&mut Bill> {
        let idx = self.by_uuid.get(id).or_else(|| self.by_ref.get(id)).copied()?;
        self.bills.get_mut(idx)
    }

    pub(super) fn by_reference(&mut self, reference: &str) -> Option<&mut Bill> {
        let idx = self.by_ref.get(reference).copied()?;
        self.bills.get_mut(idx)
    }
}

impl Ledger {
    /// Stores a bill whose `billRef` is not taken.
    pub(super) fn insert(&mut self, bill: Bill) {
        let idx = self.bills.len();
        self.by_ref.insert(bill.bill_ref.clone(), idx);
        self.by_uuid.insert(bill.uuid.clone(), idx);
        self.bills.push(bill);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bill(created_at: i64, minutes: i64) -> Bill {
        Bill {
            uuid: "u".into(),
            username: "a@b".into(),
            wallet: "w".into(),
            tron: Some(tron::Address::random()),
            created_at,
            bill_ref: "r".into(),
            bill_amount: 2_500_000,
            paid_amount: 0,
            tag: "t".into(),
            starting: created_at - 60_000,
            until: created_at + minutes * 60_000,
            closed: false,
            canceled: false,
            txs: vec![],
            ln: None,
            ln_preimage: None,
            ln_receipt: None,
            callback_url: None,
            email: None,
        }
    }

    #[test]
    fn a_bill_past_until_reads_closed() {
        let b = bill(1_000_000, 30);
        assert!(!b.view_shape(b.until - 1).closed);
        assert!(b.view_shape(b.until).closed);
        assert!(b.create_shape(b.until + 5).closed);
        assert!(!b.closed, "closing is evaluated on read, not stored");
    }

    #[test]
    fn satoshis_at_the_demo_rate() {
        assert_eq!(satoshis(60_000_000_000), 100_000_000); // 60 000 USD = 1 BTC
        assert_eq!(satoshis(10_000_000), 16_667); // 16 666.67
        assert_eq!(satoshis(2_500_000), 4_167); // 4 166.67
        assert_eq!(satoshis(300), 1); // half a sat rounds up
        assert_eq!(satoshis(299), 0);
    }

    #[test]
    fn dollars_as_json_numbers() {
        let text = |m| serde_json::to_string(&dollars(m)).expect("serializes");
        assert_eq!(text(10_000_000), "10");
        assert_eq!(text(12_500_000), "12.5");
        assert_eq!(text(2_500_000), "2.5");
        assert_eq!(text(1_234_567), "1.234567");
        assert_eq!(text(999_999_999_999_999), "999999999.999999");
    }

    #[test]
    fn object_ids_start_with_the_seconds() {
        // Doc: txRef 66bb8c62… ↔ timestamp 1723567202118.
        let id = object_id(1_723_567_202_118);
        assert_eq!(id.len(), 24);
        assert!(id.starts_with("66bb8c62"));
    }
}
