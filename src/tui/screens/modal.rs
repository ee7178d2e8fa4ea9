//! The questions on top of a screen (cancel this invoice? set it aside, when
//! its gateway cannot cancel? quit?) and the help: their words, their keys,
//! their boxes. A question about an invoice names it: reference and amount.

use super::help;
use crate::core::invoice::Reference;
use crate::core::words::count;
use crate::tui::action::Effect;
use crate::tui::ctx::View;
use crate::tui::intent::{Intent, Modal};
use crate::tui::keys::{Avail, Binding, Hint, Press, Setup, find, hint, hints};
use crate::tui::widgets::modal;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::Line;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Yes,
    No,
}

const YES: &[Press] = &[Press::ch('y'), Press::ch('Y')];

/// Any key closes the help.
const HELP_KEYS: &[Binding<Cmd>] = &[Binding::new(&[Press::Any], "any key", "close", None, 0, Cmd::No)];

const CANCEL_KEYS: &[Binding<Cmd>] = &[
    Binding::new(YES, "y", "yes, cancel", None, 0, Cmd::Yes),
    Binding::new(&[Press::Any], "any other key", "no", None, 0, Cmd::No),
];

const SET_ASIDE_KEYS: &[Binding<Cmd>] = &[
    Binding::new(YES, "y", "set it aside", None, 0, Cmd::Yes),
    Binding::new(&[Press::Any], "any other key", "keep it here", None, 0, Cmd::No),
];

const CLOSE_KEYS: &[Binding<Cmd>] = &[
    Binding::new(YES, "y", "yes, close the day", None, 0, Cmd::Yes),
    Binding::new(&[Press::Any], "any other key", "no", None, 0, Cmd::No),
];

const QUIT_KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[Press::ch('y'), Press::ch('Y'), Press::Ctrl('c')], "y", "quit anyway", None, 0, Cmd::Yes),
    Binding::new(&[Press::Any], "any other key", "stay", None, 0, Cmd::No),
];

impl Modal {
    fn keys(&self) -> &'static [Binding<Cmd>] {
        match self {
            Modal::Help => HELP_KEYS,
            Modal::ConfirmCancel(_) => CANCEL_KEYS,
            Modal::SetAside(_) => SET_ASIDE_KEYS,
            Modal::ConfirmQuit => QUIT_KEYS,
            Modal::ConfirmClose { .. } => CLOSE_KEYS,
        }
    }

    /// What a key does while the question is up (every key answers it).
    pub fn key(&self, key: &KeyEvent, setup: Setup) -> Intent {
        let cmd = find(self.keys(), key, setup, |_| Avail::Shown).unwrap_or(Cmd::No);
        match (self, cmd) {
            (Modal::ConfirmCancel(reference), Cmd::Yes) => Intent::Cancel(reference.clone()),
            (Modal::SetAside(reference), Cmd::Yes) => Intent::SetAside(reference.clone()),
            (Modal::ConfirmQuit, Cmd::Yes) => Intent::QuitNow,
            (Modal::ConfirmClose { day, .. }, Cmd::Yes) => Intent::Effect(Effect::Close(Some(*day))),
            (
                Modal::Help
                | Modal::ConfirmCancel(_)
                | Modal::SetAside(_)
                | Modal::ConfirmQuit
                | Modal::ConfirmClose { .. },
                _,
            ) => Intent::Nothing,
        }
    }

    fn answers(&self, view: &View) -> Line<'static> {
        let spans = hints(self.keys(), view.ctx.setup, |_| Avail::Shown)
            .into_iter()
            .flat_map(|Hint { key, what, .. }| hint(key, what))
            .collect::<Vec<_>>();
        Line::from(spans)
    }

    pub fn draw(&self, view: &View, frame: &mut Frame, help: &[(String, &'static str)]) {
        match self {
            Modal::Help => help::draw(help, frame),
            Modal::ConfirmCancel(reference) => {
                let (invoice, gateway) = named(view, reference);
                let lines = vec![
                    Line::raw(""),
                    Line::raw(format!(" Cancel {invoice} at {gateway}?")),
                    Line::raw(" The customer must not pay it afterwards."),
                    Line::raw(""),
                    self.answers(view),
                ];
                modal(frame, " Cancel invoice ", lines, 60);
            }
            Modal::SetAside(reference) => {
                let (invoice, gateway) = named(view, reference);
                let lines = vec![
                    Line::raw(""),
                    Line::raw(format!(" {gateway} cannot cancel an invoice.")),
                    Line::raw(format!(" Set {invoice} aside?")),
                    Line::raw(" It stays watched in the background until it ends"),
                    Line::raw(" (Tab lists it): a payment still shows and rings."),
                    Line::raw(""),
                    self.answers(view),
                ];
                modal(frame, " Set invoice aside ", lines, 60);
            }
            Modal::ConfirmQuit => {
                let n = view.ctx.desk.open_count();
                let (open, one) = (count(n, "invoice", "invoices"), n == 1);
                let lines = if view.ctx.setup.demo {
                    vec![
                        Line::raw(""),
                        Line::raw(format!(" {open} still open. This is the demo: its sandbox")),
                        Line::raw(format!(
                            " forgets {}, and the next demo starts fresh.",
                            if one { "it" } else { "them" }
                        )),
                        Line::raw(""),
                        self.answers(view),
                    ]
                } else {
                    vec![
                        Line::raw(""),
                        Line::raw(format!(
                            " {open} still open. {}",
                            if one { "It stays in the journal" } else { "They stay in the journal" }
                        )),
                        Line::raw(format!(
                            " and {} watched again when till starts next.",
                            if one { "is" } else { "are" }
                        )),
                        Line::raw(""),
                        self.answers(view),
                    ]
                };
                modal(frame, " Quit till? ", lines, 56);
            }
            Modal::ConfirmClose { day, sales, paid } => {
                let lines = vec![
                    Line::raw(""),
                    Line::raw(format!(" Close {day}? {} today, {paid} paid.", count(*sales, "sale", "sales"))),
                    Line::raw(" The Z-report is journaled and chained; the day"),
                    Line::raw(" is closed once. Sales after it go to the next day."),
                    Line::raw(""),
                    self.answers(view),
                ];
                modal(frame, " Close the day ", lines, 60);
            }
        }
    }
}

/// An invoice as a question names it, `t-4f2a… (12.50 USD)`, and its gateway.
fn named(view: &View, reference: &Reference) -> (String, String) {
    match view.ctx.desk.watch(reference) {
        Some(w) => (format!("invoice {reference} ({})", w.invoice.fiat), w.invoice.method.provider.name().to_string()),
        None => (format!("invoice {reference}"), "the gateway".to_string()),
    }
}
