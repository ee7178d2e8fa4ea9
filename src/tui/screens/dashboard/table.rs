//! The dashboard's rows: each invoice's texts (time left, gauge, status and
//! notes, amounts, method), the columns sized to what fits, and one row
//! drawn cell by cell.

use super::note::{Clock, Note, NoteLength, Why};
use crate::core::invoice::CryptoAmount;
use crate::core::method::PaymentMethod;
use crate::core::method::ProviderId;
use crate::core::money::Money;
use crate::core::schedule::PollPolicy;
use crate::core::status::Status;
use crate::core::watch::Watch;
use crate::tui::theme;
use crate::tui::widgets::{Bar, Countdown};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use rust_decimal::Decimal;
use std::fmt::{self, Write as _};

/// A time of day, as the dashboard writes it.
pub fn clock(at: Timestamp, tz: &TimeZone) -> String {
    Clock(at, tz).to_string()
}

/// The width of a text once written, counted as it is written: no `String`.
#[derive(Default)]
struct Measure(usize);

impl fmt::Write for Measure {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += Span::raw(s).width();
        Ok(())
    }
}

fn measure(text: impl fmt::Display) -> u16 {
    let mut m = Measure::default();
    // Measure never fails; a failing Display only leaves the count short.
    let _ = write!(m, "{text}");
    u16::try_from(m.0).unwrap_or(u16::MAX)
}

/// The digits in `n` (at least one).
fn digits(n: u128) -> u32 {
    n.checked_ilog10().map_or(1, |l| l + 1)
}

/// The width of a decimal as its `Display` writes it (sign, digits, point),
/// counted from its mantissa and scale: no text is built.
fn decimal_width(d: Decimal) -> u16 {
    let scale = d.scale();
    let whole = digits(d.mantissa().unsigned_abs()).saturating_sub(scale).max(1);
    let point = if scale > 0 { 1 + scale } else { 0 };
    u16::try_from(u32::from(d.is_sign_negative()) + whole + point).unwrap_or(u16::MAX)
}

/// The width of `Money`'s text, `12.50 USD`.
fn money_width(m: &Money) -> u16 {
    let mut amount = m.amount;
    amount.rescale(m.currency.decimals());
    decimal_width(amount).saturating_add(1).saturating_add(width(m.currency.code()))
}

/// The width of a `CryptoAmount`'s text, `0.00012 BTC`.
fn crypto_width(c: &CryptoAmount) -> u16 {
    decimal_width(c.amount.normalize()).saturating_add(1).saturating_add(width(&c.unit))
}

/// Where an invoice's time stands, and the text of its "Left" column.
#[derive(Clone, Copy)]
enum Left {
    /// Final: no time left to count.
    Ended,
    /// The countdown reached zero; the gateway has not said anything final.
    Expiring,
    /// Seconds left (rounded up) and the bar's fill: time left over the
    /// invoice's lifetime.
    Counting { secs: i64, ratio: f64 },
}

impl Left {
    fn of(w: &Watch, now: Timestamp) -> Left {
        let inv = &w.invoice;
        if w.status().is_final() {
            Left::Ended
        } else if w.is_expiring(now) {
            Left::Expiring
        } else {
            // Rounded up, as on the invoice screen: 0:00 only once expired.
            let ms = inv.expires_at.duration_since(now).as_millis();
            let secs = i64::try_from((ms + 999).div_euclid(1000)).unwrap_or(i64::MAX);
            let total = inv.expires_at.duration_since(inv.created_at).as_millis();
            let ratio = if total > 0 { ms as f64 / total as f64 } else { 0.0 };
            Left::Counting { secs, ratio }
        }
    }
}

impl Left {
    /// The width of the text, from the seconds' digits.
    fn width(self) -> u16 {
        match self {
            Left::Ended => 1,
            Left::Expiring => 4,
            Left::Counting { secs, .. } => {
                let s = u128::try_from(secs.max(0)).unwrap_or(0);
                let w = if s >= 3600 { digits(s / 3600) + 6 } else { digits(s / 60) + 3 };
                u16::try_from(w).unwrap_or(u16::MAX)
            }
        }
    }
}

impl fmt::Display for Left {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Left::Ended => f.write_str("—"),
            Left::Expiring => f.write_str("0:00"),
            Left::Counting { secs, .. } => write!(f, "{}", Countdown(*secs)),
        }
    }
}

/// The payment method as the dashboard writes it: `xPay · Bitcoin Lightning`.
struct MethodText(PaymentMethod);

impl MethodText {
    /// The width of the ` · ` between the gateway and the method.
    const DOT: u16 = 3;
}

impl fmt::Display for MethodText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} · {}", self.0.provider.name(), self.0.method.label())
    }
}

/// How the gauge column reads for an invoice.
enum Phase {
    /// The bar's fill and its colour band.
    Counting { ratio: f64, color: Color },
    /// The countdown reached zero; the gateway has not said anything final.
    Expiring,
    /// Final, since this time of day.
    Finished(Option<String>),
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
    /// The board's Terminal column (empty on a till's own dashboard).
    terminal: String,
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
        let left = Left::of(w, now);
        let (phase, left_style) = match left {
            Left::Ended => (Phase::Finished(w.finished_at.map(|t| clock(t, tz))), theme::dim()),
            Left::Expiring => (Phase::Expiring, Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)),
            Left::Counting { secs, ratio } => {
                let color = theme::countdown_color(secs);
                (Phase::Counting { ratio, color }, Style::new().fg(color).add_modifier(Modifier::BOLD))
            }
        };
        let note = Why::of(w, now, down, policy).map(|why| Note {
            full: why.words(NoteLength::Full, tz).to_string(),
            medium: why.words(NoteLength::Medium, tz).to_string(),
            short: why.words(NoteLength::Short, tz).to_string(),
            style: why.style(),
        });
        RowText {
            status,
            phase,
            left: left.to_string(),
            left_style,
            method: MethodText(inv.method).to_string(),
            amount: inv.fiat.to_string(),
            crypto: inv.crypto.as_ref().map(ToString::to_string).unwrap_or_default(),
            received: inv.received.as_ref().map_or_else(|| "—".to_string(), ToString::to_string),
            badge: format!(" {} ", status.label()),
            note,
            terminal: String::new(),
        }
    }

    /// The text of the Terminal column (the board's).
    pub(super) fn with_terminal(mut self, terminal: String) -> Self {
        self.terminal = terminal;
        self
    }
}

/// The widest text of each column over many invoices, measured as written
/// (the same texts as [`RowText`]) without building them: the dashboard
/// sizes its columns to every invoice in view on every frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Widest {
    left: u16,
    /// The badge and the note beside it, for each [`NoteLength`].
    status: [u16; 3],
    amount: u16,
    method: u16,
    /// 0 when no invoice has a crypto amount.
    crypto: u16,
    received: u16,
    /// The board's Terminal column; 0 on a till's own dashboard.
    pub(super) terminal: u16,
}

impl Widest {
    pub(super) fn of<'a>(
        watches: impl IntoIterator<Item = &'a Watch>,
        now: Timestamp,
        tz: &TimeZone,
        down: &[(ProviderId, Timestamp)],
        policy: &PollPolicy,
    ) -> Widest {
        let mut m = Widest::default();
        // The badges' widths by status, so a label is written once a frame.
        let mut badges: Vec<(&Status, u16)> = Vec::new();
        for w in watches {
            let inv = &w.invoice;
            m.left = m.left.max(Left::of(w, now).width());
            let status = w.status();
            let badge = if let Some(&(_, b)) = badges.iter().find(|(s, _)| *s == status) {
                b
            } else {
                let b = measure(status.label()).saturating_add(2);
                badges.push((status, b));
                b
            };
            let why = Why::of(w, now, down, policy);
            for (widest, length) in m.status.iter_mut().zip(NoteLength::ALL) {
                let note = why.map_or(0, |why| measure(why.words(length, tz)).saturating_add(1));
                *widest = (*widest).max(badge.saturating_add(note));
            }
            m.amount = m.amount.max(money_width(&inv.fiat));
            let method = width(inv.method.provider.name()) + MethodText::DOT + width(inv.method.method.label());
            m.method = m.method.max(method);
            m.crypto = m.crypto.max(inv.crypto.as_ref().map_or(0, crypto_width));
            m.received = m.received.max(inv.received.as_ref().map_or(1, money_width));
        }
        m
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
    /// The board's Terminal column (0: none).
    terminal: u16,
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
        [
            SELECT,
            opt(self.terminal, self.gap),
            self.left,
            opt(self.gauge, 1),
            self.gap,
            self.status,
            self.gap,
            self.amount,
            self.gap,
            self.method,
        ]
        .into_iter()
        .chain([opt(self.crypto, self.gap), opt(self.received, self.gap)])
        .fold(0u16, u16::saturating_add)
    }

    /// Sizes the columns to their content (`widest`, and the headings) and
    /// to `room`, giving way in this order: the crypto amount, wide gaps, a
    /// long gauge, long notes beside the status, the gauge, the end of a long
    /// method, the amount received, more of the method.
    pub(super) fn fit(widest: &Widest, room: u16) -> Columns {
        let status_with = |length: NoteLength| widest.status[length as usize].max(width("Status"));
        let crypto = if widest.crypto > 0 { widest.crypto.max(width("Crypto")) } else { 0 };
        let terminal = if widest.terminal > 0 { widest.terminal.max(width("Terminal")) } else { 0 };
        let mut c = Columns {
            gap: 2,
            terminal,
            left: widest.left.max(width("Left")),
            gauge: GAUGE,
            status: status_with(NoteLength::Full),
            amount: widest.amount.max(width("Amount")),
            method: widest.method.max(width("Method")),
            crypto,
            received: widest.received.max(width("Received")),
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
        at.cell(c.terminal, Line::styled("Terminal", dim), c.gap);
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
    at.cell(c.terminal, Line::raw(r.terminal.as_str()), c.gap);
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

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
