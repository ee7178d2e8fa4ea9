//! The history screen (`h`): today's sales, newest first, filterable.

use super::Keys;
use crate::tui::app::{App, History};
use crate::tui::theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

pub fn draw(app: &App, history: &History, frame: &mut Frame, area: Rect) -> Keys {
    let [title, table_area, flash] =
        Layout::vertical([Constraint::Length(2), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let shown = history.shown();
    let heading = Line::from(vec![
        Span::styled(" Today's sales ", theme::title()),
        Span::styled(
            format!("· showing {} ({} of {}) ", history.filter.label(), shown.len(), history.records.len()),
            theme::dim(),
        ),
    ]);
    frame.render_widget(Paragraph::new(heading), title);
    if let Some(e) = &history.error {
        frame.render_widget(Paragraph::new(Line::styled(format!(" {e}"), theme::error())), table_area);
        return vec![("Esc", "back")];
    }
    let tz = &app.shop.timezone;
    let rows: Vec<Row> = shown
        .iter()
        .map(|r| {
            let time = r.started_at.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string();
            let status = Cell::from(Span::styled(format!(" {} ", r.status_label()), theme::status_badge(&r.status)));
            Row::new(vec![
                Cell::from(time),
                Cell::from(Line::from(r.fiat.to_string()).right_aligned()),
                Cell::from(r.method.label()),
                status,
                Cell::from(r.received.as_ref().map(ToString::to_string).unwrap_or_default()),
            ])
        })
        .collect();
    let header = Row::new(["Time", "Amount", "Method", "Status", "Received"]).style(theme::dim());
    let table = Table::new(
        rows,
        [
            Constraint::Length(9),
            Constraint::Length(14),
            Constraint::Length(28),
            Constraint::Length(24),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .column_spacing(2)
    .row_highlight_style(Style::new().add_modifier(Modifier::REVERSED))
    .highlight_symbol("▶ ");
    let mut state = TableState::default().with_selected((!shown.is_empty()).then_some(history.selected));
    frame.render_stateful_widget(table, table_area, &mut state);
    if shown.is_empty() {
        let [_, msg] = Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(table_area);
        frame.render_widget(Paragraph::new(Line::styled("   No sales here yet today.", theme::dim())), msg);
    }
    if let Some(f) = &app.flash {
        frame.render_widget(Paragraph::new(format!(" {f}")), flash);
    }
    vec![("↑↓", "move"), ("Enter", "open"), ("f", "filter"), ("Esc", "back")]
}
