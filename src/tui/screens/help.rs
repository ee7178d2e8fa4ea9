//! The keys, on `?`: the keys of the screen on display and the keys of every
//! screen, generated from their key tables (so no key is left out), one
//! line per help text, the keys that share it together.

use crate::tui::keys::hint;
use crate::tui::widgets::modal;
use ratatui::Frame;
use ratatui::text::Line;

/// Draws the help's lines (`keys::help_lines` of the screen's tables).
pub fn draw(rows: &[(String, &'static str)], frame: &mut Frame) {
    let mut lines = vec![Line::raw("")];
    lines.extend(rows.iter().map(|(k, w)| Line::from(hint(k, w))));
    lines.push(Line::raw(""));
    lines.push(Line::raw(" Press any key to close."));
    modal(frame, " Keys ", lines, 64);
}
