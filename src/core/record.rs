//! A sale as the journal keeps it: everything needed to resume watching it,
//! list it, report on it and print its receipt.

use super::invoice::{CryptoAmount, Invoice, Payload, Reference};
use super::method::PaymentMethod;
use super::money::Money;
use super::status::{Origin, Status};
use super::tax::Breakdown;
use super::watch::Watch;
use jiff::Timestamp;

pub use super::record_state::RecordState;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaleRecord {
    pub reference: Reference,
    pub method: PaymentMethod,
    pub fiat: Money,
    pub state: RecordState,
    /// When the sale was started at the till.
    pub started_at: Timestamp,
    pub terminal: String,
    pub gateway_id: Option<String>,
    pub crypto: Option<CryptoAmount>,
    pub payload: Option<Payload>,
    /// When the gateway made the invoice.
    pub created_at: Option<Timestamp>,
    pub expires_at: Option<Timestamp>,
    pub status: Status,
    pub origin: Origin,
    pub raw: String,
    pub received: Option<Money>,
    pub tx_id: Option<String>,
    pub note: Option<String>,
    /// Net, tax (and its rate), tip and total, as journaled with the
    /// intent; `None` for sales journaled before tips and tax (schema < 4).
    /// When present, `breakdown.total` equals `fiat`.
    pub breakdown: Option<Breakdown>,
}

impl SaleRecord {
    /// The invoice, for a sale the gateway made.
    pub fn invoice(&self) -> Option<Invoice> {
        if self.state != RecordState::Created {
            return None;
        }
        Some(Invoice {
            id: self.gateway_id.clone()?,
            reference: self.reference.clone(),
            method: self.method,
            fiat: self.fiat.clone(),
            crypto: self.crypto.clone(),
            payload: self.payload.clone()?,
            created_at: self.created_at?,
            expires_at: self.expires_at?,
            status: self.status.clone(),
            received: self.received.clone(),
            choices: Vec::new(),
        })
    }

    /// A watch that carries on where this record stopped.
    pub fn watch(&self, now: Timestamp) -> Option<Watch> {
        let mut w = Watch::new(self.invoice()?, now);
        w.origin = self.origin;
        w.raw = self.raw.clone();
        w.note = self.note.clone();
        w.tx_id = self.tx_id.clone();
        w.answered = false;
        Some(w)
    }

    /// Paid after the invoice expired (the note says "paid late").
    pub fn paid_late(&self) -> bool {
        self.state == RecordState::Created && super::watch::is_paid_late(&self.status, self.note.as_deref())
    }

    /// What the cashier reads in lists: the status, or why there is none.
    pub fn status_label(&self) -> String {
        match self.state {
            RecordState::Created => self.status.label(),
            RecordState::Creating => "CREATING".into(),
            RecordState::NotCreated => "NOT CREATED".into(),
            RecordState::Unknown => "OUTCOME UNKNOWN".into(),
        }
    }
}
