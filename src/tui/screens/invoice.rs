//! The invoice screen: the QR, the amounts, the method, the countdown to the
//! invoice's own expiry and the live status.

use super::Keys;
use crate::core::invoice::Reference;
use crate::core::status::{Origin, Status};
use crate::core::watch::Watch;
use crate::qr::QrMatrix;
use crate::tui::app::App;
use crate::tui::qr_widget::QrWidget;
use crate::tui::theme;
use crate::tui::widgets::{big_text, countdown};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

/// The narrowest the details column may get beside the QR.
const INFO_MIN: u16 = 30;

pub fn draw(app: &App, reference: &Reference, frame: &mut Frame, area: Rect) -> Keys {
    let Some(watch) = app.desk.watch(reference) else {
        return vec![];
    };
    let code = app.codes.get(reference);
    let status = watch.status();
    let now = app.now();
    let left_width = match code {
        Some(Ok(m)) if !status.is_final() && !watch.is_expiring(now) => {
            if fits(m, area) {
                m.cols()
            } else {
                area.width.saturating_sub(INFO_MIN + 1).min(48)
            }
        }
        _ => area.width.saturating_sub(INFO_MIN + 1).min(46),
    };
    let [left, _, right] =
        Layout::horizontal([Constraint::Length(left_width), Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let qr_fits = matches!(code, Some(Ok(m)) if fits(m, area));
    draw_left(app, watch, code, qr_fits, frame, left);
    draw_info(app, watch, frame, right);
    let mut keys = if status.is_final() {
        vec![("Enter", "next sale")]
    } else {
        let mut k = vec![("c", "cancel invoice"), ("n", "next sale")];
        if !watch.invoice.choices.is_empty() {
            k.push(("w", "other wallet"));
        }
        if app.demo {
            k.push(("p", "demo: customer pays"));
        }
        k
    };
    if app.journaled {
        if *status == Status::Paid && app.desk.sale.reference() == Some(reference) && status.is_final() {
            keys.push(("r", "receipt"));
        }
        keys.push(("h", "history"));
    }
    keys
}

/// Whether the code and the details fit side by side.
fn fits(m: &QrMatrix, area: Rect) -> bool {
    area.width >= m.cols() + 1 + INFO_MIN && area.height >= m.rows()
}

fn centered(area: Rect, height: u16) -> Rect {
    let [r] = Layout::vertical([Constraint::Length(height.min(area.height))]).flex(Flex::Center).areas(area);
    r
}

fn draw_left(
    app: &App,
    watch: &Watch,
    code: Option<&Result<QrMatrix, String>>,
    qr_fits: bool,
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
            Status::Paid if watch.note.is_some() => "Paid late, after the invoice expired.".to_string(),
            Status::Paid => "The gateway confirmed the payment.".to_string(),
            Status::ExpiredUnderpaid => "Part was paid: needs attention.".to_string(),
            Status::Expired => "Nothing was paid. Do not take payment.".to_string(),
            _ => "Do not take payment for this invoice.".to_string(),
        };
        frame.render_widget(Paragraph::new(sub_text).centered().wrap(Wrap { trim: true }), sub);
        return;
    }
    if watch.is_expiring(app.now()) {
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
        Some(Ok(m)) if qr_fits => {
            let [qr_area] = Layout::vertical([Constraint::Length(m.rows())]).flex(Flex::Center).areas(area);
            frame.render_widget(QrWidget(m), qr_area);
        }
        Some(Ok(m)) => {
            let size = frame.area();
            let need_cols = m.cols() + 1 + INFO_MIN;
            let need_rows = m.rows() + 2;
            let lines = vec![
                Line::styled("The window is too small for the QR code", theme::error()),
                Line::raw(""),
                Line::raw(format!("It needs {need_cols} columns × {need_rows} rows;")),
                Line::raw(format!("this one is {} × {}.", size.width, size.height)),
                Line::raw(""),
                Line::raw("Enlarge the window or make the font smaller."),
            ];
            let block = Block::bordered().border_style(Style::new().fg(Color::Red));
            let box_area = centered(area, 8);
            frame.render_widget(Paragraph::new(lines).centered().wrap(Wrap { trim: true }).block(block), box_area);
        }
        Some(Err(_)) | None => {
            let lines = vec![
                Line::styled("The QR code could not be drawn", theme::error()),
                Line::raw("Details are in the log."),
            ];
            frame.render_widget(Paragraph::new(lines).centered(), centered(area, 2));
        }
    }
}

fn draw_info(app: &App, watch: &Watch, frame: &mut Frame, area: Rect) {
    let inv = &watch.invoice;
    let status = watch.status();
    let now = app.now();
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
    if let Some(conflict) = &watch.conflict {
        lines.push(Line::styled(
            format!("The gateway now says {}: check with the owner.", conflict.label()),
            theme::error(),
        ));
    }
    lines.push(Line::raw(""));
    if !status.is_final() {
        // Rounded up: the countdown shows 0:00 only once the invoice has expired.
        let left = (inv.expires_at.duration_since(now).as_millis() + 999).div_euclid(1000);
        let left = i64::try_from(left).unwrap_or(i64::MAX);
        let color = if left < 30 {
            Color::Red
        } else if left < 120 {
            Color::Yellow
        } else {
            Color::Reset
        };
        let at = inv.expires_at.to_zoned(app.shop.timezone.clone()).strftime("%H:%M:%S").to_string();
        lines.push(Line::from(vec![
            Span::raw("Expires in "),
            Span::styled(countdown(left), Style::new().fg(color).add_modifier(Modifier::BOLD)),
        ]));
        lines.push(Line::styled(format!("at {at}"), theme::dim()));
    }
    if let Some(since) = watch.failing_since {
        let at = since.to_zoned(app.shop.timezone.clone()).strftime("%H:%M:%S").to_string();
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
    if let Some(f) = &app.flash {
        lines.push(Line::raw(""));
        lines.push(Line::raw(f.clone()));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}
