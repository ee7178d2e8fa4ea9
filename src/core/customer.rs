//! What the customer may see of the till's current sale, computed from the
//! desk: the amount, how to pay it, the code to scan and when it expires,
//! then whether it was paid. Nothing that is only for the cashier: no other
//! invoices (those watched in the background), no errors, no references or
//! gateway ids, no received amounts or raw gateway words. `till display`
//! shows this on a screen turned to the customer; the runtime publishes it.

use super::desk::Desk;
use super::invoice::CryptoAmount;
use super::money::Money;
use super::sale::Sale;
use super::status::Status;
use jiff::Timestamp;

/// The customer's screen: the shop's name and the sale in hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerView {
    pub shop: String,
    pub sale: CustomerSale,
}

/// Where the sale in hand stands, for the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomerSale {
    /// No sale: the shop's name.
    Idle,
    /// The cashier has entered the amount and is preparing the payment
    /// (picking the method, creating the invoice; a failed create stays
    /// here: the error is the cashier's).
    Total(Money),
    /// The invoice is open: scan `qr` before `expires_at`.
    Open { due: Due, waiting: Waiting, qr: String, expires_at: Timestamp },
    /// The invoice is over. No code: nothing to scan any more.
    Done { due: Due, end: End },
}

/// What is asked of the customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub fiat: Money,
    pub crypto: Option<CryptoAmount>,
    /// How to pay, e.g. "USDT on TRON".
    pub method: String,
    /// The network, e.g. "USDT · TRON (TRC-20)".
    pub network: String,
}

/// An open invoice's state, in the customer's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// Nothing paid yet (an unknown gateway word counts as this: never paid).
    Pending,
    /// The payment is seen, waiting for confirmations.
    Confirming,
    /// Less than the amount has arrived.
    Underpaid,
}

/// How an invoice ended, in the customer's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Paid,
    /// Expired, with or without part paid (the part is the cashier's business).
    Expired,
    Canceled,
}

impl CustomerSale {
    /// The state's name on the wire (`idle`, `total`, `pending`, …).
    pub fn state(&self) -> &'static str {
        match self {
            CustomerSale::Idle => "idle",
            CustomerSale::Total(_) => "total",
            CustomerSale::Open { waiting: Waiting::Pending, .. } => "pending",
            CustomerSale::Open { waiting: Waiting::Confirming, .. } => "confirming",
            CustomerSale::Open { waiting: Waiting::Underpaid, .. } => "underpaid",
            CustomerSale::Done { end: End::Paid, .. } => "paid",
            CustomerSale::Done { end: End::Expired, .. } => "expired",
            CustomerSale::Done { end: End::Canceled, .. } => "canceled",
        }
    }
}

/// The customer's view of the desk's sale in hand. Cheap (one lookup and a
/// few short strings), so the runtime computes it after every turn.
pub fn sale(desk: &Desk) -> CustomerSale {
    match &desk.sale {
        Sale::Amount => CustomerSale::Idle,
        Sale::Method { amount } | Sale::Creating { amount, .. } | Sale::Failed { amount, .. } => {
            CustomerSale::Total(amount.clone())
        }
        // An invoice already over when the cashier brought it back is not
        // this customer's: their screen stays on the shop's name.
        Sale::Final { recalled: true, .. } => CustomerSale::Idle,
        Sale::Open { reference } | Sale::Final { reference, recalled: false } => {
            // An invoice the journal could not store is never shown, here either.
            let Some(w) = desk.watch(reference).filter(|w| !w.unstored) else {
                return CustomerSale::Idle;
            };
            let inv = &w.invoice;
            let due = Due {
                fiat: inv.fiat.clone(),
                crypto: inv.crypto.clone(),
                method: inv.method.method.label().to_string(),
                network: inv.method.method.network().to_string(),
            };
            let end = match w.status() {
                Status::Paid => End::Paid,
                Status::Expired | Status::ExpiredUnderpaid => End::Expired,
                Status::Canceled => End::Canceled,
                open => {
                    let waiting = match open {
                        Status::Confirming => Waiting::Confirming,
                        Status::Underpaid => Waiting::Underpaid,
                        _ => Waiting::Pending,
                    };
                    return CustomerSale::Open { due, waiting, qr: inv.payload.qr.clone(), expires_at: inv.expires_at };
                }
            };
            CustomerSale::Done { due, end }
        }
    }
}

/// The whole view: the shop's name and [`sale`].
pub fn view(desk: &Desk, shop: &str) -> CustomerView {
    CustomerView { shop: shop.to_string(), sale: sale(desk) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::desk::Event;
    use crate::core::invoice::{Invoice, Payload, PayloadKind, Reference, StatusReport};
    use crate::core::method::{MethodId, PaymentMethod, ProviderId};
    use crate::core::money::Currency;
    use crate::core::problem::{Problem, ProblemKind};
    use crate::core::schedule::PollPolicy;

    fn usd(s: &str) -> Money {
        Money::new(s.parse().unwrap(), Currency::from_code("USD").unwrap())
    }

    fn invoice(reference: &str, qr: &str) -> Invoice {
        Invoice {
            id: format!("gw-{reference}"),
            reference: Reference::parse(reference).unwrap(),
            method: PaymentMethod::new(ProviderId::Xpay, MethodId::UsdtTron),
            fiat: usd("12.50"),
            crypto: Some(CryptoAmount { amount: "12.5".parse().unwrap(), unit: "USDT".into() }),
            payload: Payload { kind: PayloadKind::Address, qr: qr.into(), text: qr.into() },
            created_at: Timestamp::UNIX_EPOCH,
            expires_at: Timestamp::from_second(1800).unwrap(),
            status: Status::Pending,
            received: None,
            choices: Vec::new(),
        }
    }

    fn open(desk: &mut Desk, inv: Invoice) {
        desk.update(Event::AmountEntered(inv.fiat.clone()));
        desk.update(Event::MethodChosen(inv.method, inv.reference.clone()));
        desk.update(Event::Created { reference: inv.reference.clone(), result: Ok(inv) });
    }

    fn report(status: Status) -> Result<StatusReport, Problem> {
        Ok(StatusReport { raw: status.name().into(), status, received: None, tx_id: None, paid_with: None })
    }

    #[test]
    fn a_sale_walks_idle_total_open_paid_and_back_to_idle() {
        let mut desk = Desk::new(PollPolicy::default(), Timestamp::UNIX_EPOCH);
        assert_eq!(sale(&desk), CustomerSale::Idle);
        desk.update(Event::AmountEntered(usd("12.50")));
        assert_eq!(sale(&desk), CustomerSale::Total(usd("12.50")));
        let mut desk = Desk::new(PollPolicy::default(), Timestamp::UNIX_EPOCH);
        open(&mut desk, invoice("a", "TA"));
        let CustomerSale::Open { qr, waiting, due, .. } = sale(&desk) else { panic!("{:?}", sale(&desk)) };
        assert_eq!((qr.as_str(), waiting, due.method.as_str()), ("TA", Waiting::Pending, "USDT on TRON"));
        let reference = Reference::parse("a").unwrap();
        desk.update(Event::Polled { reference, result: report(Status::Paid) });
        assert_eq!(sale(&desk).state(), "paid");
        desk.update(Event::NewSale);
        assert_eq!(sale(&desk), CustomerSale::Idle);
    }

    #[test]
    fn a_failed_create_shows_the_total_and_no_error() {
        let mut desk = Desk::new(PollPolicy::default(), Timestamp::UNIX_EPOCH);
        let inv = invoice("a", "TA");
        desk.update(Event::AmountEntered(inv.fiat.clone()));
        desk.update(Event::MethodChosen(inv.method, inv.reference.clone()));
        let problem = Problem::new(ProblemKind::Refused, "secret words");
        desk.update(Event::Created { reference: inv.reference.clone(), result: Err(problem) });
        assert_eq!(sale(&desk), CustomerSale::Total(usd("12.50")));
    }

    #[test]
    fn expired_underpaid_is_expired_for_the_customer() {
        let mut desk = Desk::new(PollPolicy::default(), Timestamp::UNIX_EPOCH);
        open(&mut desk, invoice("a", "TA"));
        let reference = Reference::parse("a").unwrap();
        desk.update(Event::Polled { reference, result: report(Status::ExpiredUnderpaid) });
        assert!(matches!(sale(&desk), CustomerSale::Done { end: End::Expired, .. }));
    }

    #[test]
    fn a_finished_sale_the_cashier_looks_up_again_is_not_shown_to_the_next_customer() {
        let mut desk = Desk::new(PollPolicy::default(), Timestamp::UNIX_EPOCH);
        open(&mut desk, invoice("a", "TA"));
        let a = Reference::parse("a").unwrap();
        desk.update(Event::Polled { reference: a.clone(), result: report(Status::Paid) });
        desk.update(Event::NewSale);
        // From the dashboard or the history: the cashier's business.
        desk.update(Event::Show(a.clone()));
        assert_eq!(desk.sale.reference(), Some(&a), "the cashier sees it");
        assert_eq!(sale(&desk), CustomerSale::Idle, "the customer does not");
        // An open invoice brought back is the customer's to pay.
        open(&mut desk, invoice("b", "TB"));
        desk.update(Event::NewSale);
        desk.update(Event::Show(Reference::parse("b").unwrap()));
        assert_eq!(sale(&desk).state(), "pending");
    }
}
