//! The questions on top of a screen (cancel this invoice? quit?) and the
//! help: their words, their keys, their boxes.

use super::help;
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

const QUIT_KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[Press::ch('y'), Press::ch('Y'), Press::Ctrl('c')], "y", "quit anyway", None, 0, Cmd::Yes),
    Binding::new(&[Press::Any], "any other key", "stay", None, 0, Cmd::No),
];

impl Modal {
    fn keys(&self) -> &'static [Binding<Cmd>] {
        match self {
            Modal::Help => HELP_KEYS,
            Modal::ConfirmCancel(_) => CANCEL_KEYS,
            Modal::ConfirmQuit => QUIT_KEYS,
        }
    }

    /// What a key does while the question is up (every key answers it).
    pub fn key(&self, key: &KeyEvent, setup: Setup) -> Intent {
        let cmd = find(self.keys(), key, setup, |_| Avail::Shown).unwrap_or(Cmd::No);
        match (self, cmd) {
            (Modal::ConfirmCancel(reference), Cmd::Yes) => Intent::Cancel(reference.clone()),
            (Modal::ConfirmQuit, Cmd::Yes) => Intent::QuitNow,
            (Modal::Help | Modal::ConfirmCancel(_) | Modal::ConfirmQuit, _) => Intent::Nothing,
        }
    }

    fn answers(&self, view: &View) -> Line<'static> {
        let spans = hints(self.keys(), view.ctx.setup, |_| Avail::Shown)
            .into_iter()
            .flat_map(|Hint { key, what, .. }| hint(key, what))
            .collect::<Vec<_>>();
        Line::from(spans)
    }

    pub fn draw(&self, view: &View, frame: &mut Frame) {
        match self {
            Modal::Help => help::draw(view, frame),
            Modal::ConfirmCancel(_) => {
                let lines = vec![
                    Line::raw(""),
                    Line::raw(" Cancel this invoice at the gateway?"),
                    Line::raw(" The customer must not pay it afterwards."),
                    Line::raw(""),
                    self.answers(view),
                ];
                modal(frame, " Cancel invoice ", lines, 50);
            }
            Modal::ConfirmQuit => {
                let open = view.ctx.desk.open_count();
                let lines = vec![
                    Line::raw(""),
                    Line::raw(format!(" {open} invoice(s) still open. They stay in the journal")),
                    Line::raw(" and are watched again when till starts next."),
                    Line::raw(""),
                    self.answers(view),
                ];
                modal(frame, " Quit till? ", lines, 56);
            }
        }
    }
}
