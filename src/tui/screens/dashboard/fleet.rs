//! The dashboard's table for the operator's board (`till board`): the same
//! columns, drawn by the same code, with a Terminal column in front. The
//! board has no desk; it hands in the invoices (as watches), which ones are
//! listed, and each one's terminal text.

use super::table::{Columns, RowText, Widest, draw_row};
use crate::core::schedule::PollPolicy;
use crate::core::watch::Watch;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

/// What the board's table shows.
pub struct Table<'a> {
    pub watches: &'a [Watch],
    /// Every invoice in view (indices into `watches`): the columns are sized
    /// to them, so they stay put when a filter changes.
    pub sized_by: &'a [usize],
    /// The listed rows in the window, top first (indices into `watches`).
    pub window: &'a [usize],
    /// The selected row's place in `window`.
    pub selected: Option<usize>,
    /// The Terminal column's text of `watches[i]`.
    pub terminal: &'a dyn Fn(usize) -> String,
    pub now: Timestamp,
    pub tz: &'a TimeZone,
    pub policy: &'a PollPolicy,
}

/// Draws the headings on the first line of `area`, the window's rows below.
pub fn draw_table(frame: &mut Frame, area: Rect, t: &Table) {
    if area.height == 0 {
        return;
    }
    let in_view = t.sized_by.iter().filter_map(|&i| t.watches.get(i));
    let mut widest = Widest::of(in_view, t.now, t.tz, &[], t.policy);
    let terminal_width = t.sized_by.iter().map(|&i| Span::raw((t.terminal)(i)).width()).max().unwrap_or(1);
    widest.terminal = u16::try_from(terminal_width).unwrap_or(u16::MAX).max(1);
    let columns = Columns::fit(&widest, area.width);
    draw_row(frame, &columns, None, Rect { height: 1, ..area }, false);
    for (k, &i) in t.window.iter().enumerate() {
        let Some(w) = t.watches.get(i) else { continue };
        let y = area.y.saturating_add(1).saturating_add(u16::try_from(k).unwrap_or(u16::MAX));
        if y >= area.bottom() {
            break;
        }
        let text = RowText::new(w, t.now, t.tz, &[], t.policy).with_terminal((t.terminal)(i));
        draw_row(frame, &columns, Some(&text), Rect { y, height: 1, ..area }, t.selected == Some(k));
    }
}
