//! What Bitsby's lists say of one of our sales, beyond the create's answer
//! (bitsby.md § Query status): the invoice found by our reference in
//! `/invoices/list` (a create whose answer was lost, a restart), and the
//! payment `/payments/list` matched to a paid invoice. Pure: no I/O.
//!
//! Protocol facts and assumptions followed here:
//! - A list item has no wallets, so a found invoice cannot show a wallet's
//!   QR. It shows the hosted payment page instead, whose address is
//!   `https://dash.bitsby.app/invoices/pay/<uid>` (the page named in the
//!   doc's base-URL table and its create sample). Opening the page counts as
//!   a view, after which Bitsby refuses a cancel: the till says so then.
//! - A found invoice that is not `unpaid` is given as not yet asked
//!   (`unknown`), so that it is polled at once: its status, and for a paid
//!   one the payment, come from that poll and are recorded as they come.
//! - Of several items carrying our reference (an older till could leave two),
//!   a paid one wins, then an unpaid one, then an expired one; a canceled one
//!   is the invoice only when there is no other (never at create time: a new
//!   one is made then).
//! - A payment item names its wallet by `blockchain` + `cryptocurrency` (the
//!   till method), its `amount` (exact decimal text) and `hash`. The payment
//!   matched to the invoice is one whose `invoice.id` is ours, the one of
//!   exactly a reserved amount of the invoice first (Bitsby matches only
//!   exact amounts).

use super::wire::{P, derive_status, wallet_method};
use crate::core::invoice::{Choice, CryptoAmount, Invoice, Payload, PayloadKind, Reference};
use crate::core::method::{MethodId, PaymentMethod};
use crate::core::status::Status;
use crate::gateway::CreateRequest;
use crate::gateway::answer;
use crate::gateway::error::GatewayError;
use crate::gateway::json::{self, Fields};
use crate::gateway::verify::{self, Networks};
use serde_json::Value;

/// The hosted payment page of an invoice, by its `uid`.
pub const PAGE_PREFIX: &str = "https://dash.bitsby.app/invoices/pay/";

/// The rank of a list item carrying our reference: lower is the invoice.
fn rank(item: &Value) -> u8 {
    match item.get("status").and_then(Value::as_str) {
        Some("paid") => 0,
        Some("unpaid") => 1,
        Some("expired") => 2,
        Some("canceled") => 4,
        _ => 3,
    }
}

/// The item of `items` that is the invoice of our reference; a canceled one
/// only when `canceled_too`.
pub fn best_match(items: Vec<Value>, reference: &Reference, canceled_too: bool) -> Option<Value> {
    items
        .into_iter()
        .filter(|i| super::carries(i, reference))
        .filter(|i| canceled_too || i.get("status").and_then(Value::as_str) != Some("canceled"))
        .min_by_key(rank)
}

/// A listed invoice as the till's invoice for `request`: the hosted page as
/// its code (the list has no wallets), the chosen method named, no crypto
/// amount. Its amount must be the one asked.
pub fn invoice_found(item: &Value, request: &CreateRequest) -> Result<Invoice, GatewayError> {
    let f = Fields::new(P, "data[].", item);
    let id = f.str("id")?.to_string();
    let uid = f.str("uid")?;
    if uid.is_empty() || !uid.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(GatewayError::protocol(P, "data[].uid", "not an invoice uid"));
    }
    answer::same_amount(P, "data[].amountFiat", f.decimal("amountFiat")?, request.amount.amount)?;
    let created_at = f.utc_naive("createDatetime")?;
    let expires_at = f.utc_naive("timeToPayDatetime")?;
    let url = format!("{PAGE_PREFIX}{uid}");
    verify::page_url(&url).map_err(|error| GatewayError::Unverified { provider: P, error })?;
    let (status, raw) = derive_status(item);
    let status = match status {
        Status::Pending => Status::Pending,
        _ => Status::Unknown(format!("{raw} (found by our reference: asked again at once)")),
    };
    Ok(Invoice {
        id,
        reference: request.reference.clone(),
        method: PaymentMethod::new(P, request.method),
        fiat: request.amount.clone(),
        crypto: None,
        payload: Payload { kind: PayloadKind::Page, qr: url.clone(), text: url },
        created_at,
        expires_at,
        status,
        received: None,
        choices: Vec::new(),
    })
}

/// The payment that paid the invoice, as `/payments/list` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paid {
    /// The transaction hash.
    pub hash: Option<String>,
    /// The wallet paid and the amount, as a way to pay the invoice; `None`
    /// when the wallet is none the till knows.
    pub with: Option<Choice>,
}

/// The way a payment item went: the wallet's method, the amount paid, and
/// the wallet (the invoice's own verified one where it offered it; else the
/// address Bitsby names, recorded, never shown: the invoice is paid).
fn way(payment: &Value, invoice: &Invoice) -> Option<Choice> {
    let wallet = payment.get("wallet")?;
    let method = wallet_method(
        wallet.get("blockchain").and_then(Value::as_str)?,
        wallet.get("cryptocurrency").and_then(Value::as_str)?,
    )?;
    let crypto = payment
        .get("amount")
        .and_then(json::decimal)
        .map(|amount| CryptoAmount { amount, unit: method.unit().to_string() });
    let offered = if method == invoice.method.method {
        Some(invoice.payload.clone())
    } else {
        invoice.choices.iter().find(|c| c.method == method).map(|c| c.payload.clone())
    };
    let payload = offered.unwrap_or_else(|| {
        let address = wallet.get("address").and_then(Value::as_str).unwrap_or_default().to_string();
        let kind = if method == MethodId::Btc { PayloadKind::Bitcoin } else { PayloadKind::Address };
        Payload { kind, qr: address.clone(), text: address }
    });
    Some(Choice { method, crypto, payload })
}

/// Whether a payment item is of exactly an amount the invoice reserved in
/// that wallet.
fn exact(payment: &Value, invoice: &Invoice) -> bool {
    let Some(c) = way(payment, invoice) else { return false };
    let reserved = if c.method == invoice.method.method {
        invoice.crypto.as_ref()
    } else {
        invoice.choices.iter().find(|x| x.method == c.method).and_then(|x| x.crypto.as_ref())
    };
    c.crypto.is_some() && reserved.map(|r| r.amount) == c.crypto.as_ref().map(|p| p.amount)
}

/// The payment of `/payments/list` (its `data`) that paid `invoice`.
pub fn payment_from(data: &Value, invoice: &Invoice, networks: Networks) -> Option<Paid> {
    let ours: Vec<&Value> = data
        .as_array()?
        .iter()
        .filter(|p| match p.get("invoice").and_then(|i| i.get("id")) {
            Some(id) => id.as_str() == Some(invoice.id.as_str()),
            // Asked by invoiceId: an item without its invoice is taken as ours.
            None => true,
        })
        .collect();
    let payment = ours.iter().find(|p| exact(p, invoice)).or_else(|| ours.first())?;
    let with = way(payment, invoice);
    match &with {
        None => tracing::warn!(provider = "bitsby", id = %invoice.id, "paid through a wallet the till does not know"),
        Some(c) if c.method != invoice.method.method && !invoice.choices.iter().any(|x| x.method == c.method) => {
            let checked = match c.method {
                MethodId::UsdtTron => verify::tron_address(&c.payload.text),
                MethodId::Btc => verify::bitcoin_address(&c.payload.text, networks),
                _ => verify::evm_address(&c.payload.text),
            };
            if let Err(e) = checked {
                tracing::warn!(provider = "bitsby", id = %invoice.id, error = %e, "the wallet paid, one the invoice did not show, fails the till's check (recorded, never shown)");
            }
        }
        Some(_) => {}
    }
    Some(Paid { hash: payment.get("hash").and_then(Value::as_str).map(str::to_string), with })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::money::{Currency, Money};
    use rust_decimal::Decimal;
    use serde_json::json;

    fn request() -> CreateRequest {
        CreateRequest {
            reference: Reference::parse("t-1").unwrap(),
            amount: Money::new(Decimal::new(1250, 2), Currency::from_code("USD").unwrap()),
            method: MethodId::UsdtTron,
            retry: false,
        }
    }

    fn item(status: &str, id: &str) -> Value {
        json!({"id": id, "uid": "MXNj4m8HhcM4", "createDatetime": "2024-02-29 15:20:24",
               "timeToPayDatetime": "2024-02-29 16:20:24", "amountFiat": "12.50", "currencyFiat": "USD",
               "serviceData": super::super::service_data(&request().reference, "t"), "views": 0, "status": status})
    }

    #[test]
    fn the_invoice_of_our_reference_is_found_and_shown_as_its_page() {
        let items = vec![item("canceled", "a"), item("unpaid", "b"), item("paid", "c"), json!({"id": "d"})];
        let r = &request().reference;
        assert_eq!(best_match(items.clone(), r, false).unwrap()["id"], "c");
        assert_eq!(best_match(vec![item("canceled", "a")], r, false), None);
        assert_eq!(best_match(vec![item("canceled", "a")], r, true).unwrap()["id"], "a");
        let inv = invoice_found(&item("unpaid", "b"), &request()).unwrap();
        assert_eq!(inv.payload.qr, "https://dash.bitsby.app/invoices/pay/MXNj4m8HhcM4");
        assert_eq!((inv.status, inv.crypto), (Status::Pending, None));
        assert_eq!(inv.expires_at.to_string(), "2024-02-29T16:20:24Z");
        let paid = invoice_found(&item("paid", "c"), &request()).unwrap();
        assert!(matches!(paid.status, Status::Unknown(_)), "asked at once, its payment with it");
        let mut other = item("unpaid", "b");
        other["amountFiat"] = json!("12.51");
        assert!(invoice_found(&other, &request()).is_err());
    }

    #[test]
    fn the_payment_names_the_wallet_actually_paid() {
        let tron = Choice {
            method: MethodId::UsdtTron,
            crypto: Some(CryptoAmount { amount: Decimal::new(1_250_001, 5), unit: "USDT".into() }),
            payload: Payload { kind: PayloadKind::Address, qr: "T".into(), text: "T".into() },
        };
        let bsc = Choice {
            method: MethodId::UsdtBsc,
            payload: Payload { qr: "0xB".into(), ..tron.payload.clone() },
            ..tron.clone()
        };
        let inv = Invoice {
            choices: vec![bsc.clone()],
            crypto: tron.crypto.clone(),
            ..invoice_found(&item("unpaid", "b"), &request()).unwrap()
        };
        let data = json!([
            {"id": "p0", "amount": "1.00000000", "hash": "0xother", "invoice": {"id": "x"},
             "wallet": {"blockchain": "tron", "cryptocurrency": "usdt", "address": "T"}},
            {"id": "p1", "amount": "3.00000000", "hash": "0xodd", "invoice": {"id": "b"},
             "wallet": {"blockchain": "ethereum", "cryptocurrency": "eth", "address": "0x1427ca2c71bCa28f0B619b70E3F112065D5411aC"}},
            {"id": "p2", "amount": "12.50001000", "hash": "0x3317", "invoice": {"id": "b"},
             "wallet": {"blockchain": "bnbSmartChain", "cryptocurrency": "usdt", "address": "0xB"}},
        ]);
        let paid = payment_from(&data, &inv, Networks::Mainnet).unwrap();
        assert_eq!(paid.hash.as_deref(), Some("0x3317"), "the exact amount wins");
        assert_eq!(paid.with, Some(bsc));
        let odd = payment_from(&json!([data[1]]), &inv, Networks::Mainnet).unwrap().with.unwrap();
        assert_eq!((odd.method, odd.crypto.unwrap().to_string()), (MethodId::Eth, "3 ETH".to_string()));
        assert_eq!(odd.payload.qr, "0x1427ca2c71bCa28f0B619b70E3F112065D5411aC");
        assert_eq!(payment_from(&json!([data[0]]), &inv, Networks::Mainnet), None, "another invoice's");
        assert_eq!(payment_from(&json!([]), &inv, Networks::Mainnet), None);
    }
}
