//! The keys, on `?`: every screen's key table, one line per help text, the
//! keys that share it together.

use super::{creating, dashboard, global, history, invoice, picker, sale};
use crate::tui::ctx::View;
use crate::tui::keys::{help_lines, help_of, hint};
use crate::tui::widgets::modal;
use ratatui::Frame;
use ratatui::text::Line;

pub fn draw(view: &View, frame: &mut Frame) {
    let setup = view.ctx.setup;
    let entries = [
        help_of(sale::KEYS, setup),
        help_of(picker::KEYS, setup),
        help_of(creating::KEYS, setup),
        help_of(invoice::KEYS, setup),
        help_of(global::KEYS, setup),
        help_of(dashboard::KEYS, setup),
        help_of(history::KEYS, setup),
    ];
    let rows = help_lines(entries.into_iter().flatten());
    let mut lines = vec![Line::raw("")];
    lines.extend(rows.iter().map(|(k, w)| Line::from(hint(k, w))));
    lines.push(Line::raw(""));
    lines.push(Line::raw(" Press any key to close."));
    modal(frame, " Keys ", lines, 64);
}
