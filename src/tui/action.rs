//! What goes into the terminal face (actions) and what it asks of the event
//! loop (effects).

use crate::core::desk::{Command, Event, Notice};
use crate::core::invoice::Reference;
use crate::core::method::ProviderId;
use crate::core::record::SaleRecord;
use crossterm::event::KeyEvent;
use jiff::Timestamp;

/// Input to the face. Moved once per event, never stored in bulk: the
/// size difference between variants costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Action {
    Key(KeyEvent),
    /// The 1 s tick, with the wall clock.
    Tick(Timestamp),
    /// A result from the runtime.
    Core(Event),
    /// The demo's simulated payment failed or succeeded.
    DemoPaid(Result<(), String>),
    /// Today's sales, for the history screen.
    History(Result<Vec<SaleRecord>, String>),
    /// Where the receipt was written, or why it was not.
    Receipt(Result<String, String>),
    /// A journal write failed: the cashier must know.
    JournalFailed(String),
}

/// Work for the event loop (moved once, like actions).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    Run(Command),
    /// Demo mode: tell the sandbox the customer paid.
    SimulatePayment(ProviderId, Reference),
    Bell,
    Quit,
    /// Write these status changes to the journal (before the next draw).
    Record(Vec<Notice>),
    /// Load today's sales from the journal for the history screen.
    LoadHistory,
    /// Write the receipt of this paid sale.
    WriteReceipt(Reference),
}
