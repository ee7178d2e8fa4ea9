//! The dashboard (`Tab`): every invoice the till is watching, soonest to
//! expire first, each with its countdown, state and gateway health, so one
//! counter can run several sales at once. Finished invoices stay a while
//! with their outcome ([`LINGER`]), then leave the list.
//!
//! Drawing reads only: the time is `app.now()`. Only the rows in the window
//! are formatted, so a thousand invoices cost a sort of indices, not a
//! thousand rows of text.

use super::Keys;
use crate::core::invoice::Reference;
use crate::core::method::ProviderId;
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::core::watch::Watch;
use crate::tui::app::App;
use crate::tui::theme;
use crate::tui::widgets::{Bar, countdown};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

/// How long a finished invoice (paid, expired, canceled) stays on the
/// dashboard after the till learnt its final state (`Watch::finished_at`):
/// long enough to read the outcome after serving the next customer, short
/// enough that the list stays about what is still open. The history (`h`)
/// keeps every sale of the day.
pub const LINGER: SignedDuration = SignedDuration::from_mins(5);

/// Which invoices the dashboard lists (`f` cycles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Filter {
    #[default]
    All,
    Open,
    Paid,
    Expired,
    Canceled,
    /// Expired with part paid, a status nobody documented, or a gateway
    /// contradicting a final state.
    Attention,
}

impl Filter {
    const ORDER: [Filter; 6] =
        [Filter::All, Filter::Open, Filter::Paid, Filter::Expired, Filter::Canceled, Filter::Attention];

    pub fn label(self) -> &'static str {
        match self {
            Filter::All => "all",
            Filter::Open => "open",
            Filter::Paid => "paid",
            Filter::Expired => "expired",
            Filter::Canceled => "canceled",
            Filter::Attention => "needs attention",
        }
    }

    pub fn next(self) -> Filter {
        let i = Self::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        Self::ORDER[(i + 1) % Self::ORDER.len()]
    }

    pub fn keeps(self, w: &Watch) -> bool {
        match self {
            Filter::All => true,
            Filter::Open => !w.status().is_final(),
            Filter::Paid => *w.status() == Status::Paid,
            Filter::Expired => matches!(w.status(), Status::Expired | Status::ExpiredUnderpaid),
            Filter::Canceled => *w.status() == Status::Canceled,
            Filter::Attention => needs_attention(w),
        }
    }
}

/// Someone should look: part paid and expired, a status the till does not
/// know, or a gateway contradicting a final state.
pub fn needs_attention(w: &Watch) -> bool {
    matches!(w.status(), Status::ExpiredUnderpaid | Status::Unknown(_)) || w.conflict.is_some()
}

/// On the dashboard at `now`: open, or finished less than [`LINGER`] ago.
pub fn in_view(w: &Watch, now: Timestamp) -> bool {
    !w.status().is_final() || w.finished_at.is_some_and(|at| now.duration_since(at) < LINGER)
}

/// The dashboard's state; kept while it is closed, so `Tab` comes back to
/// the same filter and selection.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dashboard {
    pub open: bool,
    pub filter: Filter,
    /// Only this gateway's invoices (`g`), when set.
    pub gateway: Option<ProviderId>,
    /// The selected invoice, followed as the list reorders.
    pub selected: Option<Reference>,
    /// Its last position: the selection stays there when the invoice leaves.
    pub index: usize,
}

impl Dashboard {
    /// The listed invoices, as indices into `watches`, in display order.
    pub fn rows(&self, watches: &[Watch], now: Timestamp) -> Vec<usize> {
        rows(watches, now, self.filter, self.gateway)
    }

    /// Where the selection is in `rows`.
    pub fn position(&self, watches: &[Watch], rows: &[usize]) -> Option<usize> {
        let last = rows.len().checked_sub(1)?;
        if let Some(r) = &self.selected
            && let Some(p) = rows.iter().position(|&i| watches.get(i).is_some_and(|w| &w.invoice.reference == r))
        {
            return Some(p);
        }
        Some(self.index.min(last))
    }

    /// Selects the row at `position` (clamped).
    pub fn select(&mut self, watches: &[Watch], rows: &[usize], position: usize) {
        self.index = position.min(rows.len().saturating_sub(1));
        self.selected = rows.get(self.index).and_then(|&i| watches.get(i)).map(|w| w.invoice.reference.clone());
    }

    /// The next gateway filter: none, then each gateway with invoices in view.
    pub fn next_gateway(&self, watches: &[Watch], now: Timestamp) -> Option<ProviderId> {
        let present: Vec<ProviderId> = ProviderId::ALL
            .iter()
            .copied()
            .filter(|p| watches.iter().any(|w| w.invoice.method.provider == *p && in_view(w, now)))
            .collect();
        match self.gateway {
            None => present.first().copied(),
            Some(g) => present.iter().position(|p| *p == g).and_then(|i| present.get(i + 1).copied()),
        }
    }
}

/// The invoices in view that the filters keep, as indices into `watches`:
/// open ones by time left, soonest first (past their expiry first of all),
/// then finished ones, the most recently finished first.
pub fn rows(watches: &[Watch], now: Timestamp, filter: Filter, gateway: Option<ProviderId>) -> Vec<usize> {
    // Any instant in nanoseconds is well under 2^70: finished invoices,
    // keyed past 2^100, come after every open one.
    const FINISHED: i128 = 1 << 100;
    let mut keyed: Vec<(i128, usize)> = watches
        .iter()
        .enumerate()
        .filter(|(_, w)| in_view(w, now) && filter.keeps(w) && gateway.is_none_or(|g| w.invoice.method.provider == g))
        .map(|(i, w)| {
            let key = if w.status().is_final() {
                FINISHED - w.finished_at.map_or(0, Timestamp::as_nanosecond)
            } else {
                w.invoice.expires_at.as_nanosecond()
            };
            (key, i)
        })
        .collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}

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

fn clock(at: Timestamp, tz: &TimeZone) -> String {
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
struct RowText<'a> {
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
    fn new(w: &'a Watch, now: Timestamp, tz: &TimeZone, down: &[(ProviderId, Timestamp)], policy: &PollPolicy) -> Self {
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
        } else if *status == Status::Paid && w.note.is_some() {
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
struct Columns {
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
    fn fit(rows: &[RowText], room: u16) -> Columns {
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

fn draw_row(frame: &mut Frame, c: &Columns, row: Option<&RowText>, area: Rect, selected: bool) {
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
    let method = if selected {
        // The highlight spans the column.
        let text: String = method.spans.iter().map(|s| s.content.as_ref()).collect();
        Line::styled(format!("{text:<w$}"), Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD))
    } else {
        method
    };
    at.cell(c.method, method, c.gap);
    at.cell(c.crypto, Line::raw(r.crypto.as_str()).right_aligned(), c.gap);
    let received = if r.received == "—" { theme::dim() } else { Style::new() };
    at.cell(c.received, Line::styled(r.received.as_str(), received).right_aligned(), c.gap);
}

pub fn draw(app: &App, frame: &mut Frame, area: Rect) -> Keys {
    let d = &app.dashboard;
    let now = app.now();
    let tz = &app.shop.timezone;
    let watches = &app.desk.watches;
    let rows = d.rows(watches, now);
    let selected = d.position(watches, &rows);
    let down: Vec<(ProviderId, Timestamp)> =
        ProviderId::ALL.iter().filter_map(|&p| app.desk.unreachable_since(p).map(|t| (p, t))).collect();
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

    let texts: Vec<RowText> =
        window.iter().map(|&i| RowText::new(&watches[i], now, tz, &down, &app.desk.policy)).collect();
    let columns = Columns::fit(&texts, list.width);
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
                "   Nothing matches “{}” ({} invoice(s) in view; f changes the filter).",
                d.filter.label(),
                tally.total
            )
        };
        frame.render_widget(Line::styled(words, theme::dim()), Rect { height: 1, ..list });
    }
    if let Some(f) = &app.flash {
        frame.render_widget(Line::raw(format!(" {f}")), flash);
    }

    let mut keys: Keys = Vec::new();
    if !rows.is_empty() {
        keys.extend([("↑↓", "select"), ("Enter", "open")]);
    }
    if selected.and_then(|p| watches.get(rows[p])).is_some_and(|w| !w.status().is_final()) {
        keys.push(("c", "cancel"));
    }
    keys.extend([("f", "filter"), ("g", "gateway"), ("Tab", "back")]);
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_cycle_through_every_kind_and_back() {
        let mut f = Filter::All;
        let mut seen = vec![f.label()];
        for _ in 0..6 {
            f = f.next();
            seen.push(f.label());
        }
        assert_eq!(seen, ["all", "open", "paid", "expired", "canceled", "needs attention", "all"]);
    }
}
