//! Xcash's invoices as the project keeps them: where each stands, how it
//! is shown (create and status shapes), the choice of a unique
//! `pay_amount` when a method is selected, and the per-`sys_no` throttles.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use rust_decimal::{Decimal, RoundingStrategy};

use super::request::CreateInvoice;
use super::wire::{Payment, WireCreate, WireStatus};
use crate::time::{iso8601_s, yymmdd};
use crate::tron;

/// USDT's TRC-20 contract (`crypto_address`: the token, never where to pay).
pub(super) const USDT_TRC20_CONTRACT: &str = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
/// The hosted page (`pay_url`), as in the newer API.md sample.
const PAY_URL_BASE: &str = "https://gateway.xca.sh/pay/";

/// Demo rate: USDT per unit of fiat. USD 0.996 fits the doc's webhook
/// sample (29.99 USD → 29.87 + 0.000001).
fn usdt_per_unit(currency: &str) -> Option<Decimal> {
    let (mantissa, scale) = match currency {
        "USD" => (996, 3),
        "EUR" => (1_078, 3),
        "CNY" => (137, 3),
        "JPY" => (66, 4),
        "HKD" => (127, 3),
        _ => return None,
    };
    Some(Decimal::new(mantissa, scale))
}

/// Where an invoice stands, as stored. `Waiting` past `expires_at` reads
/// `expired` (see [`Invoice::status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    Waiting,
    Completed,
    Expired,
    /// The control API's `weird`: a status nobody documented.
    Refunding,
}

#[derive(Clone, Debug)]
pub(super) struct Invoice {
    pub(super) sys_no: String,
    pub(super) out_no: String,
    pub(super) title: String,
    pub(super) currency: String,
    /// Normalized (trailing zeros stripped).
    pub(super) amount: Decimal,
    pub(super) methods: BTreeMap<String, Vec<String>>,
    /// `(crypto, chain)` once a method is selected.
    pub(super) selected: Option<(String, String)>,
    pub(super) pay_address: Option<String>,
    pub(super) pay_amount: Option<Decimal>,
    /// Epoch ms, whole seconds (the doc's times have no fraction).
    pub(super) created_ms: i64,
    pub(super) started_ms: Option<i64>,
    pub(super) expires_ms: i64,
    pub(super) notify_url: Option<String>,
    pub(super) return_url: Option<String>,
    pub(super) payment: Option<Payment>,
    pub(super) stage: Stage,
}

impl Invoice {
    pub(super) fn status(&self, now: i64) -> &'static str {
        match self.stage {
            Stage::Waiting if now >= self.expires_ms => "expired",
            Stage::Waiting => "waiting",
            Stage::Completed => "completed",
            Stage::Expired => "expired",
            Stage::Refunding => "refunding",
        }
    }

    /// Waiting and not past `expires_at`.
    pub(super) fn is_waiting(&self, now: i64) -> bool {
        self.status(now) == "waiting"
    }

    /// § What the server's code says › Same `out_no` again: the same
    /// fields (the amount compared by value).
    pub(super) fn same_as(&self, req: &CreateInvoice) -> bool {
        self.title == req.title
            && self.currency == req.currency
            && self.amount == req.amount
            && self.notify_url == req.notify_url
            && self.return_url == req.return_url
    }

    fn pay_url(&self) -> String {
        format!("{PAY_URL_BASE}{}", self.sys_no)
    }

    fn crypto_address(&self) -> Option<String> {
        self.selected.as_ref().map(|_| USDT_TRC20_CONTRACT.to_owned())
    }

    pub(super) fn create_shape(&self, appid: &str, now: i64) -> WireCreate {
        WireCreate {
            appid: appid.to_owned(),
            sys_no: self.sys_no.clone(),
            out_no: self.out_no.clone(),
            title: self.title.clone(),
            currency: self.currency.clone(),
            amount: self.amount.normalize().to_string(),
            methods: self.methods.clone(),
            chain: self.selected.as_ref().map(|(_, chain)| chain.clone()),
            crypto: self.selected.as_ref().map(|(crypto, _)| crypto.clone()),
            crypto_address: self.crypto_address(),
            pay_address: self.pay_address.clone(),
            pay_amount: self.pay_amount.map(|a| a.normalize().to_string()),
            pay_url: self.pay_url(),
            started_at: self.started_ms.map(iso8601_s),
            created_at: iso8601_s(self.created_ms),
            expires_at: iso8601_s(self.expires_ms),
            notify_url: self.notify_url.clone(),
            return_url: self.return_url.clone(),
            payment: self.payment.clone(),
            status: self.status(now),
            risk_level: None,
            risk_score: None,
        }
    }

    pub(super) fn status_shape(&self, now: i64) -> WireStatus {
        WireStatus {
            sys_no: self.sys_no.clone(),
            title: self.title.clone(),
            currency: self.currency.clone(),
            amount: self.amount.normalize().to_string(),
            methods: self.methods.clone(),
            chain: self.selected.as_ref().map(|(_, chain)| chain.clone()),
            crypto: self.selected.as_ref().map(|(crypto, _)| crypto.clone()),
            crypto_address: self.crypto_address(),
            pay_address: self.pay_address.clone(),
            pay_amount: self.pay_amount.map(|a| a.normalize().to_string()),
            pay_url: self.pay_url(),
            started_at: self.started_ms.map(iso8601_s),
            created_at: iso8601_s(self.created_ms),
            expires_at: iso8601_s(self.expires_ms),
            return_url: self.return_url.clone(),
            payment: self.payment.clone(),
            status: self.status(now),
            risk_level: None,
            risk_score: None,
            payment_uri: None,
            evm_payment: None,
            tron_payment: None,
        }
    }
}

#[derive(Default)]
pub(super) struct Ledger {
    pub(super) invoices: Vec<Invoice>,
    pub(super) by_sys_no: HashMap<String, usize>,
    pub(super) by_out_no: HashMap<String, usize>,
    /// Nonce → when it was seen (epoch ms), kept `WINDOW_SECS` (sign.rs).
    pub(super) nonces: HashMap<String, i64>,
    /// Per `sys_no`: times of recent status / select-method calls.
    pub(super) status_calls: HashMap<String, VecDeque<i64>>,
    pub(super) select_calls: HashMap<String, VecDeque<i64>>,
}

impl Ledger {
    pub(super) fn index(&self, id: &str) -> Option<usize> {
        self.by_sys_no.get(id).or_else(|| self.by_out_no.get(id)).copied()
    }

    pub(super) fn waiting(&self, now: i64) -> usize {
        self.invoices.iter().filter(|i| i.is_waiting(now)).count()
    }

    /// The `pay_amount`s of waiting invoices (but `except`), as keys.
    pub(super) fn taken_amounts(&self, except: Option<usize>, now: i64) -> HashSet<Decimal> {
        self.invoices
            .iter()
            .enumerate()
            .filter(|(i, other)| Some(*i) != except && other.is_waiting(now))
            .filter_map(|(_, other)| other.pay_amount)
            .collect()
    }

    /// Selects `(crypto, chain)`: a fresh address and a `pay_amount` no
    /// other waiting invoice has (the amount identifies the payment).
    pub(super) fn select(&mut self, idx: usize, crypto: &str, chain: &str, now: i64) {
        let mut taken = self.taken_amounts(Some(idx), now);
        self.select_among(idx, crypto, chain, now, &mut taken, &mut HashMap::new());
    }

    /// [`Ledger::select`] given the amounts `taken` (the choice is added to
    /// them) and, per base amount, the first offset that may be free (for
    /// a batch: offsets below it are taken).
    pub(super) fn select_among(
        &mut self,
        idx: usize,
        crypto: &str,
        chain: &str,
        now: i64,
        taken: &mut HashSet<Decimal>,
        next_offset: &mut HashMap<Decimal, i64>,
    ) {
        let Some(inv) = self.invoices.get(idx) else { return };
        let base = usdt_per_unit(&inv.currency)
            .and_then(|rate| inv.amount.checked_mul(rate))
            .map_or(Decimal::ZERO, |usdt| usdt.round_dp_with_strategy(2, RoundingStrategy::ToZero))
            .normalize();
        let first = next_offset.get(&base).copied().unwrap_or(1);
        let mut pay_amount = base;
        for k in first..=1_000_000 {
            let Some(candidate) = base.checked_add(Decimal::new(k, 6)) else { break };
            pay_amount = candidate;
            if !taken.contains(&candidate) {
                next_offset.insert(base, k + 1);
                break;
            }
        }
        taken.insert(pay_amount);
        if let Some(inv) = self.invoices.get_mut(idx) {
            inv.selected = Some((crypto.to_owned(), chain.to_owned()));
            inv.pay_address = Some(tron::Address::random().base58);
            inv.pay_amount = Some(pay_amount.normalize());
            inv.started_ms = Some(whole_seconds(now));
        }
    }

    /// Stores the invoice of a validated create request whose `out_no` is
    /// not taken, living `lifetime_ms` from `now` (no method selected yet);
    /// its index.
    pub(super) fn insert(&mut self, req: CreateInvoice, lifetime_ms: i64, now: i64) -> usize {
        let created_ms = whole_seconds(now);
        let mut sys_no = new_sys_no(now);
        while self.by_sys_no.contains_key(&sys_no) {
            sys_no = new_sys_no(now);
        }
        let invoice = Invoice {
            sys_no: sys_no.clone(),
            out_no: req.out_no.clone(),
            title: req.title,
            currency: req.currency,
            amount: req.amount,
            methods: req.methods,
            selected: None,
            pay_address: None,
            pay_amount: None,
            created_ms,
            started_ms: None,
            expires_ms: created_ms.saturating_add(lifetime_ms),
            notify_url: req.notify_url,
            return_url: req.return_url,
            payment: None,
            stage: Stage::Waiting,
        };
        let idx = self.invoices.len();
        self.invoices.push(invoice);
        self.by_sys_no.insert(sys_no, idx);
        self.by_out_no.insert(req.out_no, idx);
        idx
    }
}

/// The one `(crypto, chain)` of `methods`, if there is exactly one.
pub(super) fn single_method(methods: &BTreeMap<String, Vec<String>>) -> Option<(String, String)> {
    let mut all = methods.iter().flat_map(|(c, chains)| chains.iter().map(move |ch| (c.clone(), ch.clone())));
    match (all.next(), all.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// A sliding one-minute window per key; `Err(seconds to wait)` when full.
pub(super) fn throttle(
    calls: &mut HashMap<String, VecDeque<i64>>,
    key: &str,
    limit: Option<u32>,
    now: i64,
) -> Result<(), i64> {
    let Some(limit) = limit else { return Ok(()) };
    let window = calls.entry(key.to_owned()).or_default();
    while window.front().is_some_and(|&t| now - t >= 60_000) {
        window.pop_front();
    }
    if window.len() >= limit as usize {
        let oldest = window.front().copied().unwrap_or(now);
        let wait_ms = (oldest + 60_000 - now).max(1);
        return Err((wait_ms + 999) / 1000);
    }
    window.push_back(now);
    Ok(())
}

/// Epoch ms cut to whole seconds (the doc's times have no fraction).
pub(super) fn whole_seconds(ms: i64) -> i64 {
    ms.div_euclid(1000) * 1000
}

/// `INV` + YYMMDD + 8 upper-case alphanumerics (`INV2606028X7K2P9Q`).
fn new_sys_no(now: i64) -> String {
    const ALPHABET: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let tail: String = crate::random_bytes::<8>()
        .iter()
        .map(|b| char::from(ALPHABET.get(usize::from(*b) % ALPHABET.len()).copied().unwrap_or(b'X')))
        .collect();
    format!("INV{}{tail}", yymmdd(now))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_times() {
        // 2026-06-02T12:00:00Z (the doc's sample date).
        let ms = 1_780_401_600_000;
        assert_eq!(iso8601_s(ms + 999), "2026-06-02T12:00:00Z");
        let sys_no = new_sys_no(ms);
        assert_eq!(sys_no.len(), 17);
        assert!(sys_no.starts_with("INV260602"), "{sys_no}");
        assert!(sys_no[9..].bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }

    #[test]
    fn the_usdt_contract_is_a_tron_address() {
        let raw = bs58::decode(USDT_TRC20_CONTRACT).with_check(None).into_vec().expect("base58check");
        assert_eq!(raw.len(), 21);
        assert_eq!(raw[0], tron::VERSION);
    }

    #[test]
    fn the_webhook_sample_amount() {
        // 29.99 USD → 29.87004 USDT → 29.87 + 0.000001.
        let rate = usdt_per_unit("USD").expect("rate");
        let usdt = Decimal::new(2999, 2) * rate;
        assert_eq!(usdt.normalize().to_string(), "29.87004");
        assert_eq!(usdt.round_dp_with_strategy(2, RoundingStrategy::ToZero).to_string(), "29.87");
    }

    #[test]
    fn throttle_counts_a_sliding_minute() {
        let mut calls = HashMap::new();
        for i in 0..3 {
            assert_eq!(throttle(&mut calls, "k", Some(3), 1_000 + i), Ok(()));
        }
        assert_eq!(throttle(&mut calls, "k", Some(3), 30_000), Err(31));
        assert_eq!(throttle(&mut calls, "other", Some(3), 30_000), Ok(()));
        assert_eq!(throttle(&mut calls, "k", Some(3), 61_000), Ok(()));
        assert_eq!(throttle(&mut calls, "k", None, 61_001), Ok(()));
    }
}
