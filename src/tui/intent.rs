//! What a screen asks of the `App` beyond its own state ([`Intent`]), and
//! the questions that can sit on top of a screen ([`Modal`]).

use super::action::Effect;
use crate::core::desk::Event;
use crate::core::invoice::Reference;
use crate::core::method::PaymentMethod;
use crate::core::money::Money;
use crate::core::record::SaleRecord;
use crate::core::tax::Breakdown;

/// A question on top of the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modal {
    Help,
    ConfirmCancel(Reference),
    /// The invoice's gateway cannot cancel: offer to set it aside, still
    /// watched in the background (as `n` does).
    SetAside(Reference),
    ConfirmQuit,
    /// Close the day (the Z-report)? Names the day and its counts.
    ConfirmClose {
        day: jiff::civil::Date,
        sales: usize,
        paid: usize,
    },
}

/// What a key asks of the `App`, beyond the screen's own state.
#[derive(Debug, PartialEq, Eq)]
pub enum Intent {
    Nothing,
    /// An event for the desk.
    Core(Event),
    Effect(Effect),
    Flash(String),
    Modal(Modal),
    /// The amount is typed: on to the picker.
    Charge(Money),
    /// The tip and the tax rate are chosen: on to the picker, for the total.
    Priced(Box<Breakdown>),
    /// Back from the tip screen to the amount.
    AmountAgain,
    /// The method is picked: create the invoice.
    Choose(PaymentMethod),
    /// Cancel this invoice at the gateway (the cashier said yes).
    Cancel(Reference),
    /// Leave this invoice to the background (its gateway cannot cancel it):
    /// it stays watched until it ends.
    SetAside(Reference),
    /// A fresh sale from an empty amount.
    NewSale,
    /// Show this invoice (from a list).
    Show(Reference),
    /// Show this sale of the history, settled or not.
    Reopen(Box<SaleRecord>),
    /// Open today's sales.
    History,
    /// Close the history.
    Leave,
    /// Open or close the dashboard.
    Dashboard,
    /// Quit, asking first while invoices are open.
    Quit,
    /// Quit without asking.
    QuitNow,
}
