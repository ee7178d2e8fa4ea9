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

    /// Records the way the customer actually paid (a payment to another of
    /// the invoice's wallets than the one on screen): that choice is shown
    /// instead, with the amount paid where the gateway gives it. A way the
    /// invoice did not offer is taken as the gateway describes it. `false`
    /// when nothing changed.
    pub fn paid_with(&mut self, paid: &Choice) -> bool {
        if paid.method == self.method.method {
            if paid.crypto.is_none() || paid.crypto == self.crypto {
                return false;
            }
        } else if !self.switch_to(paid.method) {
            let previous = Choice {
                method: self.method.method,
                crypto: self.crypto.take(),
                payload: std::mem::replace(&mut self.payload, paid.payload.clone()),
            };
            self.choices.push(previous);
            self.method.method = paid.method;
        }
        if paid.crypto.is_some() {
            self.crypto = paid.crypto.clone();
        }
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
    /// Which of the invoice's ways to pay the customer used, with the amount
    /// paid, where the gateway says so (Bitsby's `/payments/list`). `None`:
    /// the gateway does not say; the way on screen stands.
    pub paid_with: Option<Choice>,
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

    fn choice(method: MethodId, amount: i64, qr: &str) -> Choice {
        Choice {
            method,
            crypto: Some(CryptoAmount { amount: Decimal::new(amount, 2), unit: method.unit().into() }),
            payload: Payload { kind: PayloadKind::Address, qr: qr.into(), text: qr.into() },
        }
    }

    #[test]
    fn the_way_paid_replaces_the_way_shown() {
        let usd = crate::core::money::Currency::from_code("USD").unwrap();
        let shown = choice(MethodId::UsdtTron, 1000, "T");
        let mut inv = Invoice {
            id: "i".into(),
            reference: Reference::from_random(7),
            method: PaymentMethod::new(crate::core::method::ProviderId::Bitsby, shown.method),
            fiat: Money::new(Decimal::TEN, usd),
            crypto: shown.crypto.clone(),
            payload: shown.payload.clone(),
            created_at: Timestamp::UNIX_EPOCH,
            expires_at: Timestamp::UNIX_EPOCH,
            status: Status::Pending,
            received: None,
            choices: vec![choice(MethodId::UsdtBsc, 1001, "0xb")],
        };
        assert!(!inv.paid_with(&shown), "the way on screen, the amount asked");
        // Another wallet of the invoice: switched to, with the amount paid.
        assert!(inv.paid_with(&choice(MethodId::UsdtBsc, 999, "0xpaid")));
        assert_eq!(inv.method.method, MethodId::UsdtBsc);
        assert_eq!(inv.crypto, choice(MethodId::UsdtBsc, 999, "").crypto);
        assert_eq!(inv.payload.qr, "0xb", "the verified wallet stays");
        assert_eq!(inv.choices, vec![shown]);
        // A way the invoice did not offer: taken as given.
        assert!(inv.paid_with(&choice(MethodId::Eth, 1, "0xe")));
        assert_eq!((inv.method.method, inv.payload.qr.as_str()), (MethodId::Eth, "0xe"));
        assert_eq!(inv.choices.len(), 2);
    }
}
