//! The sale screen: the amount, big, in the shop currency.

use super::Keys;
use crate::tui::app::App;
use crate::tui::theme;
use crate::tui::widgets::big_text;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) -> Keys {
    let [_, label, amount, _, error, help] = Layout::vertical([
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
    let currency = app.shop.currency.code();
    let (text, style) = if app.input.is_empty() {
        (format!("0 {currency}"), theme::dim())
    } else {
        (format!("{} {currency}", app.input.text()), Style::new().add_modifier(Modifier::BOLD))
    };
    big_text(frame, amount, &text, style, Alignment::Center);
    if let Some(e) = &app.input_error {
        frame.render_widget(Paragraph::new(Line::styled(e.clone(), theme::error())).centered(), error);
    }
    let open = app.desk.open_count();
    let mut lines = vec![Line::styled("Type the amount, then press Enter.", theme::dim())];
    if open > 0 {
        lines.push(Line::styled(format!("{open} invoice(s) open in the background."), theme::dim()));
    }
    if let Some(f) = &app.flash {
        lines.push(Line::raw(f.clone()));
    }
    frame.render_widget(Paragraph::new(lines).centered(), help);
    let mut keys = vec![("0-9 .", "amount"), ("⌫", "erase"), ("Enter", "choose payment"), ("Esc", "clear")];
    if app.journaled {
        keys.push(("h", "history"));
    }
    keys
}
