//! Small drawing helpers shared by the screens.

use super::theme;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};
use std::cmp::Ordering;
use tui_big_text::{BigText, PixelSize};

/// Text drawn as large as the width allows: half-height 8×8 glyphs, then
/// quadrant glyphs, then plain bold text.
pub fn big_text(frame: &mut Frame, area: Rect, text: &str, style: Style, alignment: Alignment) -> u16 {
    let len = u16::try_from(text.chars().count()).unwrap_or(u16::MAX);
    let sizes = [(PixelSize::HalfHeight, 8u16, 4u16), (PixelSize::Quadrant, 4, 4)];
    for (size, w, h) in sizes {
        if len.saturating_mul(w) <= area.width && area.height >= h {
            let big = BigText::builder()
                .pixel_size(size)
                .style(style)
                .alignment(alignment)
                .lines(vec![Line::from(text.to_string())])
                .build();
            frame.render_widget(big, Rect { height: h, ..area });
            return h;
        }
    }
    let p = Paragraph::new(Line::from(Span::styled(text.to_string(), style))).alignment(alignment);
    frame.render_widget(p, Rect { height: 1, ..area });
    1
}

/// A centred box over the screen.
pub fn modal(frame: &mut Frame, title: &str, lines: Vec<Line<'_>>, width: u16) -> Rect {
    let area = frame.area();
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX).saturating_add(2);
    let [row] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width.min(area.width))]).flex(Flex::Center).areas(row);
    frame.render_widget(Clear, rect);
    let block = Block::bordered().border_type(BorderType::Double).title(title.to_string()).title_style(theme::title());
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block), rect);
    rect
}

/// mm:ss, or h:mm:ss beyond an hour; 0:00 once past.
pub fn countdown(secs: i64) -> String {
    Countdown(secs).to_string()
}

/// [`countdown`] as a `Display`, to write (or measure) without a `String`.
pub struct Countdown(pub i64);

impl std::fmt::Display for Countdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0.max(0);
        if s >= 3600 {
            write!(f, "{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
        } else {
            write!(f, "{}:{:02}", s / 60, s % 60)
        }
    }
}

/// A countdown bar on the first line of its area: `ratio` (0 to 1) of it
/// filled in eighths of a cell in `fill`, the rest a track in `track`.
/// Anything above zero shows at least one eighth, so the bar is never empty
/// while time is left. Cells are set directly: a dashboard draws dozens.
pub struct Bar {
    pub ratio: f64,
    pub fill: Style,
    pub track: Style,
}

impl Widget for Bar {
    fn render(self, area: Rect, buf: &mut Buffer) {
        const EIGHTHS: [&str; 8] = ["█", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
        let area = area.intersection(buf.area);
        if area.is_empty() {
            return;
        }
        let width = usize::from(area.width);
        let ratio = if self.ratio.is_finite() { self.ratio.clamp(0.0, 1.0) } else { 0.0 };
        let mut eighths = (ratio * (width * 8) as f64).round() as usize;
        if ratio > 0.0 {
            eighths = eighths.max(1);
        }
        let (full, part) = (eighths / 8, eighths % 8);
        for (k, x) in (area.left()..area.right()).enumerate() {
            let (symbol, style) = match k.cmp(&full) {
                Ordering::Less => (EIGHTHS[0], self.fill),
                Ordering::Equal if part > 0 => (EIGHTHS[part], self.fill),
                _ => ("░", self.track),
            };
            buf[(x, area.y)].set_symbol(symbol).set_style(style);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Bar, countdown};
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};
    use ratatui::widgets::Widget;

    fn bar(ratio: f64, width: u16) -> String {
        let mut buf = Buffer::empty(Rect::new(0, 0, width.max(1), 1));
        let fill = Style::new().fg(Color::Green);
        Bar { ratio, fill, track: Style::new() }.render(Rect::new(0, 0, width, 1), &mut buf);
        let text: String = (0..width).map(|x| buf[(x, 0)].symbol()).collect();
        let filled = (0..width).filter(|&x| buf[(x, 0)].fg == Color::Green).count();
        assert_eq!(filled, text.chars().filter(|c| *c != '░').count(), "the filled part is in the fill colour");
        text
    }

    #[test]
    fn bars_fill_in_eighths_and_keep_their_width() {
        assert_eq!(bar(1.0, 4), "████");
        assert_eq!(bar(0.0, 4), "░░░░");
        assert_eq!(bar(0.5, 4), "██░░");
        assert_eq!(bar(0.3, 4), "█▎░░");
        assert_eq!(bar(0.001, 10), "▏░░░░░░░░░", "a sliver of time left still shows");
        assert_eq!(bar(f64::NAN, 3), "░░░");
        assert_eq!(bar(2.0, 0), "");
    }

    #[test]
    fn countdowns_read_like_clocks() {
        assert_eq!(countdown(0), "0:00");
        assert_eq!(countdown(-5), "0:00");
        assert_eq!(countdown(59), "0:59");
        assert_eq!(countdown(14 * 60 + 3), "14:03");
        assert_eq!(countdown(3723), "1:02:03");
    }
}
