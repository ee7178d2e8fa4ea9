//! The tip screen, after the amount: the tip presets of `[sale] tips` (keys
//! 1..n, each with the amount it makes), a custom amount (`c`), or no tip
//! (`0`, Enter); then, when `[tax]` has several rates, the rate of this sale.
//! Each step has its own key table. The sale then goes on to the method
//! picker for the amount plus the tip, its breakdown worked out
//! (`core::tax`).

use super::global::{BACK, CONTINUE};
use crate::core::money::{AmountError, AmountInput, Money, parse_amount};
use crate::core::tax::{Breakdown, Pricing, tip_percent};
use crate::tui::ctx::{Ctx, View};
use crate::tui::intent::Intent;
use crate::tui::keys::{Avail, BACKSPACE, Binding, DOWN, ENTER, ESC, Help, Press, UP};
use crate::tui::theme;
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;

pub static TIP: Help = Help { order: 22, text: "tip: 1-9 a preset, c a custom amount, 0 or Enter no tip" };
pub static TIP_TYPE: Help = Help { order: 23, text: "type the tip (⌫ erases), Enter to take it" };
pub static RATE: Help = Help { order: 24, text: "pick the tax rate of this sale" };

/// Which question the screen asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The presets, custom, or no tip.
    Presets,
    /// A tip amount being typed.
    Custom,
    /// The tax rate, when there are several.
    Rate,
}

/// The tip screen's state: the price typed, the tip once chosen, the step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tip {
    /// The price as typed on the amount screen.
    pub amount: Money,
    pub stage: Stage,
    /// The tip chosen (zero: none), once it is.
    pub tip: Option<Money>,
    pub custom: AmountInput,
    /// The rate under the cursor.
    pub rate: usize,
    pub error: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// A digit on the presets: 1..n a preset, 0 no tip.
    Preset,
    NoTip,
    Custom,
    Type,
    Erase,
    Accept,
    /// A digit on the rates.
    Rate,
    Move,
    Back,
}

pub const PRESET_KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[Press::Digit], "1-9", "tip", Some(&TIP), 60, Cmd::Preset),
    Binding::new(&[Press::ch('c')], "c", "custom", Some(&TIP), 50, Cmd::Custom),
    Binding::new(&[ENTER], "Enter", "no tip", Some(&CONTINUE), 80, Cmd::NoTip),
    Binding::new(&[ESC, BACKSPACE], "Esc", "back", Some(&BACK), 40, Cmd::Back),
];

pub const CUSTOM_KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[Press::Char], "0-9 .", "tip", Some(&TIP_TYPE), 60, Cmd::Type),
    Binding::new(&[BACKSPACE], "⌫", "erase", Some(&TIP_TYPE), 20, Cmd::Erase),
    Binding::new(&[ENTER], "Enter", "add tip", Some(&CONTINUE), 80, Cmd::Accept),
    Binding::new(&[ESC], "Esc", "back", Some(&BACK), 40, Cmd::Back),
];

pub const RATE_KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[Press::Digit], "1-9", "rate", Some(&RATE), 60, Cmd::Rate),
    Binding::new(&[UP, DOWN], "↑↓", "move", Some(&RATE), 30, Cmd::Move),
    Binding::new(&[ENTER], "Enter", "choose payment", Some(&CONTINUE), 80, Cmd::Accept),
    Binding::new(&[ESC, BACKSPACE], "Esc", "back", Some(&BACK), 40, Cmd::Back),
];

impl Tip {
    /// The screen for `amount`, or `None` when nothing is to be asked (no
    /// tip presets, one tax rate or none).
    pub fn start(amount: Money, pricing: &Pricing) -> Option<Tip> {
        let stage = if !pricing.tips.is_empty() {
            Stage::Presets
        } else if pricing.tax.needs_choice() {
            Stage::Rate
        } else {
            return None;
        };
        Some(Tip { amount, stage, tip: None, custom: AmountInput::default(), rate: 0, error: None })
    }

    /// The key table of the step on display.
    pub fn keys(&self) -> &'static [Binding<Cmd>] {
        match self.stage {
            Stage::Presets => PRESET_KEYS,
            Stage::Custom => CUSTOM_KEYS,
            Stage::Rate => RATE_KEYS,
        }
    }

    pub fn avail(&self, _cmd: Cmd) -> Avail {
        Avail::Shown
    }

    fn zero(&self) -> Money {
        Money::new(Decimal::ZERO, self.amount.currency.clone())
    }

    pub fn run(&mut self, cmd: Cmd, code: KeyCode, ctx: &Ctx, pricing: &Pricing) -> Intent {
        let max = ctx.shop.max_amount;
        let digit = match code {
            KeyCode::Char(c) => c.to_digit(10).and_then(|d| usize::try_from(d).ok()),
            _ => None,
        };
        match (self.stage, cmd) {
            (Stage::Presets, Cmd::Preset) => match digit {
                Some(0) => return self.tipped(self.zero(), pricing, max),
                Some(d) => match pricing.tips.get(d - 1) {
                    Some(p) => return self.tipped(tip_percent(&self.amount, *p), pricing, max),
                    None => self.error = Some(no_such_preset(d, pricing.tips.len())),
                },
                None => {}
            },
            (Stage::Presets, Cmd::NoTip) => return self.tipped(self.zero(), pricing, max),
            (Stage::Presets, Cmd::Custom) => {
                self.stage = Stage::Custom;
                self.custom.clear();
                self.error = None;
            }
            (Stage::Presets, Cmd::Back) => return Intent::AmountAgain,
            (Stage::Custom, Cmd::Type) => {
                if let KeyCode::Char(c) = code
                    && self.custom.push(c, &self.amount.currency)
                {
                    self.error = None;
                }
            }
            (Stage::Custom, Cmd::Erase) => self.custom.backspace(),
            (Stage::Custom, Cmd::Accept) => {
                match parse_amount(self.custom.text(), &self.amount.currency, ctx.shop.max_amount) {
                    Ok(tip) => return self.tipped(tip, pricing, max),
                    // 0 (what the empty field shows) is no tip.
                    Err(AmountError::Zero | AmountError::Empty) => return self.tipped(self.zero(), pricing, max),
                    Err(e) => self.error = Some(format!("{e} (Esc: back to the presets)")),
                }
            }
            (Stage::Custom, Cmd::Back) => {
                self.stage = Stage::Presets;
                self.error = None;
            }
            (Stage::Rate, Cmd::Rate) => {
                if let Some(d) = digit.filter(|d| (1..=pricing.tax.rates.len()).contains(d)) {
                    self.rate = d - 1;
                    return self.priced(pricing, max);
                }
            }
            (Stage::Rate, Cmd::Move) => {
                let n = pricing.tax.rates.len().max(1);
                self.rate = if code == KeyCode::Up { (self.rate + n - 1) % n } else { (self.rate + 1) % n };
            }
            (Stage::Rate, Cmd::Accept) => return self.priced(pricing, max),
            (Stage::Rate, Cmd::Back) if pricing.tips.is_empty() => return Intent::AmountAgain,
            (Stage::Rate, Cmd::Back) => {
                self.stage = Stage::Presets;
                self.tip = None;
            }
            _ => {}
        }
        Intent::Nothing
    }

    /// The tip is chosen: on to the rate, or to the method. The sale's
    /// total must stay within `max` (`Breakdown::within`, the one check):
    /// before the rate is picked, the total without tax (the least it can
    /// come to) is checked; the total at the rate when it is priced.
    fn tipped(&mut self, tip: Money, pricing: &Pricing, max: Decimal) -> Intent {
        if let Err(e) = Breakdown::compute(&self.amount, None, true, &tip).within(max) {
            self.error = Some(e);
            return Intent::Nothing;
        }
        self.tip = Some(tip);
        self.error = None;
        if pricing.tax.needs_choice() {
            self.stage = Stage::Rate;
            return Intent::Nothing;
        }
        self.priced(pricing, max)
    }

    /// The sale's money as chosen so far.
    pub fn breakdown(&self, pricing: &Pricing) -> Breakdown {
        let tip = self.tip.clone().unwrap_or_else(|| self.zero());
        pricing.tax.breakdown(&self.amount, Some(self.rate), &tip)
    }

    /// On to the method, unless the total (tax on top, tip) is above `max`.
    fn priced(&mut self, pricing: &Pricing, max: Decimal) -> Intent {
        let breakdown = self.breakdown(pricing);
        if let Err(e) = breakdown.within(max) {
            self.error = Some(e);
            return Intent::Nothing;
        }
        self.error = None;
        Intent::Priced(Box::new(breakdown))
    }
}

/// A digit with no preset behind it: which keys are the presets.
fn no_such_preset(digit: usize, presets: usize) -> String {
    let keys = match presets {
        1 => "key 1 is the tip".to_string(),
        n => format!("keys 1 to {n} are the tips"),
    };
    format!("There is no tip {digit}: {keys}; c a custom amount, 0 or Enter no tip.")
}

/// A row of a list: the key, then the words, the selected one reversed.
fn row(key: String, words: String, selected: bool) -> Line<'static> {
    let style = if selected { Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD) } else { Style::new() };
    Line::from(vec![
        Span::raw(if selected { "▶ " } else { "  " }),
        Span::styled(format!(" {key} "), theme::key()),
        Span::styled(format!(" {words:<36}"), style),
    ])
}

pub fn draw(_view: &View, tip: &Tip, pricing: &Pricing, frame: &mut Frame, area: Rect) {
    let mut heading =
        vec![Line::from(vec![Span::raw("Charge "), Span::styled(tip.amount.to_string(), theme::title())])];
    let mut lines = Vec::new();
    match tip.stage {
        Stage::Presets => {
            heading.push(Line::styled("Add a tip?", Style::new().add_modifier(Modifier::BOLD)));
            for (i, p) in pricing.tips.iter().enumerate() {
                let amount = tip_percent(&tip.amount, *p);
                lines.push(row((i + 1).to_string(), format!("{:>5}%   {amount}", p.normalize()), false));
            }
            lines.push(row("c".into(), "custom amount".into(), false));
            lines.push(row("0".into(), "no tip".into(), false));
        }
        Stage::Custom => {
            heading.push(Line::styled("Tip amount", Style::new().add_modifier(Modifier::BOLD)));
            let typed = if tip.custom.is_empty() { "0".to_string() } else { tip.custom.text().to_string() };
            lines.push(Line::from(vec![
                Span::styled(typed, Style::new().add_modifier(Modifier::BOLD)),
                Span::raw(format!(" {}", tip.amount.currency.code())),
            ]));
        }
        Stage::Rate => {
            if let Some(t) = tip.tip.as_ref().filter(|t| !t.amount.is_zero()) {
                heading.push(Line::styled(format!("Tip {t}"), theme::dim()));
            }
            heading.push(Line::styled("Which tax rate?", Style::new().add_modifier(Modifier::BOLD)));
            let zero = Money::new(Decimal::ZERO, tip.amount.currency.clone());
            for (i, r) in pricing.tax.rates.iter().enumerate() {
                let b = Breakdown::compute(&tip.amount, Some(r), pricing.tax.included, &zero);
                lines.push(row((i + 1).to_string(), format!("{:<18} tax {}", r.label(), b.tax), i == tip.rate));
            }
        }
    }
    let n = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let [_, title, list, _, error, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(u16::try_from(heading.len()).unwrap_or(3) + 1),
        Constraint::Length(n),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .flex(Flex::Center)
    .areas(area);
    frame.render_widget(Paragraph::new(heading).centered(), title);
    if tip.stage == Stage::Custom {
        frame.render_widget(Paragraph::new(lines).centered(), list);
    } else {
        let [col] = Layout::horizontal([Constraint::Length(44)]).flex(Flex::Center).areas(list);
        frame.render_widget(Paragraph::new(lines), col);
    }
    if let Some(e) = &tip.error {
        frame.render_widget(Paragraph::new(Line::styled(e.clone(), theme::error())).centered(), error);
    }
}
