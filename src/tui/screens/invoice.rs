//! The invoice screen: the QR, the amounts, the method, the countdown to the
//! invoice's own expiry and the live status; its keys, and the codes of the
//! invoices (encoded once each, drawn every frame).

use super::global::{CANCEL, CONTINUE, DEMO, HISTORY, NEXT, RECEIPT, WALLET};
use crate::core::desk::{Desk, Event};
use crate::core::invoice::Reference;
use crate::core::sale::Sale;
use crate::core::status::{Origin, Status};
use crate::core::watch::Watch;
use crate::tui::action::Effect;
use crate::tui::ctx::Ctx;
use crate::tui::ctx::View;
use crate::tui::intent::Intent;
use crate::tui::intent::Modal;
use crate::tui::keys::{Avail, Binding, ENTER, ESC, Needs, Press};
use crate::tui::qr::Caps;
use crate::tui::qr::QrCode;
use crate::tui::qr::choose::{self, Placement};
use crate::tui::theme;
use crate::tui::widgets::{big_text, countdown};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};
use std::collections::HashMap;
use std::sync::Arc;

/// The narrowest the details column may get beside the QR.
const INFO_MIN: u16 = 30;
/// The compact details beside the QR: the narrowest column.
const COMPACT_MIN: u16 = 22;
/// The compact details under the QR: the amount, the method and status,
/// the countdown.
const COMPACT_ROWS: u16 = 3;

/// A code, or why it could not be made.
pub type Code = Result<Arc<QrCode>, String>;

/// The QR codes of the invoices, by reference (encoded when an invoice is
/// created, switched or shown, dropped once it is no longer watched), and
/// how this terminal shows them.
#[derive(Clone, Debug, Default)]
pub struct Codes {
    codes: HashMap<Reference, Code>,
    /// Asked of the terminal at start; half blocks until then.
    pub caps: Caps,
}

impl Codes {
    /// Encodes the invoice's code unless it is already there.
    pub fn encode(&mut self, desk: &Desk, reference: &Reference) {
        if self.codes.contains_key(reference) {
            return;
        }
        if let Some(w) = desk.watch(reference) {
            let code = QrCode::encode(&w.invoice.payload.qr).map(Arc::new).map_err(|e| e.to_string());
            if let Err(e) = &code {
                tracing::error!(%reference, error = %e, "QR encoding failed");
            }
            self.codes.insert(reference.clone(), code);
        }
    }

    /// Encodes the invoice's code again (its payload changed).
    pub fn renew(&mut self, desk: &Desk, reference: &Reference) {
        self.codes.remove(reference);
        self.encode(desk, reference);
    }

    /// Keeps only the codes of invoices still open.
    pub fn keep_open(&mut self, desk: &Desk) {
        self.codes.retain(|r, _| desk.watch(r).is_some_and(|w| !w.status().is_final()));
    }

    pub fn get(&self, reference: &Reference) -> Option<&Code> {
        self.codes.get(reference)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Cancel,
    SetAside,
    Next,
    Wallet,
    Demo,
    Done,
    Receipt,
    History,
}

pub const KEYS: &[Binding<Cmd>] = &[
    Binding::new(&[Press::ch('c')], "c", "cancel invoice", Some(&CANCEL), 70, Cmd::Cancel),
    // At a gateway that cannot cancel, `c` offers to set the invoice aside.
    Binding::new(&[Press::ch('c')], "c", "set aside", Some(&CANCEL), 70, Cmd::SetAside),
    Binding::new(&[Press::ch('n')], "n", "next sale", Some(&NEXT), 60, Cmd::Next),
    Binding::new(&[Press::ch('w')], "w", "other wallet", Some(&WALLET), 50, Cmd::Wallet),
    Binding::new(&[Press::ch('p')], "p", "demo: customer pays", Some(&DEMO), 30, Cmd::Demo).needs(Needs::Demo),
    Binding::new(&[ENTER, ESC, Press::ch('n')], "Enter", "next sale", Some(&CONTINUE), 80, Cmd::Done),
    Binding::new(&[Press::ch('r')], "r", "receipt", Some(&RECEIPT), 50, Cmd::Receipt).needs(Needs::Journal),
    Binding::new(&[Press::ch('h')], "h", "history", Some(&HISTORY), 40, Cmd::History).needs(Needs::Journal),
];

/// The invoice of the sale in hand, and whether it is over.
fn current<'a>(ctx: &Ctx<'a>) -> Option<(&'a Reference, Option<&'a Watch>, bool)> {
    let reference = ctx.desk.sale.reference()?;
    let watch = ctx.desk.watch(reference);
    let over = watch.map_or(matches!(ctx.desk.sale, Sale::Final { .. }), |w| w.status().is_final());
    Some((reference, watch, over))
}

/// Open invoices can be canceled, left for the next sale, switched to
/// another wallet (when they have others), paid in the demo; finished ones
/// make way for the next sale and, paid, print a receipt.
pub fn avail(cmd: Cmd, ctx: &Ctx) -> Avail {
    let Some((_, watch, over)) = current(ctx) else {
        return Avail::Off;
    };
    match cmd {
        Cmd::Cancel => Avail::on_if(!over && cancelable(ctx, watch)),
        Cmd::SetAside => Avail::on_if(!over && !cancelable(ctx, watch)),
        Cmd::Next | Cmd::Demo => Avail::on_if(!over),
        Cmd::Wallet if over => Avail::Off,
        Cmd::Wallet => Avail::shown_if(watch.is_some_and(|w| !w.invoice.choices.is_empty())),
        Cmd::Done => Avail::on_if(over),
        Cmd::Receipt if !over => Avail::Off,
        Cmd::Receipt => Avail::shown_if(watch.is_some_and(|w| *w.status() == Status::Paid)),
        Cmd::History => Avail::Shown,
    }
}

/// Whether the invoice's gateway can cancel it.
fn cancelable(ctx: &Ctx, watch: Option<&Watch>) -> bool {
    watch.is_none_or(|w| ctx.cancelable.contains(&w.invoice.method.provider))
}

pub fn run(cmd: Cmd, ctx: &Ctx) -> Intent {
    let Some((reference, watch, _)) = current(ctx) else {
        return Intent::Nothing;
    };
    let reference = reference.clone();
    match cmd {
        // The app asks to set it aside instead where the gateway cannot cancel.
        Cmd::Cancel | Cmd::SetAside => Intent::Modal(Modal::ConfirmCancel(reference)),
        // The next sale, from an empty amount; this invoice stays watched in
        // the background.
        Cmd::Next | Cmd::Done => Intent::NewSale,
        Cmd::Wallet => Intent::Core(Event::SwitchChoice(reference)),
        Cmd::Demo => match watch {
            Some(w) => Intent::Effect(Effect::SimulatePayment(w.invoice.method.provider, reference)),
            None => Intent::Nothing,
        },
        Cmd::Receipt => match watch {
            Some(w) if *w.status() == Status::Paid => Intent::Effect(Effect::WriteReceipt(reference)),
            _ => Intent::Flash("Receipts are for paid sales only.".into()),
        },
        Cmd::History => Intent::History,
    }
}

/// What the invoice screen draws: the invoice, its code, how the terminal
/// shows codes.
pub struct Shown<'a> {
    pub watch: &'a Watch,
    pub code: Option<&'a Code>,
    pub caps: &'a Caps,
}

/// Where the code and the details go.
enum Plan {
    /// The code left, the full details right.
    Beside(Placement),
    /// The code on top, the compact details under it.
    Above(Placement),
    /// The code left, the compact details in a narrow column right.
    BesideCompact(Placement),
    /// No code: why, and the details.
    NoCode,
}

/// The QR first: of the layouts, the one whose code is the most preferred
/// variant (level M, a wide margin), then the largest, the earliest on a tie.
fn plan(code: &QrCode, area: Rect, screen_rows: u16, caps: &Caps) -> Plan {
    let cap = choose::cap_rows(screen_rows);
    let (w, h) = (area.width, area.height);
    let tries = [
        (w.saturating_sub(INFO_MIN + 1), h, Plan::Beside as fn(Placement) -> Plan),
        (w, h.saturating_sub(COMPACT_ROWS), Plan::Above),
        (w.saturating_sub(COMPACT_MIN + 1), h, Plan::BesideCompact),
    ];
    tries
        .into_iter()
        .filter_map(|(cols, rows, plan)| code.place((cols, rows), cap, caps).map(|p| (p, plan)))
        .min_by_key(|(p, _)| (p.variant, std::cmp::Reverse(u32::from(p.cols) * u32::from(p.rows))))
        .map_or(Plan::NoCode, |(p, plan)| plan(p))
}

pub fn draw(view: &View, shown: &Shown, frame: &mut Frame, area: Rect) {
    let Shown { watch, code, caps } = *shown;
    let status = watch.status();
    let showing = !status.is_final() && !watch.is_expiring(view.now);
    let plan = match code {
        Some(Ok(code)) if showing => plan(code, area, frame.area().height, caps),
        _ => Plan::NoCode,
    };
    let code = code.and_then(|c| c.as_ref().ok());
    match (plan, code) {
        (Plan::Beside(p) | Plan::BesideCompact(p), Some(code)) => {
            let [left, _, right] =
                Layout::horizontal([Constraint::Length(p.cols), Constraint::Length(1), Constraint::Fill(1)])
                    .areas(area);
            let [at] = Layout::vertical([Constraint::Length(p.rows)]).flex(Flex::Center).areas(left);
            code.draw(&p, at, frame.buffer_mut(), caps);
            if right.width >= INFO_MIN {
                draw_info(view, watch, frame, right);
            } else {
                draw_compact(view, watch, frame, centered(right, COMPACT_ROWS + 3), Alignment::Left);
            }
        }
        (Plan::Above(p), Some(code)) => {
            let below = area.height.saturating_sub(p.rows).min(COMPACT_ROWS + 2);
            let [top, bottom] = Layout::vertical([Constraint::Length(p.rows), Constraint::Length(below)])
                .flex(Flex::Center)
                .areas(area);
            let [at] = Layout::horizontal([Constraint::Length(p.cols)]).flex(Flex::Center).areas(top);
            code.draw(&p, at, frame.buffer_mut(), caps);
            draw_compact(view, watch, frame, bottom, Alignment::Center);
        }
        _ => {
            let too_small = code.is_some() && showing;
            let left_width = area.width.saturating_sub(INFO_MIN + 1).min(if too_small { 48 } else { 46 });
            let [left, _, right] =
                Layout::horizontal([Constraint::Length(left_width), Constraint::Length(1), Constraint::Fill(1)])
                    .areas(area);
            let chrome = frame.area().height.saturating_sub(area.height);
            draw_left(view, watch, code.filter(|_| showing), caps, chrome, frame, left);
            draw_info(view, watch, frame, right);
        }
    }
}

fn centered(area: Rect, height: u16) -> Rect {
    let [r] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    r
}

/// The left side without a code: PAID/EXPIRED/CANCELED, time is up, or why
/// the code is not drawn. `code` is the open invoice's code.
fn draw_left(
    view: &View,
    watch: &Watch,
    code: Option<&Arc<QrCode>>,
    caps: &Caps,
    chrome: u16,
    frame: &mut Frame,
    area: Rect,
) {
    let status = watch.status();
    let provider = watch.invoice.method.provider.name();
    if status.is_final() {
        let color = theme::status_color(status);
        let word = match status {
            Status::ExpiredUnderpaid => "EXPIRED",
            Status::Paid => "PAID",
            Status::Expired => "EXPIRED",
            _ => "CANCELED",
        };
        let box_area = centered(area, 9);
        let block = Block::bordered().border_type(BorderType::Thick).border_style(Style::new().fg(color));
        let inner = block.inner(box_area);
        frame.render_widget(block, box_area);
        let [_, word_area, sub] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(4), Constraint::Length(2)]).areas(inner);
        big_text(frame, word_area, word, Style::new().fg(color).add_modifier(Modifier::BOLD), Alignment::Center);
        let sub_text = match status {
            Status::Paid if watch.paid_late() => "Paid late, after the invoice expired.".to_string(),
            Status::Paid => "The gateway confirmed the payment.".to_string(),
            Status::ExpiredUnderpaid => "Part was paid: needs attention.".to_string(),
            Status::Expired => "Nothing was paid. Do not take payment.".to_string(),
            _ => "Do not take payment for this invoice.".to_string(),
        };
        frame.render_widget(Paragraph::new(sub_text).centered().wrap(Wrap { trim: true }), sub);
        return;
    }
    if watch.is_expiring(view.now) {
        let lines = vec![
            Line::styled("Time is up", theme::error()),
            Line::raw(""),
            Line::raw("The code is hidden: a wallet would refuse it now."),
            Line::raw(format!("Waiting for {provider}'s final word…")),
        ];
        frame.render_widget(Paragraph::new(lines).centered().wrap(Wrap { trim: true }), centered(area, 5));
        return;
    }
    match code {
        Some(code) => {
            // The smallest code in the best mode, the compact details under it.
            let size = frame.area();
            let (cols, rows) = code.needed(caps);
            let need_cols = cols.max(INFO_MIN);
            let need_rows = rows + COMPACT_ROWS + chrome;
            let lines = vec![
                Line::styled("The window is too small for the QR code", theme::error()),
                Line::raw(""),
                Line::raw(format!("It needs {need_cols} columns × {need_rows} rows in {};", caps.best())),
                Line::raw(format!("this one is {} × {}.", size.width, size.height)),
                Line::raw(""),
                Line::raw("Enlarge the window or make the font smaller."),
            ];
            let block = Block::bordered().border_style(Style::new().fg(Color::Red));
            let box_area = centered(area, 8);
            frame.render_widget(Paragraph::new(lines).centered().wrap(Wrap { trim: true }).block(block), box_area);
        }
        None => {
            let lines = vec![
                Line::styled("The QR code could not be drawn", theme::error()),
                Line::raw("Details are in the log."),
            ];
            frame.render_widget(Paragraph::new(lines).centered(), centered(area, 2));
        }
    }
}

/// The details in a few lines, for beside or under a code that needs the
/// room: the amount on one line, the method and status, the countdown.
fn draw_compact(view: &View, watch: &Watch, frame: &mut Frame, area: Rect, align: Alignment) {
    let inv = &watch.invoice;
    let status = watch.status();
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut amount = vec![Span::styled(inv.fiat.to_string(), bold)];
    if let Some(c) = &inv.crypto {
        amount.push(Span::styled(" = ", theme::dim()));
        amount.push(Span::styled(c.to_string(), theme::title()));
    }
    let left = seconds_left(inv.expires_at, view.now);
    let mut lines = vec![
        Line::from(amount),
        Line::from(vec![
            Span::raw(format!("{} via {} ", inv.method.method.label(), inv.method.provider.name())),
            Span::styled(format!(" {} ", status.label()), theme::status_badge(status)),
        ]),
        Line::from(vec![
            Span::raw("Expires in "),
            Span::styled(countdown(left), Style::new().fg(countdown_color(left)).add_modifier(Modifier::BOLD)),
        ]),
    ];
    if let Some(f) = view.flash {
        lines.push(Line::raw(f.to_string()));
    }
    frame.render_widget(Paragraph::new(lines).alignment(align).wrap(Wrap { trim: true }), area);
}

/// Whole seconds to the expiry, rounded up: the countdown shows 0:00 only
/// once the invoice has expired.
fn seconds_left(expires_at: jiff::Timestamp, now: jiff::Timestamp) -> i64 {
    let left = (expires_at.duration_since(now).as_millis() + 999).div_euclid(1000);
    i64::try_from(left).unwrap_or(i64::MAX)
}

fn countdown_color(left: i64) -> Color {
    if left < 30 {
        Color::Red
    } else if left < 120 {
        Color::Yellow
    } else {
        Color::Reset
    }
}

fn draw_info(view: &View, watch: &Watch, frame: &mut Frame, area: Rect) {
    let inv = &watch.invoice;
    let status = watch.status();
    let now = view.now;
    let [amount_area, rest] = Layout::vertical([Constraint::Length(5), Constraint::Fill(1)]).areas(area);
    let [_, amount_area] = Layout::vertical([Constraint::Length(1), Constraint::Length(4)]).areas(amount_area);
    // Fiat first: the number as big as the column allows, the currency beside it.
    let number = inv.fiat.amount_text();
    let code = inv.fiat.currency.code();
    let glyphs = u16::try_from(number.chars().count()).unwrap_or(u16::MAX);
    let big_width = if glyphs * 8 + 5 <= amount_area.width { glyphs * 8 } else { glyphs * 4 };
    let [num_area, code_area] =
        Layout::horizontal([Constraint::Length(big_width), Constraint::Fill(1)]).areas(amount_area);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    if big_text(frame, num_area, &number, bold, Alignment::Left) > 1 {
        let [_, code_line] = Layout::vertical([Constraint::Length(2), Constraint::Length(1)]).areas(code_area);
        frame.render_widget(Paragraph::new(Line::styled(format!(" {code}"), bold)), code_line);
    } else {
        frame.render_widget(Paragraph::new(Line::styled(inv.fiat.to_string(), bold)), amount_area);
    }

    let mut lines: Vec<Line> = Vec::new();
    let desk = view.ctx.desk;
    let current = desk.sale.reference() == Some(&inv.reference);
    if let Some(b) = desk.priced.as_ref().filter(|b| current && b.has_tip() && b.total == inv.fiat) {
        lines.push(Line::styled(format!("{} + tip {}", b.gross(), b.tip), theme::dim()));
    }
    if let Some(c) = &inv.crypto {
        lines.push(Line::from(vec![Span::styled("= ", theme::dim()), Span::styled(c.to_string(), theme::title())]));
    }
    lines.push(Line::raw(format!("{} via {}", inv.method.method.label(), inv.method.provider.name())));
    lines.push(Line::styled(inv.method.method.network(), theme::dim()));
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![Span::styled(format!(" {} ", status.label()), theme::status_badge(status))]));
    if let Some(received) = &inv.received {
        lines.push(Line::raw(format!("Received {received}")));
    }
    if watch.origin == Origin::Local && status.is_final() {
        lines.push(Line::styled("(no word from the gateway: still watched for a late payment)", theme::dim()));
    }
    match &watch.watcher {
        crate::core::watch::Watcher::For(t) if !status.is_final() => {
            lines.push(Line::styled(format!("Watched here for terminal {t}, whose till stopped."), theme::dim()));
        }
        crate::core::watch::Watcher::Elsewhere(t) if !status.is_final() => {
            let who = if t.is_empty() { "another till".to_string() } else { format!("the till of terminal {t}") };
            lines.push(Line::styled(format!("Watched by {who}: its status shows here as stored."), theme::dim()));
        }
        _ => {}
    }
    if let Some(conflict) = &watch.conflict {
        lines.push(Line::styled(
            format!("The gateway now says {}: check with the owner.", conflict.label()),
            theme::error(),
        ));
    }
    lines.push(Line::raw(""));
    if !status.is_final() {
        let left = seconds_left(inv.expires_at, now);
        let at = inv.expires_at.to_zoned(view.ctx.shop.timezone.clone()).strftime("%H:%M:%S").to_string();
        lines.push(Line::from(vec![
            Span::raw("Expires in "),
            Span::styled(countdown(left), Style::new().fg(countdown_color(left)).add_modifier(Modifier::BOLD)),
        ]));
        lines.push(Line::styled(format!("at {at}"), theme::dim()));
    }
    if let Some(since) = watch.failing_since {
        let at = since.to_zoned(view.ctx.shop.timezone.clone()).strftime("%H:%M:%S").to_string();
        lines.push(Line::styled(
            format!("{} unreachable since {at}: still trying.", inv.method.provider.name()),
            theme::error(),
        ));
    }
    if !status.is_final() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(inv.payload.kind.caption(), theme::dim()));
        lines.push(Line::raw(inv.payload.text.clone()));
    }
    if let Some(f) = view.flash {
        lines.push(Line::raw(""));
        lines.push(Line::raw(f.to_string()));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}
