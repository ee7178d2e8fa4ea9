//! The simulated XaiGate account: its invoices, where each stands (an open
//! one expires by itself), the control actions and seeding.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use serde_json::json;

use super::options::XaigateOptions;
use super::request::{Action, CreateRequest, half};
use super::wire::{MSG_ORDER_EXISTS, OrderId, Refusal, WireInvoice};
use crate::control::ControlError;
use crate::lock;
use crate::seed::{SeedError, Seeded, Spec, object};
use crate::time::{iso8601_us, now_us};

/// `email` and `shopName` of seeded invoices (till sends its configured ones).
const SEED_EMAIL: &str = "seed@till.sandbox";
const SEED_SHOP_NAME: &str = "Sandbox seed";
/// Hosted payment page (§ Base URL and environments, from the sample `payUrl`).
const PAY_URL_PREFIX: &str = "https://wallet.xaigate.com/pay/";

/// A status as stored; `Pending` and `PaidPartial` read `Expired` past the
/// expiry instant (see [`Invoice::status_at`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    Pending,
    PaidPartial,
    Paid,
    Expired,
    Deleted,
    /// `weird`: a value nobody documented.
    Refunded,
}

impl Status {
    pub(super) fn wire(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::PaidPartial => "PaidPartial",
            Self::Paid => "Paid",
            Self::Expired => "Expired",
            Self::Deleted => "Deleted",
            Self::Refunded => "Refunded",
        }
    }

    /// Control actions may still change it (the undocumented value counts as
    /// open: it is not final for the till either).
    pub(super) fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::PaidPartial | Self::Refunded)
    }
}

#[derive(Clone, Debug)]
pub(super) struct Invoice {
    invoice_no: String,
    /// Decimal text as sent.
    amount: String,
    paid_amount: String,
    to_email: String,
    shop_name: String,
    expiry_minutes: u32,
    description: String,
    status: Status,
    currency: &'static str,
    order_id: OrderId,
    /// Epoch microseconds.
    created_us: i64,
    updated_us: i64,
}

impl Invoice {
    pub(super) fn expires_us(&self) -> i64 {
        self.created_us.saturating_add(i64::from(self.expiry_minutes) * 60_000_000)
    }

    /// The status at `now` (µs) and when it last changed.
    pub(super) fn status_at(&self, now: i64) -> (Status, i64) {
        let expires = self.expires_us();
        match self.status {
            // `now > created`: even with `expiry` 0 the create answer reads `Pending`.
            Status::Pending | Status::PaidPartial if now >= expires && now > self.created_us => {
                (Status::Expired, expires.max(self.updated_us))
            }
            status => (status, self.updated_us),
        }
    }

    pub(super) fn wire(&self, now: i64) -> WireInvoice {
        let (status, updated) = self.status_at(now);
        WireInvoice {
            invoice_no: self.invoice_no.clone(),
            amount: self.amount.clone(),
            paid_amount: self.paid_amount.clone(),
            to_email: self.to_email.clone(),
            to_name: self.shop_name.clone(),
            expiry: self.expiry_minutes,
            description: self.description.clone(),
            status: status.wire(),
            pay_url: format!("{PAY_URL_PREFIX}{}?lang=en", self.invoice_no),
            currency: self.currency,
            shop_name: self.shop_name.clone(),
            order_id: self.order_id.clone(),
            created_at: iso8601_us(self.created_us),
            updated_at: iso8601_us(updated),
        }
    }
}

#[derive(Default)]
pub(super) struct Ledger {
    invoices: Vec<Invoice>,
    by_no: HashMap<String, usize>,
    /// Every `orderId` taken, as text.
    order_ids: HashSet<String>,
}

impl Ledger {
    /// Stores an invoice (with a fresh `invoiceNo` if its own is taken).
    pub(super) fn insert(&mut self, mut invoice: Invoice) -> &Invoice {
        while self.by_no.contains_key(&invoice.invoice_no) {
            invoice.invoice_no = new_invoice_no();
        }
        let idx = self.invoices.len();
        self.by_no.insert(invoice.invoice_no.clone(), idx);
        self.order_ids.insert(invoice.order_id.text());
        self.invoices.push(invoice);
        &self.invoices[idx]
    }

    /// By `invoiceNo`, else the newest invoice with that `orderId`.
    pub(super) fn find_mut(&mut self, id: &str) -> Option<&mut Invoice> {
        match self.by_no.get(id).copied() {
            Some(idx) => self.invoices.get_mut(idx),
            None => self.invoices.iter_mut().rev().find(|inv| inv.order_id.text() == id),
        }
    }
}

/// The simulated XaiGate account.
pub(crate) struct Store {
    pub(super) api_key: String,
    pub(super) expiry_minutes: u32,
    pub(super) state: Mutex<Ledger>,
}

impl Store {
    pub(crate) fn new(opts: &XaigateOptions) -> Self {
        Self {
            api_key: opts.api_key.clone(),
            expiry_minutes: opts.expiry_minutes,
            state: Mutex::new(Ledger::default()),
        }
    }

    /// Every invoice, info shape, in creation order.
    pub(super) fn list(&self, now: i64) -> Vec<WireInvoice> {
        lock(&self.state).invoices.iter().map(|inv| inv.wire(now)).collect()
    }

    pub(super) fn info(&self, invoice_no: &str, now: i64) -> Option<WireInvoice> {
        let st = lock(&self.state);
        let idx = st.by_no.get(invoice_no).copied()?;
        st.invoices.get(idx).map(|inv| inv.wire(now))
    }

    /// Stores a created invoice; an `orderId` already taken (compared as
    /// text) is refused with `orderId already exists` (providers README §
    /// What till does when a create times out), nothing stored.
    pub(super) fn insert(&self, invoice: Invoice) -> Result<WireInvoice, Refusal> {
        let mut st = lock(&self.state);
        if st.order_ids.contains(&invoice.order_id.text()) {
            return Err(Refusal::bad(MSG_ORDER_EXISTS));
        }
        let inv = st.insert(invoice);
        Ok(inv.wire(inv.created_us))
    }

    /// `POST /_sandbox/xaigate/seed` (seed.rs): invoices as till's create
    /// would make them (`orderId` the reference, `description`
    /// `Sale <reference>`), with `expiry` = `expire_minutes`; `id` is the
    /// `invoiceNo` (what info takes).
    pub(crate) fn seed(&self, spec: &Spec) -> Result<Vec<Seeded>, SeedError> {
        if !matches!(spec.method.as_str(), "usdt-tron" | "checkout") {
            return Err(SeedError::method(&spec.method, "checkout, usdt-tron: XaiGate's payment page"));
        }
        let expiry_minutes = u32::try_from(spec.expire_minutes).unwrap_or(u32::MAX);
        let now = now_us();
        let invoices = spec
            .references
            .iter()
            .map(|reference| {
                let body = object([
                    ("apiKey", json!(self.api_key)),
                    ("orderId", json!(reference)),
                    ("amount", json!(spec.amount)),
                    ("currency", json!(spec.currency)),
                    ("email", json!(SEED_EMAIL)),
                    ("shopName", json!(SEED_SHOP_NAME)),
                    ("description", json!(format!("Sale {reference}"))),
                ]);
                let req = CreateRequest::parse(&body).map_err(|r| SeedError::refused(reference, r.message))?;
                Ok(new_invoice(req, expiry_minutes, now))
            })
            .collect::<Result<Vec<_>, SeedError>>()?;
        let mut st = lock(&self.state);
        if let Some(taken) = invoices.iter().map(|i| i.order_id.text()).find(|r| st.order_ids.contains(r)) {
            return Err(SeedError::taken(&taken));
        }
        let seeded = invoices
            .into_iter()
            .map(|invoice| {
                let inv = st.insert(invoice);
                Seeded {
                    id: inv.invoice_no.clone(),
                    reference: inv.order_id.text(),
                    created_at: iso8601_us(inv.created_us),
                    expires_at: iso8601_us(inv.expires_us()),
                }
            })
            .collect();
        Ok(seeded)
    }

    /// Applies a control action at `now` (µs).
    pub(super) fn act(&self, id: &str, action: Action, now: i64) -> Result<WireInvoice, ControlError> {
        let mut st = lock(&self.state);
        let inv = st.find_mut(id).ok_or(ControlError::NotFound)?;
        let (status, _) = inv.status_at(now);
        // Money arriving after the expiry is credited late: `Paid`.
        let late = action == Action::Pay && status == Status::Expired;
        if action != Action::Weird && !status.is_open() && !late {
            return Err(ControlError::Conflict(format!("the invoice is {}", status.wire())));
        }
        match action {
            Action::Pay => {
                inv.status = Status::Paid;
                inv.paid_amount = inv.amount.clone();
            }
            Action::Partial => {
                inv.status = Status::PaidPartial;
                inv.paid_amount = half(&inv.amount).unwrap_or_else(|| inv.amount.clone());
            }
            Action::Expire => inv.status = Status::Expired,
            Action::Cancel => inv.status = Status::Deleted,
            Action::Weird => inv.status = Status::Refunded,
        }
        inv.updated_us = now.max(inv.updated_us);
        Ok(inv.wire(now))
    }
}

/// `INV` + 10 random digits (the sample `INV2167234232`).
fn new_invoice_no() -> String {
    let n = u64::from_le_bytes(crate::random_bytes::<8>()) % 10_000_000_000;
    format!("INV{n:010}")
}

/// The invoice create makes at `now` (µs) for a validated request.
pub(super) fn new_invoice(req: CreateRequest, expiry_minutes: u32, now: i64) -> Invoice {
    Invoice {
        invoice_no: new_invoice_no(),
        amount: req.amount,
        paid_amount: "0".into(),
        to_email: req.email,
        shop_name: req.shop_name,
        expiry_minutes,
        description: req.description,
        status: Status::Pending,
        currency: req.currency,
        order_id: req.order_id,
        created_us: now,
        // The sample's updatedAt is a few µs after createdAt.
        updated_us: now + 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(expiry_minutes: u32) -> Store {
        Store::new(&XaigateOptions { expiry_minutes, ..XaigateOptions::default() })
    }

    fn invoice(created_us: i64) -> Invoice {
        Invoice {
            invoice_no: "INV2167234232".into(),
            amount: "10".into(),
            paid_amount: "0".into(),
            to_email: "example@hotmail.com".into(),
            shop_name: "My Store".into(),
            expiry_minutes: 60,
            description: "3 Coffee".into(),
            status: Status::Pending,
            currency: "USD",
            order_id: OrderId::Number(10),
            created_us,
            updated_us: created_us + 3,
        }
    }

    #[test]
    fn the_sample_serializes_field_for_field() {
        // xaigate.md § Create invoice › Response, completed sample.
        let created = 1_701_939_787_976_520; // 2023-12-07T09:03:07.976520Z
        let text = serde_json::to_string(&invoice(created).wire(created)).expect("serializes");
        assert_eq!(
            text,
            concat!(
                r#"{"invoiceNo":"INV2167234232","amount":"10","paidAmount":"0","toEmail":"example@hotmail.com","#,
                r#""toName":"My Store","expiry":60,"description":"3 Coffee","status":"Pending","#,
                r#""payUrl":"https://wallet.xaigate.com/pay/INV2167234232?lang=en","currency":"USD","#,
                r#""shopName":"My Store","orderId":10,"createdAt":"2023-12-07T09:03:07.976520Z","#,
                r#""updatedAt":"2023-12-07T09:03:07.976523Z"}"#
            )
        );
    }

    #[test]
    fn open_invoices_expire_by_themselves() {
        let mut inv = invoice(1_000_000_000);
        let expires = inv.expires_us();
        assert_eq!(inv.status_at(expires - 1).0, Status::Pending);
        assert_eq!(inv.status_at(expires), (Status::Expired, expires));
        inv.status = Status::PaidPartial;
        inv.paid_amount = "5".into();
        let wire = inv.wire(expires + 1);
        assert_eq!((wire.status, wire.paid_amount.as_str()), ("Expired", "5"));
        inv.status = Status::Paid;
        assert_eq!(inv.status_at(expires + 1).0, Status::Paid);
        assert_eq!(inv.status, Status::Paid, "expiry is evaluated on read, not stored");
    }

    #[test]
    fn control_actions_respect_final_states() {
        let s = store(60);
        let now = now_us();
        let wire = s.insert(Invoice { created_us: now, updated_us: now, ..invoice(now) }).map_err(|r| r.message);
        let no = wire.map(|w| w.invoice_no).unwrap_or_default();
        assert_eq!(s.act(&no, Action::Partial, now).map(|w| w.paid_amount), Ok("5".into()));
        assert_eq!(s.act("10", Action::Pay, now).map(|w| w.status), Ok("Paid"), "by orderId");
        assert!(matches!(s.act(&no, Action::Cancel, now), Err(ControlError::Conflict(_))));
        assert_eq!(s.act(&no, Action::Weird, now).map(|w| w.status), Ok("Refunded"));
        assert_eq!(s.act("INV0000000000", Action::Pay, now).map(|w| w.status), Err(ControlError::NotFound));
        // The same orderId again is refused, nothing stored.
        let again = s.insert(Invoice { invoice_no: "INV2".into(), ..invoice(now) }).map(|w| w.invoice_no);
        assert_eq!(again.map_err(|r| r.message), Err(MSG_ORDER_EXISTS.to_owned()));
        // Past the expiry instant the invoice is final, except for late money.
        let late = now + 61 * 60_000_000;
        let fresh = Invoice { invoice_no: "INV1".into(), order_id: OrderId::Number(11), ..invoice(now) };
        let no = s.insert(Invoice { created_us: now, updated_us: now, ..fresh }).map(|w| w.invoice_no);
        let no = no.map_err(|r| r.message).unwrap_or_default();
        assert!(matches!(s.act(&no, Action::Cancel, late), Err(ControlError::Conflict(_))));
        assert_eq!(s.act(&no, Action::Pay, late).map(|w| w.status), Ok("Paid"), "credited late");
        assert!(matches!(s.act(&no, Action::Pay, late), Err(ControlError::Conflict(_))));
    }

    #[test]
    fn order_ids() {
        assert_eq!(OrderId::from_text("10"), OrderId::Number(10));
        assert_eq!(OrderId::from_text("0"), OrderId::Number(0));
        assert_eq!(OrderId::from_text("007"), OrderId::Text("007".into()));
        assert_eq!(OrderId::from_text("till-1"), OrderId::Text("till-1".into()));
        assert_eq!(OrderId::from_text("+1"), OrderId::Text("+1".into()));
        assert_eq!(OrderId::from_text("18446744073709551616"), OrderId::Text("18446744073709551616".into()));
    }

    #[test]
    fn times_and_numbers() {
        let no = new_invoice_no();
        assert!(no.len() == 13 && no.starts_with("INV") && no[3..].bytes().all(|b| b.is_ascii_digit()), "{no}");
        assert_eq!(store(0).expiry_minutes, 0);
    }
}
