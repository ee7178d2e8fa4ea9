//! The method picker: the configured methods, numbered.

use super::Keys;
use crate::core::money::Money;
use crate::tui::app::App;
use crate::tui::theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(app: &App, amount: &Money, frame: &mut Frame, area: Rect) -> Keys {
    let n = u16::try_from(app.methods.len()).unwrap_or(u16::MAX);
    // Two lines per method when they fit, else one; a window around the
    // selection when even that does not fit.
    let room = area.height.saturating_sub(3).max(1);
    let spacing: u16 = if n.saturating_mul(2) <= room { 2 } else { 1 };
    let shown = n.min(room / spacing).max(1);
    let first = usize::from(shown).max(1);
    let skip = app.picker.saturating_sub(first - 1).min(app.methods.len().saturating_sub(first));
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
    for (i, m) in app.methods.iter().enumerate().skip(skip).take(usize::from(shown)) {
        let selected = i == app.picker;
        let style =
            if selected { Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD) } else { Style::new() };
        let marker = if selected { "▶" } else { " " };
        let number = if i < 9 { format!(" {} ", i + 1) } else { "   ".to_string() };
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
    vec![("1-9", "pick"), ("↑↓", "move"), ("Enter", "create invoice"), ("Esc", "back")]
}
