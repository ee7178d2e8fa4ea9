//! Small drawing helpers shared by the screens.

use super::theme;
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Flex, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};
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

/// `Enter` in key style, then the action's words.
pub fn hint<'a>(key: &'a str, what: &'a str) -> Vec<Span<'a>> {
    vec![Span::styled(format!(" {key} "), theme::key()), Span::raw(format!(" {what}  "))]
}

/// mm:ss, or h:mm:ss beyond an hour; 0:00 once past.
pub fn countdown(secs: i64) -> String {
    let s = secs.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::countdown;

    #[test]
    fn countdowns_read_like_clocks() {
        assert_eq!(countdown(0), "0:00");
        assert_eq!(countdown(-5), "0:00");
        assert_eq!(countdown(59), "0:59");
        assert_eq!(countdown(14 * 60 + 3), "14:03");
        assert_eq!(countdown(3723), "1:02:03");
    }
}
