//! Draws the board: a title, the banner while the store is out of reach,
//! one line per terminal (its state, today's takings, its open invoices,
//! its unreachable gateways), the dashboard's table with a Terminal column,
//! the latest notice, and the keys. Drawing reads the state only.

use super::state::{Board, Link, NoticeKind, Totals};
use crate::core::schedule::PollPolicy;
use crate::core::words;
use crate::tui::screens::dashboard::fleet::{Table, draw_table};
use crate::tui::theme;
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

/// What the board shows of a shop: its name, for the title.
#[derive(Clone, Debug, Default)]
pub struct Shop {
    pub name: String,
    /// The late window and the like, for the table's notes.
    pub policy: PollPolicy,
}

/// The keys, as the footer and the help list them.
const KEYS: &[(&str, &str, &str)] = &[
    ("↑↓", "select", "move the selection (Home, End: first, last)"),
    ("f", "filter", "all, open, paid, expired, canceled, needs attention"),
    ("g", "gateway", "only one gateway's invoices, each in turn"),
    ("t", "terminal", "only one terminal's invoices (made or watched by it), each in turn"),
    ("?", "keys", "this list"),
    ("q", "quit", "leave the board (nothing in the store changes)"),
];

/// Draws the whole board at `now`.
pub fn draw(frame: &mut Frame, board: &Board, shop: &Shop, now: Timestamp) {
    let area = frame.area();
    let totals = board.totals(now);
    let banner = u16::from(board.link != Link::Live);
    // At most a third of the screen for the terminals' lines.
    let room = (area.height / 3).max(1);
    let count = u16::try_from(totals.len()).unwrap_or(u16::MAX);
    let terminal_lines = count.clamp(1, room);
    let spacer = u16::from(area.height >= 16);
    let [title, banner_area, terms, _, table, notice, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banner),
        Constraint::Length(terminal_lines),
        Constraint::Length(spacer),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let listing = board.listing(now);
    let sized_by = board.in_view(now);
    // The window of rows under the headings: the selection stays in view.
    let visible = usize::from(table.height.saturating_sub(1));
    let rows = &listing.rows;
    let offset = listing.position.map_or(0, |p| (p + 1).saturating_sub(visible));
    let window = &rows[offset.min(rows.len())..offset.saturating_add(visible).min(rows.len())];

    let mut head = vec![
        Span::styled(" Board ", theme::title()),
        Span::raw(format!("{} ", shop.name)),
        Span::styled(
            format!("· showing {} ({} of {})", board.view.filter.label(), rows.len(), sized_by.len()),
            theme::dim(),
        ),
    ];
    if let Some(t) = &board.terminal {
        head.push(Span::styled(format!(" · {t} only"), theme::dim()));
    }
    if let Some(g) = board.view.gateway {
        head.push(Span::styled(format!(" · {} only", g.name()), theme::dim()));
    }
    if rows.len() > window.len() && !window.is_empty() {
        head.push(Span::styled(format!(" · rows {}–{}", offset + 1, offset + window.len()), theme::dim()));
    }
    frame.render_widget(Line::from(head), title);

    match &board.link {
        Link::Live => {}
        Link::Connecting => frame.render_widget(Line::styled(" Connecting to the store…", theme::dim()), banner_area),
        Link::Lost(sentence) => frame.render_widget(Line::styled(format!(" {sentence}"), theme::error()), banner_area),
    }

    draw_terminals(frame, terms, &totals, board, terminal_lines);

    let tz = &board.tz;
    let label = |i: usize| board.owners.get(i).map(super::state::Owner::label).unwrap_or_default();
    let t = Table {
        watches: &board.watches,
        sized_by: &sized_by,
        window,
        selected: listing.position.and_then(|p| p.checked_sub(offset)),
        terminal: &label,
        now,
        tz,
        policy: &shop.policy,
    };
    draw_table(frame, table, &t);
    if rows.is_empty() && table.height > 1 && board.link == Link::Live {
        let words = if sized_by.is_empty() {
            "   No invoices are open on any terminal. Each sale appears here while it is open.".to_string()
        } else {
            format!(
                "   Nothing matches “{}” ({} in view; f changes the filter).",
                board.view.filter.label(),
                words::count(sized_by.len(), "invoice", "invoices")
            )
        };
        frame.render_widget(Line::styled(words, theme::dim()), Rect { y: table.y + 1, height: 1, ..table });
    }

    if let Some(n) = board.notices.last() {
        let clock = n.at.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string();
        let (what, style) = match n.kind {
            NoticeKind::Paid => (format!("paid {}", n.amount), theme::status_badge(&n.status)),
            NoticeKind::Attention => {
                let note = n.note.as_deref().map(|t| format!(" ({t})")).unwrap_or_default();
                (format!("needs attention: {} {}{note}", n.status.label(), n.amount), theme::error())
            }
        };
        let line = Line::from(vec![
            Span::raw(format!(" {clock} ")),
            Span::styled(format!(" {} · {} {what} ", n.terminal, n.reference.as_str()), style),
        ]);
        frame.render_widget(line, notice);
    }

    let mut keys = vec![Span::raw(" ")];
    for (k, word, _) in KEYS {
        keys.push(Span::styled(format!(" {k} "), theme::key()));
        keys.push(Span::raw(format!(" {word}  ")));
    }
    frame.render_widget(Line::from(keys), footer);

    if board.help {
        draw_help(frame, area);
    }
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        theme::strip_colors(frame.buffer_mut());
    }
}

/// One line per terminal: name, state, today's paid sales and takings,
/// open invoices, unreachable gateways; the last line says how many more
/// there are when they do not all fit.
fn draw_terminals(frame: &mut Frame, area: Rect, totals: &[Totals], board: &Board, lines: u16) {
    if totals.is_empty() {
        let words = if board.link == Link::Live { " No terminal has used this store yet." } else { "" };
        frame.render_widget(Line::styled(words, theme::dim()), area);
        return;
    }
    let name_width = totals.iter().map(|t| Span::raw(t.terminal.as_str()).width()).max().unwrap_or(0);
    let fits = usize::from(lines);
    let shown = if totals.len() > fits { fits.saturating_sub(1) } else { totals.len() };
    for (k, t) in totals.iter().take(shown).enumerate() {
        let y = area.y + u16::try_from(k).unwrap_or(u16::MAX);
        frame.render_widget(terminal_line(t, name_width, board), Rect { y, height: 1, ..area });
    }
    if shown < totals.len() {
        let y = area.y + u16::try_from(shown).unwrap_or(u16::MAX);
        let more = totals.len() - shown;
        let words = format!(" … and {} (t shows one at a time)", words::count(more, "more terminal", "more terminals"));
        frame.render_widget(Line::styled(words, theme::dim()), Rect { y, height: 1, ..area });
    }
}

fn terminal_line<'a>(t: &Totals, name_width: usize, board: &Board) -> Line<'a> {
    let (state, style) = match &t.state {
        // While the store is away the board cannot know who is alive.
        Some(s) if board.link != Link::Live => {
            let at = s.last_seen.to_zoned(board.tz.clone()).strftime("%H:%M").to_string();
            (format!("? last seen {at}"), theme::dim())
        }
        Some(s) if s.alive => ("● alive".to_string(), Style::new().fg(ratatui::style::Color::Green)),
        Some(s) => {
            let at = s.last_seen.to_zoned(board.tz.clone()).strftime("%H:%M").to_string();
            (format!("○ not seen since {at}"), theme::error())
        }
        None => ("○ never seen".to_string(), theme::dim()),
    };
    let sums = if t.sums.is_empty() {
        String::new()
    } else {
        format!(" · {}", t.sums.iter().map(ToString::to_string).collect::<Vec<_>>().join(" + "))
    };
    let mut spans = vec![
        Span::styled(format!(" {:name_width$}  ", t.terminal), theme::title()),
        Span::styled(format!("{state:<22}"), style),
        Span::raw(" "),
        Span::raw(format!(" paid today {}{sums} · open {}", t.paid, t.open)),
    ];
    if let Some(s) = &t.state
        && !s.unreachable.is_empty()
    {
        let names: Vec<&str> = s.unreachable.iter().map(|p| p.name()).collect();
        spans.push(Span::styled(format!(" · {} unreachable", names.join(", ")), theme::error()));
    }
    Line::from(spans)
}

/// The keys' help, over the board.
fn draw_help(frame: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, _, what)| {
            Line::from(vec![Span::styled(format!(" {k:>3} "), theme::key()), Span::raw(format!(" {what}"))])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(" The board only reads the store: no key changes a sale.", theme::dim()));
    lines.push(Line::styled(" Any key closes this list.", theme::dim()));
    let width = area.width.min(78);
    let height = (u16::try_from(lines.len()).unwrap_or(u16::MAX) + 2).min(area.height);
    let x = area.x + (area.width - width) / 2;
    let y = area.y + (area.height - height) / 2;
    let rect = Rect { x, y, width, height };
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Keys ")), rect);
}
