//! The keys of every screen: the help, quitting, the dashboard; and the help
//! lines several screens share.

use crate::tui::intent::Intent;
use crate::tui::keys::{Avail, Binding, Help, Press, TAB};

pub static TYPE: Help = Help { order: 10, text: "type the amount (⌫ erases, Esc clears)" };
pub static CONTINUE: Help = Help { order: 20, text: "continue / create the invoice / next sale" };
pub static PICK: Help = Help { order: 30, text: "pick the payment method" };
pub static BACK: Help = Help { order: 40, text: "go back" };
pub static CANCEL: Help = Help { order: 50, text: "cancel the invoice, or set it aside (asks first)" };
pub static NEXT: Help = Help { order: 60, text: "next sale; the open invoice stays watched" };
pub static WALLET: Help = Help { order: 65, text: "show another wallet the invoice accepts" };
pub static DASHBOARD: Help = Help { order: 70, text: "all invoices, soonest to expire first (Tab/Esc: back)" };
pub static LIST: Help = Help { order: 80, text: "select, show the invoice" };
pub static LIST_ACTIONS: Help = Help { order: 90, text: "cancel (or set aside), filter by state, by gateway" };
pub static HISTORY: Help = Help { order: 100, text: "today's sales (f filters, Enter opens one)" };
pub static SALES: Help = Help { order: 105, text: "select, open the sale, filter by state" };
pub static RECEIPT: Help = Help { order: 110, text: "write the receipt of a paid sale" };
pub static DEMO: Help = Help { order: 120, text: "demo: simulate the customer paying" };
pub static HELP: Help = Help { order: 130, text: "this help" };
pub static QUIT: Help = Help { order: 140, text: "quit (asks while an invoice is open)" };

/// The footer keeps `?` whatever the width.
pub const ALWAYS: u8 = u8::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Dashboard,
    Help,
    Quit,
}

pub const KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[TAB], "Tab", "all invoices", Some(&DASHBOARD), 45, Cmd::Dashboard),
    Binding::new(&[Press::ch('?')], "?", "keys", Some(&HELP), ALWAYS, Cmd::Help),
    Binding::new(&[Press::ch('q')], "q", "quit", Some(&QUIT), 90, Cmd::Quit),
    Binding::new(&[Press::Ctrl('c')], "Ctrl-C", "", Some(&QUIT), 0, Cmd::Quit),
];

/// Whether a global key works: `Tab` is the dashboard's own while it is up,
/// and in the footer only while invoices wait in the background.
pub fn avail(cmd: Cmd, dashboard_open: bool, in_background: bool) -> Avail {
    match cmd {
        Cmd::Dashboard if dashboard_open => Avail::Off,
        Cmd::Dashboard => Avail::shown_if(in_background),
        Cmd::Help | Cmd::Quit => Avail::Shown,
    }
}

pub fn run(cmd: Cmd) -> Intent {
    match cmd {
        Cmd::Dashboard => Intent::Dashboard,
        Cmd::Help => Intent::Modal(crate::tui::intent::Modal::Help),
        Cmd::Quit => Intent::Quit,
    }
}
