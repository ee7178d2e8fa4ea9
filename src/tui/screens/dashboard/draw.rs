//! Draws the dashboard from the frame's view: the title and tally, the
//! unreachable gateways, the window of rows around the selection.

use super::table::{Columns, RowText, Widest, clock, draw_row};
use super::{Dashboard, LINGER, Listing, in_view, needs_attention};
use crate::core::method::ProviderId;
use crate::core::status::Status;
use crate::core::watch::Watch;
use crate::tui::ctx::View;
use crate::tui::theme;
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};

/// The header's tally over the invoices in view (whatever the filters).
#[derive(Default)]
struct Counts {
    open: usize,
    paid: usize,
    attention: usize,
    total: usize,
}

fn counts(watches: &[Watch], now: Timestamp) -> Counts {
    let mut c = Counts::default();
    for w in watches.iter().filter(|w| in_view(w, now)) {
        c.total += 1;
        c.open += usize::from(!w.status().is_final());
        c.paid += usize::from(*w.status() == Status::Paid);
        c.attention += usize::from(needs_attention(w));
    }
    c
}

pub fn draw(view: &View, d: &Dashboard, listing: &Listing, frame: &mut Frame, area: Rect) {
    let now = view.now;
    let desk = view.ctx.desk;
    let tz = &view.ctx.shop.timezone;
    let watches = &desk.watches;
    let Listing { rows, position: selected } = listing;
    let selected = *selected;
    let down: Vec<(ProviderId, Timestamp)> =
        ProviderId::ALL.iter().filter_map(|&p| desk.unreachable_since(p).map(|t| (p, t))).collect();
    let tally = counts(watches, now);

    let head_height = if down.is_empty() { 2 } else { 3 };
    let spacer = u16::from(area.height >= 16);
    let [head, _, headings, list, flash] = Layout::vertical([
        Constraint::Length(head_height),
        Constraint::Length(spacer),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);

    // The window of rows: the selection stays in view.
    let visible = usize::from(list.height);
    let offset = selected.map_or(0, |p| (p + 1).saturating_sub(visible));
    let window = &rows[offset.min(rows.len())..offset.saturating_add(visible).min(rows.len())];

    let mut title = vec![
        Span::styled(" All invoices ", theme::title()),
        Span::styled(format!("· showing {} ({} of {})", d.filter.label(), rows.len(), tally.total), theme::dim()),
    ];
    if let Some(g) = d.gateway {
        title.push(Span::styled(format!(" · {} only", g.name()), theme::dim()));
    }
    if rows.len() > window.len() && !window.is_empty() {
        title.push(Span::styled(format!(" · rows {}–{}", offset + 1, offset + window.len()), theme::dim()));
    }
    let attention = if tally.attention > 0 { theme::error() } else { theme::dim() };
    let mut lines = vec![
        Line::from(title),
        Line::from(vec![
            Span::raw(format!(" open {} · paid {} (last {} min) · ", tally.open, tally.paid, LINGER.as_mins())),
            Span::styled(format!("needs attention {}", tally.attention), attention),
        ]),
    ];
    if !down.is_empty() {
        let words: Vec<String> =
            down.iter().map(|(p, t)| format!("{} unreachable since {}", p.name(), clock(*t, tz))).collect();
        lines.push(Line::styled(format!(" {}: still trying.", words.join(" · ")), theme::error()));
    }
    for (i, line) in lines.into_iter().enumerate() {
        let y = head.y.saturating_add(u16::try_from(i).unwrap_or(u16::MAX));
        if y < head.bottom() {
            frame.render_widget(line, Rect { y, height: 1, ..head });
        }
    }

    let texts: Vec<RowText> = window.iter().map(|&i| RowText::new(&watches[i], now, tz, &down, &desk.policy)).collect();
    // Sized to every invoice in view, whatever the filters and the scroll:
    // the columns stay put when `f` or `g` changes what is listed.
    let in_view_now = watches.iter().filter(|w| in_view(w, now));
    let columns = Columns::fit(&Widest::of(in_view_now, now, tz, &down, &desk.policy), list.width);
    if headings.height > 0 {
        draw_row(frame, &columns, None, headings, false);
    }
    for (k, text) in texts.iter().enumerate() {
        let y = list.y + u16::try_from(k).unwrap_or(u16::MAX);
        draw_row(frame, &columns, Some(text), Rect { y, height: 1, ..list }, selected == Some(offset + k));
    }
    if rows.is_empty() && list.height > 0 {
        let words = if tally.total == 0 {
            "   No invoices are being watched. Each sale appears here while it is open.".to_string()
        } else {
            format!(
                "   Nothing matches “{}” ({} in view; f changes the filter).",
                d.filter.label(),
                crate::core::words::count(tally.total, "invoice", "invoices")
            )
        };
        frame.render_widget(Line::styled(words, theme::dim()), Rect { height: 1, ..list });
    }
    if let Some(f) = view.flash {
        frame.render_widget(Line::raw(format!(" {f}")), flash);
    }
}
