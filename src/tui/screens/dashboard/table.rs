//! The dashboard's rows: each invoice's texts (time left, gauge, status and
//! notes, amounts, method), the columns sized to what fits, and one row
//! drawn cell by cell.

use crate::core::method::ProviderId;
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::core::watch::Watch;
use crate::tui::theme;
use crate::tui::widgets::{Bar, countdown};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// A time of day, as the dashboard writes it.
pub fn clock(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string()
}

/// Where an invoice's time stands.
enum Phase {
    /// Time left: the bar's fill (time left over the invoice's lifetime) and
    /// its colour band.
    Counting { ratio: f64, color: Color },
    /// The countdown reached zero; the gateway has not said anything final.
    Expiring,
    /// Final, since this time of day.
    Finished(Option<String>),
}

/// Words beside the status, in three lengths, and how they look.
struct Note {
    full: String,
    medium: String,
    short: String,
    style: Style,
}

/// How long the notes beside the statuses may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NoteLength {
    Full,
    Medium,
    Short,
}

impl Note {
    fn text(&self, length: NoteLength) -> &str {
        match length {
            NoteLength::Full => &self.full,
            NoteLength::Medium => &self.medium,
            NoteLength::Short => &self.short,
        }
    }
}

/// One row's texts (only for the rows in the window).
pub(super) struct RowText<'a> {
    status: &'a Status,
    phase: Phase,
    left: String,
    left_style: Style,
    method: String,
    amount: String,
    crypto: String,
    received: String,
    badge: String,
    note: Option<Note>,
}

impl<'a> RowText<'a> {
    pub(super) fn new(
        w: &'a Watch,
        now: Timestamp,
        tz: &TimeZone,
        down: &[(ProviderId, Timestamp)],
        policy: &PollPolicy,
    ) -> Self {
        let inv = &w.invoice;
        let status = w.status();
        let (phase, left, left_style) = if status.is_final() {
            (Phase::Finished(w.finished_at.map(|t| clock(t, tz))), "—".to_string(), theme::dim())
        } else if w.is_expiring(now) {
            let red = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
            (Phase::Expiring, "0:00".to_string(), red)
        } else {
            // Rounded up, as on the invoice screen: 0:00 only once expired.
            let ms = inv.expires_at.duration_since(now).as_millis();
            let secs = i64::try_from((ms + 999).div_euclid(1000)).unwrap_or(i64::MAX);
            let total = inv.expires_at.duration_since(inv.created_at).as_millis();
            let ratio = if total > 0 { ms as f64 / total as f64 } else { 0.0 };
            let color = theme::countdown_color(secs);
            (Phase::Counting { ratio, color }, countdown(secs), Style::new().fg(color).add_modifier(Modifier::BOLD))
        };
        let unreachable = down.iter().find(|(p, _)| *p == inv.method.provider).map(|(_, t)| *t);
        let note = if let Some(since) = unreachable.filter(|_| !w.is_settled(now, policy)) {
            let since = clock(since, tz);
            Some(Note {
                full: format!("unreachable since {since}"),
                medium: format!("unreachable {since}"),
                short: "unreachable".into(),
                style: theme::error(),
            })
        } else if let Some(said) = &w.conflict {
            Some(Note {
                full: format!("gateway now says {}", said.label()),
                medium: format!("now says {}", said.label()),
                short: "conflict".into(),
                style: theme::error(),
            })
        } else if w.paid_late() {
            Some(Note {
                full: "paid late".into(),
                medium: "paid late".into(),
                short: "late".into(),
                style: theme::dim(),
            })
        } else {
            None
        };
        RowText {
            status,
            phase,
            left,
            left_style,
            method: format!("{} · {}", inv.method.provider.name(), inv.method.method.label()),
            amount: inv.fiat.to_string(),
            crypto: inv.crypto.as_ref().map(ToString::to_string).unwrap_or_default(),
            received: inv.received.as_ref().map_or_else(|| "—".to_string(), ToString::to_string),
            badge: format!(" {} ", status.label()),
            note,
        }
    }
}

fn width(s: &str) -> u16 {
    u16::try_from(Span::raw(s).width()).unwrap_or(u16::MAX)
}

const SELECT: u16 = 2;
const GAUGE_MIN: u16 = 6;
const GAUGE: u16 = 10;
const GAUGE_MAX: u16 = 30;

/// Column widths for the window's rows; 0 is a dropped column.
#[derive(Clone, Copy, Debug)]
pub(super) struct Columns {
    gap: u16,
    left: u16,
    gauge: u16,
    status: u16,
    amount: u16,
    method: u16,
    crypto: u16,
    received: u16,
    notes: NoteLength,
}

impl Columns {
    fn total(&self) -> u16 {
        let opt = |w: u16, gap: u16| if w > 0 { w.saturating_add(gap) } else { 0 };
        [SELECT, self.left, opt(self.gauge, 1), self.gap, self.status, self.gap, self.amount, self.gap, self.method]
            .into_iter()
            .chain([opt(self.crypto, self.gap), opt(self.received, self.gap)])
            .fold(0u16, u16::saturating_add)
    }

    /// Sizes the columns to their content and to `room`, giving way in this
    /// order: the crypto amount, wide gaps, a long gauge, long notes beside the
    /// status, the gauge, the end of a long method, the amount received, more
    /// of the method.
    pub(super) fn fit(rows: &[RowText], room: u16) -> Columns {
        let widest = |header: &str, f: &dyn Fn(&RowText) -> u16| rows.iter().map(f).fold(width(header), u16::max);
        let status_with = |length: NoteLength| {
            widest("Status", &|r| {
                let note = r.note.as_ref().map_or(0, |n| 1 + width(n.text(length)));
                width(&r.badge).saturating_add(note)
            })
        };
        let crypto =
            if rows.iter().any(|r| !r.crypto.is_empty()) { widest("Crypto", &|r| width(&r.crypto)) } else { 0 };
        let mut c = Columns {
            gap: 2,
            left: widest("Left", &|r| width(&r.left)),
            gauge: GAUGE,
            status: status_with(NoteLength::Full),
            amount: widest("Amount", &|r| width(&r.amount)),
            method: widest("Method", &|r| width(&r.method)),
            crypto,
            received: widest("Received", &|r| width(&r.received)),
            notes: NoteLength::Full,
        };
        let shorten = |c: &mut Columns, at_least: u16| {
            let over = c.total().saturating_sub(room);
            c.method = c.method.saturating_sub(over).max(at_least.min(c.method));
        };
        let steps: [&dyn Fn(&mut Columns); 9] = [
            &|c| c.crypto = 0,
            &|c| c.gap = 1,
            &|c| c.gauge = GAUGE_MIN,
            &|c| {
                c.status = status_with(NoteLength::Medium);
                c.notes = NoteLength::Medium;
            },
            &|c| {
                c.status = status_with(NoteLength::Short);
                c.notes = NoteLength::Short;
            },
            &|c| c.gauge = 0,
            &|c| shorten(c, 20),
            &|c| c.received = 0,
            &|c| shorten(c, 6),
        ];
        for step in steps {
            if c.total() <= room {
                break;
            }
            step(&mut c);
        }
        if c.gauge > 0 {
            c.gauge += room.saturating_sub(c.total()).min(GAUGE_MAX - c.gauge);
        }
        c
    }
}

/// Lays cells left to right along one line of `area`, clipped at its edge.
struct Cursor<'f, 'b> {
    frame: &'f mut Frame<'b>,
    x: u16,
    y: u16,
    right: u16,
}

impl Cursor<'_, '_> {
    fn cell(&mut self, width: u16, line: Line, gap: u16) {
        self.widget(width, line, gap);
    }

    fn widget(&mut self, width: u16, widget: impl Widget, gap: u16) {
        if width == 0 {
            return;
        }
        let w = width.min(self.right.saturating_sub(self.x));
        if w > 0 {
            self.frame.render_widget(widget, Rect { x: self.x, y: self.y, width: w, height: 1 });
        }
        self.x = self.x.saturating_add(width).saturating_add(gap).min(self.right);
    }
}

pub(super) fn draw_row(frame: &mut Frame, c: &Columns, row: Option<&RowText>, area: Rect, selected: bool) {
    let mut at = Cursor { frame, x: area.x, y: area.y, right: area.right() };
    let Some(r) = row else {
        // The column headings.
        let dim = theme::dim();
        at.cell(SELECT, Line::raw(""), 0);
        at.cell(c.left, Line::styled("Left", dim).right_aligned(), 1);
        at.cell(c.gauge, Line::raw(""), c.gap);
        at.cell(c.status, Line::styled("Status", dim), c.gap);
        at.cell(c.amount, Line::styled("Amount", dim).right_aligned(), c.gap);
        at.cell(c.method, Line::styled("Method", dim), c.gap);
        at.cell(c.crypto, Line::styled("Crypto", dim).right_aligned(), c.gap);
        at.cell(c.received, Line::styled("Received", dim).right_aligned(), c.gap);
        return;
    };
    let marker = if selected { Span::styled("▶", theme::title()) } else { Span::raw("") };
    at.cell(SELECT, Line::from(marker), 0);
    at.cell(c.left, Line::from(Span::styled(r.left.as_str(), r.left_style)).right_aligned(), 1);
    let gauge = match &r.phase {
        Phase::Counting { ratio, color } => {
            at.widget(c.gauge, Bar { ratio: *ratio, fill: Style::new().fg(*color), track: theme::track() }, c.gap);
            None
        }
        Phase::Expiring => Some(Line::styled("expiring…", Style::new().fg(Color::Red).add_modifier(Modifier::BOLD))),
        Phase::Finished(Some(t)) if c.gauge >= 14 => Some(Line::styled(format!("ended {t}"), theme::dim())),
        Phase::Finished(Some(t)) if c.gauge >= 8 => Some(Line::styled(t.as_str(), theme::dim())),
        Phase::Finished(_) => Some(Line::raw("")),
    };
    if let Some(line) = gauge {
        at.cell(c.gauge, line, c.gap);
    }
    let mut status = vec![Span::styled(r.badge.as_str(), theme::status_badge(r.status))];
    if let Some(n) = &r.note {
        status.push(Span::raw(" "));
        status.push(Span::styled(n.text(c.notes), n.style));
    }
    at.cell(c.status, Line::from(status), c.gap);
    at.cell(c.amount, Line::raw(r.amount.as_str()).right_aligned(), c.gap);
    let w = usize::from(c.method);
    let method = if r.method.chars().count() > w {
        let cut: String = r.method.chars().take(w.saturating_sub(1)).collect();
        Line::raw(format!("{cut}…"))
    } else {
        Line::raw(r.method.as_str())
    };
    at.cell(c.method, method, c.gap);
    at.cell(c.crypto, Line::raw(r.crypto.as_str()).right_aligned(), c.gap);
    let received = if r.received == "—" { theme::dim() } else { Style::new() };
    at.cell(c.received, Line::styled(r.received.as_str(), received).right_aligned(), c.gap);
    if selected {
        // The highlight spans the whole row, every column.
        let width = c.total().min(area.width);
        frame.buffer_mut().set_style(Rect { width, ..area }, selected_row());
    }
}

/// The selected row: reversed, so it shows without colours too.
pub(super) fn selected_row() -> Style {
    Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
}
