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
    let [_, title, list, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(3),
        Constraint::Length(n.saturating_mul(2)),
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
    for (i, m) in app.methods.iter().enumerate() {
        let selected = i == app.picker;
        let style =
            if selected { Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD) } else { Style::new() };
        let marker = if selected { "▶" } else { " " };
        lines.push(Line::from(vec![
            Span::raw(format!("{marker} ")),
            Span::styled(format!(" {} ", i + 1), theme::key()),
            Span::styled(format!(" {:<38}", m.label()), style),
        ]));
        lines.push(Line::raw(""));
    }
    frame.render_widget(Paragraph::new(lines), col);
    vec![("1-9", "pick"), ("↑↓", "move"), ("Enter", "create invoice"), ("Esc", "back")]
}
