//! Colours and styles. States are always a word and a colour together.

use crate::core::status::Status;
use ratatui::style::{Color, Modifier, Style};

pub const ACCENT: Color = Color::Cyan;

pub fn title() -> Style {
    Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn error() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

pub fn key() -> Style {
    Style::new().fg(Color::Black).bg(Color::Gray)
}

pub fn demo_badge() -> Style {
    Style::new().fg(Color::Black).bg(Color::Yellow).add_modifier(Modifier::BOLD)
}

/// The colour of a status.
pub fn status_color(status: &Status) -> Color {
    match status {
        Status::Pending => Color::Yellow,
        Status::Confirming => Color::LightBlue,
        Status::Underpaid => Color::LightMagenta,
        Status::Paid => Color::Green,
        Status::Expired | Status::ExpiredUnderpaid => Color::Red,
        Status::Canceled => Color::Gray,
        Status::Unknown(_) => Color::Magenta,
    }
}

/// How urgent a countdown is, by the seconds left: green with two minutes
/// or more, amber under two minutes, red under thirty seconds (and once the
/// time is up). The time is always shown as a number beside the colour.
pub fn countdown_color(secs_left: i64) -> Color {
    if secs_left < 30 {
        Color::Red
    } else if secs_left < 120 {
        Color::Yellow
    } else {
        Color::Green
    }
}

/// The empty part of a countdown bar.
pub fn track() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// The status as a solid badge: the word on its colour.
pub fn status_badge(status: &Status) -> Style {
    Style::new().fg(Color::Black).bg(status_color(status)).add_modifier(Modifier::BOLD)
}

/// NO_COLOR: takes every colour off the frame but the QR's (black modules on
/// white, or a kitty picture's placeholders, whose colour is the picture's
/// id). The terminal is told to show colours (crossterm would drop them
/// all, the QR's too, inverting it on a dark terminal), so this pass is what
/// keeps the rest of the screen plain.
pub fn strip_colors(buf: &mut ratatui::buffer::Buffer) {
    use crate::tui::qr::text::{BG, FG};
    for cell in &mut buf.content {
        let qr = (cell.fg, cell.bg) == (FG, BG) || cell.symbol().contains('\u{10EEEE}');
        if !qr {
            cell.set_fg(Color::Reset).set_bg(Color::Reset);
            cell.underline_color = Color::Reset;
        }
    }
}
