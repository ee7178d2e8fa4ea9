//! The sale screen: the amount, big, in the shop currency; its keys.

use super::global::{CONTINUE, HISTORY, TYPE};
use crate::core::money::{AmountInput, parse_amount};
use crate::tui::ctx::Ctx;
use crate::tui::ctx::View;
use crate::tui::intent::Intent;
use crate::tui::keys::{Avail, BACKSPACE, Binding, ENTER, ESC, Needs, Press};
use crate::tui::theme;
use crate::tui::widgets::big_text;
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

/// The amount being typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Amount {
    pub input: AmountInput,
    /// Why the last Enter on the amount was refused.
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Type,
    Erase,
    Charge,
    Clear,
    History,
}

pub const KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[Press::Char], "0-9 .", "amount", Some(&TYPE), 60, Cmd::Type),
    Binding::new(&[BACKSPACE], "⌫", "erase", Some(&TYPE), 20, Cmd::Erase),
    Binding::new(&[ENTER], "Enter", "choose payment", Some(&CONTINUE), 80, Cmd::Charge),
    Binding::new(&[ESC], "Esc", "clear", Some(&TYPE), 30, Cmd::Clear),
    Binding::new(&[Press::ch('h')], "h", "history", Some(&HISTORY), 40, Cmd::History).needs(Needs::Journal),
];

impl Amount {
    pub fn avail(&self, _cmd: Cmd) -> Avail {
        Avail::Shown
    }

    pub fn run(&mut self, cmd: Cmd, code: KeyCode, ctx: &Ctx) -> Intent {
        let currency = &ctx.shop.currency;
        match cmd {
            Cmd::Type => {
                let KeyCode::Char(c) = code else {
                    return Intent::Nothing;
                };
                if self.input.push(c, currency) {
                    self.error = None;
                } else if c.is_ascii_digit() && self.input.text().contains('.') {
                    self.error = Some(format!("{} has {} decimal places.", currency.code(), currency.decimals()));
                }
            }
            Cmd::Erase => {
                self.input.backspace();
                self.error = None;
            }
            Cmd::Clear => *self = Amount::default(),
            Cmd::Charge => match parse_amount(self.input.text(), currency, ctx.shop.max_amount) {
                Ok(amount) => {
                    self.error = None;
                    if ctx.methods.is_empty() {
                        self.error = Some("No payment method is configured: ask the owner.".into());
                        return Intent::Nothing;
                    }
                    return Intent::Charge(amount);
                }
                Err(e) => self.error = Some(e.to_string()),
            },
            Cmd::History => return Intent::History,
        }
        Intent::Nothing
    }
}

pub fn draw(view: &View, amount: &Amount, frame: &mut Frame, area: Rect) {
    let [_, label, big, _, error, help] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(2),
        Constraint::Length(4),
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Fill(1),
    ])
    .flex(Flex::Center)
    .areas(area);
    frame.render_widget(Paragraph::new(Line::styled("Amount to charge", theme::title())).centered(), label);
    let currency = view.ctx.shop.currency.code();
    let (text, style) = if amount.input.is_empty() {
        (format!("0 {currency}"), theme::dim())
    } else {
        (format!("{} {currency}", amount.input.text()), Style::new().add_modifier(Modifier::BOLD))
    };
    big_text(frame, big, &text, style, Alignment::Center);
    if let Some(e) = &amount.error {
        frame.render_widget(Paragraph::new(Line::styled(e.clone(), theme::error())).centered(), error);
    }
    let open = view.ctx.desk.open_count();
    let mut lines = vec![Line::styled("Type the amount, then press Enter.", theme::dim())];
    if open > 0 {
        lines.push(Line::styled(
            format!("{} open in the background.", crate::core::words::count(open, "invoice", "invoices")),
            theme::dim(),
        ));
    }
    if let Some(f) = view.flash {
        lines.push(Line::raw(f.to_string()));
    }
    frame.render_widget(Paragraph::new(lines).centered(), help);
}
