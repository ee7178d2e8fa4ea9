//! The customer's screen: its state (the till's last view, whether the till
//! is there, the code encoded once per payload) and its drawing. Idle: the
//! shop's name, big. A sale: the amount in fiat (big), the crypto amount,
//! the QR and the countdown. Then a big PAID ("thank you") or EXPIRED.
//! Nothing alarming for a customer: no errors, no "too small" box.

use super::link::Feed;
use crate::core::customer::{CustomerSale, CustomerView, Due, End, Waiting};
use crate::tui::qr::choose::{self, Placement};
use crate::tui::qr::{Caps, QrCode};
use crate::tui::theme;
use crate::tui::widgets::{big_text, countdown};
use jiff::Timestamp;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The widest the details column beside the code gets, and the narrowest.
const INFO_WIDE: u16 = 46;
const INFO_NARROW: u16 = 30;
/// Rows of the compact details under the code.
const COMPACT: u16 = 3;

/// What the display shows, from the till's feed.
#[derive(Debug)]
pub struct Screen {
    /// The shop's name: the till's, else the config's.
    pub shop: String,
    /// Whether the till is connected.
    pub live: bool,
    pub sale: CustomerSale,
    /// The code of the open invoice, with the payload it encodes.
    code: Option<(String, Result<QrCode, String>)>,
    /// How this terminal draws a QR (asked once at start).
    pub caps: Caps,
}

/// What a frame managed to show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Drawn {
    /// A code was due but did not fit (the amount was shown without it).
    pub code_left_out: bool,
}

impl Screen {
    pub fn new(shop: &str) -> Screen {
        Screen { shop: shop.to_string(), live: false, sale: CustomerSale::Idle, code: None, caps: Caps::default() }
    }

    /// Takes what the link says. The code is encoded when a new payload
    /// arrives, never per frame.
    pub fn feed(&mut self, feed: Feed) {
        match feed {
            Feed::Live(CustomerView { shop, sale }) => {
                self.live = true;
                if !shop.trim().is_empty() {
                    self.shop = shop;
                }
                self.sale = sale;
            }
            // The till restarts with no sale in hand: so does the display.
            Feed::Lost => {
                self.live = false;
                self.sale = CustomerSale::Idle;
            }
        }
        match &self.sale {
            CustomerSale::Open { qr, .. } => {
                if self.code.as_ref().is_none_or(|(payload, _)| payload != qr) {
                    let code = QrCode::encode(qr).map_err(|e| e.to_string());
                    if let Err(e) = &code {
                        tracing::error!(error = %e, "the display could not encode the QR");
                    }
                    self.code = Some((qr.clone(), code));
                }
            }
            _ => self.code = None,
        }
    }

    /// The code of the open invoice, if it could be encoded.
    pub fn code(&self) -> Option<&QrCode> {
        self.code.as_ref().and_then(|(_, c)| c.as_ref().ok())
    }
}

/// Draws the screen as of `now` (the countdown).
pub fn draw(frame: &mut Frame, screen: &Screen, now: Timestamp) -> Drawn {
    let drawn = draw_sale(frame, screen, now);
    if screen.caps.no_color {
        // NO_COLOR: the screen plain, the QR still black on white.
        crate::tui::theme::strip_colors(frame.buffer_mut());
    }
    drawn
}

fn draw_sale(frame: &mut Frame, screen: &Screen, now: Timestamp) -> Drawn {
    let area = frame.area();
    match &screen.sale {
        CustomerSale::Idle => {
            welcome(frame, area, screen);
            Drawn::default()
        }
        CustomerSale::Total(fiat) => {
            let due = Due { fiat: fiat.clone(), crypto: None, method: String::new(), network: String::new() };
            message(frame, area, &due, vec![Line::raw("Preparing your payment…")]);
            Drawn::default()
        }
        CustomerSale::Open { due, waiting, expires_at, .. } => {
            let left = (expires_at.duration_since(now).as_millis() + 999).div_euclid(1000);
            let left = i64::try_from(left).unwrap_or(i64::MAX);
            if left <= 0 {
                let lines = vec![Line::styled("Time is up.", bold()), Line::raw("One moment, please.")];
                message(frame, area, due, lines);
                return Drawn::default();
            }
            if *waiting == Waiting::Confirming {
                let lines = vec![
                    Line::styled("Payment received", bold().fg(Color::LightBlue)),
                    Line::raw("Waiting for the network to confirm it…"),
                ];
                message(frame, area, due, lines);
                return Drawn::default();
            }
            if *waiting == Waiting::Underpaid {
                // The invoice's code asks for the whole amount (a BIP 21 code
                // carries it): never show it for the rest. The cashier sees
                // what arrived and settles the difference.
                let lines = vec![
                    Line::styled("Part of the amount has arrived.", bold().fg(Color::LightMagenta)),
                    Line::raw("Please see the cashier about the rest."),
                    countdown_line(left),
                ];
                message(frame, area, due, lines);
                return Drawn::default();
            }
            pay(frame, area, screen, due, left)
        }
        CustomerSale::Done { due, end } => {
            done(frame, area, due, *end);
            Drawn::default()
        }
    }
}

fn bold() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// A block of `height` rows centred in `area`.
fn middle(area: Rect, height: u16) -> Rect {
    let [r] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    r
}

/// The shop's name, big; a quiet line while the till is away.
fn welcome(frame: &mut Frame, area: Rect, screen: &Screen) {
    let name = if screen.shop.trim().is_empty() { "Welcome" } else { screen.shop.as_str() };
    let block = middle(area, 6);
    let [name_area, _, sub] =
        Layout::vertical([Constraint::Length(4), Constraint::Length(1), Constraint::Length(1)]).areas(block);
    big_text(frame, name_area, name, bold().fg(theme::ACCENT), Alignment::Center);
    frame.render_widget(Paragraph::new(Line::styled("Welcome", theme::dim())).centered(), sub);
    if !screen.live {
        let [_, bottom] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        frame.render_widget(Paragraph::new(Line::styled("waiting for the till", theme::dim())).centered(), bottom);
    }
}

/// The fiat amount as big as `area` allows, centred or to the left.
fn amount(frame: &mut Frame, area: Rect, due: &Due, alignment: Alignment) {
    big_text(frame, area, &amount_text(due), bold(), alignment);
}

/// "12.50 USD": the currency's decimals, its code.
fn amount_text(due: &Due) -> String {
    format!("{} {}", due.fiat.amount_text(), due.fiat.currency.code())
}

/// The crypto amount and the network, as lines.
fn crypto_lines(due: &Due) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if let Some(c) = &due.crypto {
        lines.push(Line::from(vec![Span::styled("= ", theme::dim()), Span::styled(c.to_string(), theme::title())]));
    }
    if !due.method.is_empty() {
        lines.push(Line::raw(due.method.clone()));
        lines.push(Line::styled(due.network.clone(), theme::dim()));
    }
    lines
}

/// The amount, big and centred, with words under it (no code).
fn message(frame: &mut Frame, area: Rect, due: &Due, words: Vec<Line<'static>>) {
    let mut lines = crypto_lines(due);
    lines.push(Line::raw(""));
    lines.extend(words);
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let block = middle(area, height + 5);
    let [top, _, rest] =
        Layout::vertical([Constraint::Length(4), Constraint::Length(1), Constraint::Fill(1)]).areas(block);
    amount(frame, top, due, Alignment::Center);
    frame.render_widget(Paragraph::new(lines).centered().wrap(Wrap { trim: true }), rest);
}

/// "Expires in 14:03", coloured by urgency (the number is always there).
fn countdown_line(left: i64) -> Line<'static> {
    let style = bold().fg(theme::countdown_color(left));
    Line::from(vec![Span::raw("Expires in "), Span::styled(countdown(left), style)])
}

/// An open invoice: the code first, beside the details or above a compact
/// line of them; when no way fits, the amount alone.
fn pay(frame: &mut Frame, area: Rect, screen: &Screen, due: &Due, left: i64) -> Drawn {
    let words = vec![Line::raw("Scan the code to pay."), countdown_line(left)];
    let Some(code) = screen.code() else {
        let words = vec![Line::raw("Please scan the code at the till."), countdown_line(left)];
        message(frame, area, due, words);
        return Drawn { code_left_out: true };
    };
    // The layouts, in order of preference: the code beside the details
    // (as wide as the big amount needs if the code leaves room for that),
    // or above a compact line of them. The one whose code is the most
    // preferred variant wins (a full quiet zone, level M), then the larger.
    let glyphs = u16::try_from(amount_text(due).chars().count()).unwrap_or(u16::MAX);
    let snug = glyphs.saturating_mul(4).saturating_add(1).clamp(INFO_NARROW, INFO_WIDE);
    let cap = choose::cap_rows(area.height);
    let mut best: Option<(Arrange, Rect, Rect, Placement)> = None;
    let mut consider = |layout: Arrange, code_area: Rect, info_area: Rect| {
        let Some(p) = code.place((code_area.width, code_area.height), cap, &screen.caps) else { return };
        let better = best.as_ref().is_none_or(|(_, _, _, b)| {
            (p.variant, std::cmp::Reverse(u32::from(p.cols) * u32::from(p.rows)))
                < (b.variant, std::cmp::Reverse(u32::from(b.cols) * u32::from(b.rows)))
        });
        if better {
            best = Some((layout, code_area, info_area, p));
        }
    };
    for info in [INFO_WIDE, snug, INFO_NARROW] {
        let [code_area, _, info_area] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(1), Constraint::Length(info)]).areas(area);
        if info_area.width == info {
            consider(Arrange::Beside, code_area, info_area);
        }
    }
    let [code_area, info_area] = Layout::vertical([Constraint::Fill(1), Constraint::Length(COMPACT)]).areas(area);
    if info_area.height == COMPACT {
        consider(Arrange::Above, code_area, info_area);
    }
    if let Some((layout, code_area, info_area, p)) = best {
        let at = Rect::new(
            code_area.x + (code_area.width - p.cols) / 2,
            code_area.y + (code_area.height - p.rows) / 2,
            p.cols,
            p.rows,
        );
        code.draw(&p, at, frame.buffer_mut(), &screen.caps);
        match layout {
            Arrange::Beside => {
                let mut lines = vec![Line::raw("")];
                lines.extend(crypto_lines(due));
                lines.push(Line::raw(""));
                lines.extend(words);
                let height = u16::try_from(lines.len()).unwrap_or(u16::MAX);
                let block = middle(info_area, height + 4);
                let [top, rest] = Layout::vertical([Constraint::Length(4), Constraint::Fill(1)]).areas(block);
                amount(frame, top, due, Alignment::Left);
                frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
            }
            Arrange::Above => {
                let mut first = vec![Span::styled(amount_text(due), bold())];
                if let Some(c) = &due.crypto {
                    first.push(Span::styled(" = ", theme::dim()));
                    first.push(Span::styled(c.to_string(), theme::title()));
                }
                let second = Line::styled(due.network.clone(), theme::dim());
                let lines = vec![Line::from(first), second, countdown_line(left)];
                frame.render_widget(Paragraph::new(lines).centered(), info_area);
            }
        }
        return Drawn::default();
    }
    // No room for the code: the amount, and where to scan.
    let mut words = vec![Line::raw("Please scan the code at the till.")];
    words.push(countdown_line(left));
    message(frame, area, due, words);
    Drawn { code_left_out: true }
}

/// Where the details go beside the code.
#[derive(Clone, Copy, Debug)]
enum Arrange {
    /// The code left, the details (the big amount) right.
    Beside,
    /// The code above one compact line of details.
    Above,
}

fn done(frame: &mut Frame, area: Rect, due: &Due, end: End) {
    let (word, color, words) = match end {
        End::Paid => ("PAID", Color::Green, ["Thank you!", ""]),
        End::Expired => ("EXPIRED", Color::Red, ["This payment has expired.", "Please ask the cashier."]),
        End::Canceled => ("CANCELED", Color::Gray, ["This payment was canceled.", "Please ask the cashier."]),
    };
    let mut lines: Vec<Line> = words.iter().filter(|w| !w.is_empty()).map(|w| Line::styled(*w, bold())).collect();
    lines.push(Line::raw(""));
    lines.push(Line::raw(amount_text(due)));
    if let Some(c) = &due.crypto {
        lines.push(Line::styled(c.to_string(), theme::dim()));
    }
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let block = middle(area, height + 5);
    let [top, _, rest] =
        Layout::vertical([Constraint::Length(4), Constraint::Length(1), Constraint::Fill(1)]).areas(block);
    big_text(frame, top, word, bold().fg(color), Alignment::Center);
    frame.render_widget(Paragraph::new(lines).centered().wrap(Wrap { trim: true }), rest);
}
