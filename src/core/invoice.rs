//! An invoice as the till knows it, whatever gateway made it.

use super::method::{MethodId, PaymentMethod};
use super::money::Money;
use super::status::Status;
use jiff::Timestamp;
use rust_decimal::Decimal;
use std::fmt;

/// An exact amount of a crypto asset, as the gateway stated it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CryptoAmount {
    pub amount: Decimal,
    /// `BTC`, `sat`, `USDT`, …
    pub unit: String,
}

impl fmt::Display for CryptoAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount.normalize(), self.unit)
    }
}

/// What the QR carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadKind {
    /// `LIGHTNING:` + an upper-case BOLT11 invoice.
    Lightning,
    /// A bare on-chain address (TRON, EVM).
    Address,
    /// A BIP 21 `bitcoin:` URI with the amount.
    Bitcoin,
    /// The gateway's hosted payment page: the customer scans it to open the page.
    Page,
}

impl PayloadKind {
    /// The name kept in the journal.
    pub fn name(self) -> &'static str {
        match self {
            PayloadKind::Lightning => "lightning",
            PayloadKind::Address => "address",
            PayloadKind::Bitcoin => "bitcoin",
            PayloadKind::Page => "page",
        }
    }

    pub fn from_name(name: &str) -> Option<PayloadKind> {
        [PayloadKind::Lightning, PayloadKind::Address, PayloadKind::Bitcoin, PayloadKind::Page]
            .into_iter()
            .find(|k| k.name() == name)
    }

    /// The words above the copyable text.
    pub fn caption(self) -> &'static str {
        match self {
            PayloadKind::Lightning => "Lightning invoice:",
            PayloadKind::Address => "Pay to address:",
            PayloadKind::Bitcoin => "Pay to Bitcoin address:",
            PayloadKind::Page => "Scan to open the payment page:",
        }
    }
}

/// The verified payment payload: the QR text and the text shown beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payload {
    pub kind: PayloadKind,
    /// Exactly what the QR encodes.
    pub qr: String,
    /// What the cashier can read or copy (the BOLT11 or the address).
    pub text: String,
}

/// Another way to pay the same invoice (Bitsby: each wallet of the invoice),
/// verified like the main payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub method: MethodId,
    pub crypto: Option<CryptoAmount>,
    pub payload: Payload,
}

/// Our merchant reference: unique per sale, at most 32 characters of `[A-Za-z0-9_-]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reference(String);

impl Reference {
    /// A reference from a random 128-bit value: `t` + 26 base32 characters.
    pub fn from_random(bits: u128) -> Reference {
        const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
        let mut s = String::with_capacity(27);
        s.push('t');
        for i in 0..26 {
            let idx = ((bits >> (i * 5)) & 31) as usize;
            s.push(char::from(ALPHABET[idx]));
        }
        Reference(s)
    }

    /// A reference from a fresh random UUID.
    pub fn random() -> Reference {
        Reference::from_random(uuid::Uuid::new_v4().as_u128())
    }

    /// Accepts an existing reference if it has the allowed shape.
    pub fn parse(s: &str) -> Option<Reference> {
        let ok = !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        ok.then(|| Reference(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An invoice at a gateway.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invoice {
    /// The gateway's id for it.
    pub id: String,
    pub reference: Reference,
    pub method: PaymentMethod,
    pub fiat: Money,
    /// The crypto amount due, as the gateway said, where it says one.
    pub crypto: Option<CryptoAmount>,
    pub payload: Payload,
    pub created_at: Timestamp,
    /// The instant the invoice stops accepting payment (UTC).
    pub expires_at: Timestamp,
    pub status: Status,
    /// Amount received so far, in the fiat currency where the gateway counts so.
    pub received: Option<Money>,
    /// Other verified ways to pay this same invoice, the shown one not included.
    pub choices: Vec<Choice>,
}

impl Invoice {
    /// Shows another of the invoice's verified choices instead of the current
    /// one, which becomes a choice. `false` when the invoice has no such choice.
    pub fn switch_to(&mut self, method: MethodId) -> bool {
        let Some(i) = self.choices.iter().position(|c| c.method == method) else {
            return false;
        };
        let chosen = self.choices.remove(i);
        let previous = Choice {
            method: self.method.method,
            crypto: self.crypto.take(),
            payload: std::mem::replace(&mut self.payload, chosen.payload),
        };
        self.choices.insert(i, previous);
        self.method.method = chosen.method;
        self.crypto = chosen.crypto;
        true
    }

    /// The method shown after `method` in a stable cycle over all choices.
    pub fn next_choice(&self) -> Option<MethodId> {
        let mut all: Vec<MethodId> = self.choices.iter().map(|c| c.method).collect();
        all.push(self.method.method);
        all.sort();
        let i = all.iter().position(|m| *m == self.method.method)?;
        let next = all.get((i + 1) % all.len()).copied()?;
        (next != self.method.method).then_some(next)
    }
}

/// A gateway's answer to "how is this invoice?".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusReport {
    pub status: Status,
    /// The gateway's own words for it, for the log and the UNKNOWN label.
    pub raw: String,
    pub received: Option<Money>,
    /// A transaction id, where the gateway gives one.
    pub tx_id: Option<String>,
}

/// One page of a gateway's batch status listing, matched to the invoices
/// asked about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusPage {
    /// The asked-about invoices found on this page, with their status.
    pub reports: Vec<(Reference, StatusReport)>,
    /// Whether a next page may hold more of them.
    pub more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_short_and_safe() {
        for bits in [0u128, u128::MAX, 0x0123_4567_89ab_cdef_0123_4567_89ab_cdef] {
            let r = Reference::from_random(bits);
            assert!(Reference::parse(r.as_str()).is_some(), "{r}");
            assert_eq!(r.as_str().len(), 27);
        }
        assert_ne!(Reference::from_random(1), Reference::from_random(2));
        assert!(Reference::parse("has space").is_none());
        assert!(Reference::parse(&"x".repeat(33)).is_none());
    }
}
