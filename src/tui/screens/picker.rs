//! The method picker: the configured methods, each with its key (1–9, then
//! 0, then the letters no other key of the screen takes); its keys.

use super::global::{self, BACK, CONTINUE, PICK};
use crate::core::desk::Event;
use crate::core::money::Money;
use crate::tui::ctx::Ctx;
use crate::tui::ctx::View;
use crate::tui::intent::Intent;
use crate::tui::keys::{Avail, BACKSPACE, Binding, DOWN, ENTER, ESC, Press, UP};
use crate::tui::theme;
use crossterm::event::KeyCode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// The method under the cursor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Picker {
    pub index: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Number,
    /// A letter, for the methods after the tenth.
    Letter,
    Move,
    Create,
    Back,
}

pub const KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[Press::Digit], "0-9", "pick", Some(&PICK), 50, Cmd::Number),
    Binding::new(&[Press::Char], "a-z", "", Some(&PICK), 0, Cmd::Letter),
    Binding::new(&[UP, DOWN], "↑↓", "move", Some(&PICK), 40, Cmd::Move),
    Binding::new(&[ENTER], "Enter", "create invoice", Some(&CONTINUE), 80, Cmd::Create),
    Binding::new(&[ESC, BACKSPACE], "Esc", "back", Some(&BACK), 60, Cmd::Back),
];

/// The key of the method at `index`: `1`–`9`, `0`, then the letters that no
/// other key of the screen takes (`q` quits), in order.
pub fn key_of(index: usize) -> Option<char> {
    const DIGITS: &str = "1234567890";
    DIGITS.chars().chain(('a'..='z').filter(|c| !taken(*c))).nth(index)
}

/// Whether another key of the picker screen (its own or a global) is `c`.
fn taken(c: char) -> bool {
    let press = Press::ch(c);
    KEYS.iter().any(|b| b.press.contains(&press)) || global::KEYS.iter().any(|b| b.press.contains(&press))
}

/// The index of the method whose key is `c`.
fn index_of(c: char, methods: usize) -> Option<usize> {
    (0..methods).find(|&i| key_of(i) == Some(c))
}

impl Picker {
    /// Letters pick only when there are more than ten methods.
    pub fn avail(&self, cmd: Cmd, methods: usize) -> Avail {
        match cmd {
            Cmd::Letter if methods > 10 => Avail::Quiet,
            Cmd::Letter => Avail::Off,
            _ => Avail::Shown,
        }
    }

    pub fn run(&mut self, cmd: Cmd, code: KeyCode, ctx: &Ctx) -> Intent {
        let n = ctx.methods.len();
        match cmd {
            Cmd::Move if code == KeyCode::Up => self.index = (self.index + n - 1) % n.max(1),
            Cmd::Move => self.index = (self.index + 1) % n.max(1),
            Cmd::Back => return Intent::Core(Event::Back),
            Cmd::Create => return self.choose(self.index, ctx),
            Cmd::Number | Cmd::Letter => {
                if let KeyCode::Char(c) = code
                    && let Some(i) = index_of(c.to_ascii_lowercase(), n)
                {
                    return self.choose(i, ctx);
                }
            }
        }
        Intent::Nothing
    }

    fn choose(&mut self, index: usize, ctx: &Ctx) -> Intent {
        let Some(method) = ctx.methods.get(index).copied() else {
            return Intent::Nothing;
        };
        self.index = index;
        Intent::Choose(method)
    }
}

pub fn draw(view: &View, picker: &Picker, amount: &Money, frame: &mut Frame, area: Rect) {
    let methods = view.ctx.methods;
    let n = u16::try_from(methods.len()).unwrap_or(u16::MAX);
    // Two lines per method when they fit, else one; a window around the
    // selection when even that does not fit.
    let room = area.height.saturating_sub(3).max(1);
    let spacing: u16 = if n.saturating_mul(2) <= room { 2 } else { 1 };
    let shown = n.min(room / spacing).max(1);
    let first = usize::from(shown).max(1);
    let skip = picker.index.saturating_sub(first - 1).min(methods.len().saturating_sub(first));
    let [_, title, list, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(3),
        Constraint::Length(shown.saturating_mul(spacing)),
        Constraint::Fill(1),
    ])
    .flex(Flex::Center)
    .areas(area);
    let heading = vec![
        Line::from(vec![Span::raw("Charge "), Span::styled(amount.to_string(), theme::title())]),
        Line::styled("How does the customer pay?", Style::new().add_modifier(Modifier::BOLD)),
    ];
    frame.render_widget(Paragraph::new(heading).centered(), title);
    let [col] = Layout::horizontal([Constraint::Length(46)]).flex(Flex::Center).areas(list);
    let mut lines = Vec::new();
    for (i, m) in methods.iter().enumerate().skip(skip).take(usize::from(shown)) {
        let selected = i == picker.index;
        let style =
            if selected { Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD) } else { Style::new() };
        let marker = if selected { "▶" } else { " " };
        let number = key_of(i).map_or_else(|| "   ".to_string(), |k| format!(" {k} "));
        lines.push(Line::from(vec![
            Span::raw(format!("{marker} ")),
            Span::styled(number, theme::key()),
            Span::styled(format!(" {:<38}", m.label()), style),
        ]));
        if spacing == 2 {
            lines.push(Line::raw(""));
        }
    }
    frame.render_widget(Paragraph::new(lines), col);
}
