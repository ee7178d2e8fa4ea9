//! The keys, on `?`.

use crate::tui::app::App;
use crate::tui::widgets::{hint, modal};
use ratatui::Frame;
use ratatui::text::Line;

pub fn draw(app: &App, frame: &mut Frame) {
    let mut rows: Vec<(&str, &str)> = vec![
        ("0-9 .", "type the amount (Backspace erases, Esc clears)"),
        ("Enter", "continue / create the invoice / next sale"),
        ("1-9 ↑↓", "pick the payment method"),
        ("Esc", "go back"),
        ("c", "cancel the open invoice (asks first)"),
        ("n", "next sale; the open invoice stays watched"),
        ("Tab", "all invoices, soonest to expire first (Tab/Esc: back)"),
        ("↑↓ Enter", "in that list: select, show the invoice"),
        ("c f g", "in that list: cancel, filter by state, by gateway"),
    ];
    if app.journaled {
        rows.push(("h", "today's sales (f filters, Enter opens one)"));
        rows.push(("r", "write the receipt of a paid sale"));
    }
    if app.demo {
        rows.push(("p", "demo: simulate the customer paying"));
    }
    rows.extend([("?", "this help"), ("q Ctrl-C", "quit (asks while an invoice is open)")]);
    let mut lines = vec![Line::raw("")];
    lines.extend(rows.into_iter().map(|(k, w)| Line::from(hint(k, w))));
    lines.push(Line::raw(""));
    lines.push(Line::raw(" Press any key to close."));
    modal(frame, " Keys ", lines, 64);
}
