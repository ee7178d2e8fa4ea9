//! Bitsby's invoices and payments as the project keeps them, and how their
//! amounts are priced.
//!
//! Where the doc is silent (see the module doc): fixed rates, an offset per
//! invoice in `amountCrypto` so that amounts never repeat, USD figures and
//! the 1 % commission rounded half up to cents.

use std::collections::HashSet;

use rust_decimal::Decimal;

use super::wire::{WireCreated, WireItem, WireWallet};
use crate::decimal::{fixed, half_up};
use crate::time::date_time;

/// Hosted payment page (§ Base URL and environments, from the sample `url`).
const PAY_URL_PREFIX: &str = "https://dash.bitsby.app/invoices/pay/";

/// USD per unit of fiat.
pub(super) fn usd_per_fiat(currency: &str) -> Decimal {
    match currency {
        "EUR" => Decimal::new(108, 2),
        "RUB" => Decimal::new(11, 3),
        _ => Decimal::ONE,
    }
}

/// USD per coin; `None` for stablecoins (and unknown coins), priced 1 USD.
fn usd_per_coin(cryptocurrency: &str) -> Option<Decimal> {
    match cryptocurrency {
        "eth" => Some(Decimal::from(3_500)),
        "btc" => Some(Decimal::from(60_000)),
        _ => None,
    }
}

/// `amountCrypto` (8 decimals) for `usd`, with the invoice's offset `seq`:
/// in 10⁻⁸ for coins, in millionths for stablecoins (USDT has 6 decimals
/// on TRON), the price rounded half up to those units.
pub(super) fn amount_crypto(cryptocurrency: &str, usd: Decimal, seq: u64) -> String {
    let seq = Decimal::from(seq);
    let amount = match usd_per_coin(cryptocurrency) {
        Some(rate) => half_up(usd / rate, 8) + seq * Decimal::new(1, 8),
        None => half_up(usd, 6) + seq * Decimal::new(1, 6),
    };
    fixed(amount, 8)
}

/// `commissionFiatUSD`: 1 % of `amountFiatUSD`, rounded half up to cents
/// (the list sample's `1.00` for `100.00`).
pub(super) fn commission(usd: Decimal) -> Decimal {
    half_up(usd * Decimal::new(1, 2), 2)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    Unpaid,
    Paid,
    Expired,
    Canceled,
    /// `weird`: a value nobody documented.
    Refunded,
}

impl Status {
    pub(super) fn wire(self) -> &'static str {
        match self {
            Self::Unpaid => "unpaid",
            Self::Paid => "paid",
            Self::Expired => "expired",
            Self::Canceled => "canceled",
            Self::Refunded => "refunded",
        }
    }

    /// Control actions other than `view` and `weird` may still change it.
    pub(super) fn is_open(self) -> bool {
        matches!(self, Self::Unpaid | Self::Refunded)
    }
}

#[derive(Clone, Debug)]
pub(super) struct Invoice {
    pub(super) id: String,
    pub(super) uid: String,
    pub(super) project_id: String,
    pub(super) created_secs: i64,
    pub(super) expires_secs: i64,
    /// `amountFiat`, at most 2 decimals.
    pub(super) amount: Decimal,
    pub(super) currency: &'static str,
    /// `amountFiatUSD`, rounded half up to cents.
    pub(super) amount_usd: Decimal,
    pub(super) description: Option<String>,
    pub(super) service_data: Option<String>,
    /// `serviceData.till_sale`, when `serviceData` is JSON carrying it.
    pub(super) till_sale: Option<String>,
    pub(super) views: u64,
    pub(super) status: Status,
    pub(super) wallets: Vec<WireWallet>,
}

impl Invoice {
    /// The status at `now` (epoch ms): `unpaid` reads `expired` from
    /// `timeToPayDatetime` on.
    pub(super) fn status_at(&self, now_ms: i64) -> Status {
        match self.status {
            Status::Unpaid if now_ms >= self.expires_secs.saturating_mul(1000) => Status::Expired,
            status => status,
        }
    }

    pub(super) fn item(&self, now_ms: i64) -> WireItem {
        WireItem {
            id: self.id.clone(),
            uid: self.uid.clone(),
            project_id: self.project_id.clone(),
            create_datetime: date_time(self.created_secs),
            time_to_pay_datetime: date_time(self.expires_secs),
            commission_fiat_usd: fixed(commission(self.amount_usd), 2),
            amount_fiat_usd: fixed(self.amount_usd, 2),
            amount_fiat: fixed(self.amount, 2),
            currency_fiat: self.currency,
            description: self.description.clone(),
            service_data: self.service_data.clone(),
            views: self.views,
            status: self.status_at(now_ms).wire(),
        }
    }

    pub(super) fn created(&self) -> WireCreated {
        WireCreated {
            id: self.id.clone(),
            uid: self.uid.clone(),
            create_datetime: date_time(self.created_secs),
            time_to_pay_datetime: date_time(self.expires_secs),
            url: format!("{PAY_URL_PREFIX}{}", self.uid),
            wallets: self.wallets.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Payment {
    pub(super) id: String,
    pub(super) invoice: usize,
    pub(super) wallet: WireWallet,
    pub(super) amount: String,
    pub(super) hash: String,
    pub(super) tx_secs: i64,
}

#[derive(Default)]
pub(super) struct Ledger {
    pub(super) invoices: Vec<Invoice>,
    pub(super) payments: Vec<Payment>,
    /// Invoices created so far (the amount offset of the next is this + 1).
    pub(super) seq: u64,
    /// Every invoice's `uid`.
    pub(super) uids: HashSet<String>,
}

impl Ledger {
    /// By `id` or `uid`, else the newest invoice whose `serviceData.till_sale` it is.
    pub(super) fn find(&self, id: &str) -> Option<usize> {
        self.invoices
            .iter()
            .position(|inv| inv.id == id || inv.uid == id)
            .or_else(|| self.invoices.iter().rposition(|inv| inv.till_sale.as_deref() == Some(id)))
    }
}

/// 12 random letters and digits (the sample `MXNj4m8HhcM4`).
pub(super) fn new_uid() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    crate::random_bytes::<12>().iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect()
}

/// A transaction hash in the chain's usual spelling.
pub(super) fn new_tx_hash(blockchain: &str) -> String {
    let hex = crate::hex(&crate::random_bytes::<32>());
    match blockchain {
        "bitcoin" | "tron" => hex,
        _ => format!("0x{hex}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_at_the_fixed_rates() {
        // 10.55 EUR = 11.394 USD.
        let usd = Decimal::new(1055, 2) * usd_per_fiat("EUR");
        assert_eq!(usd, Decimal::new(11_394, 3));
        assert_eq!(amount_crypto("usdt", usd, 1), "11.39400100");
        assert_eq!(amount_crypto("eth", usd, 1), "0.00325544");
        assert_eq!(amount_crypto("btc", usd, 2), "0.00018992");
        assert_eq!(fixed(half_up(usd, 2), 2), "11.39");
        assert_eq!(fixed(commission(Decimal::from(100)), 2), "1.00");
    }

    #[test]
    fn uids() {
        let uid = new_uid();
        assert!(uid.len() == 12 && uid.bytes().all(|b| b.is_ascii_alphanumeric()), "{uid}");
    }
}
