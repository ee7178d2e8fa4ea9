//! Draws a [`QrMatrix`] into ratatui cells: black modules on white, two
//! module rows per cell row in half blocks, whatever the theme.

use crate::qr::{GLYPHS, QrMatrix};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::widgets::Widget;

/// The four cells of the code, black on white, indexed as `GLYPHS`.
static CELLS: [Cell; 4] = [qr_cell(GLYPHS[0]), qr_cell(GLYPHS[1]), qr_cell(GLYPHS[2]), qr_cell(GLYPHS[3])];

const fn qr_cell(glyph: &'static str) -> Cell {
    let mut cell = Cell::new(glyph);
    cell.set_fg(Color::Black);
    cell.set_bg(Color::White);
    cell
}

/// `cell.set_symbol(GLYPHS[glyph]).set_fg(Black).set_bg(White)`, by copying a
/// prepared cell: `set_symbol` builds a `CompactString` from the `&str` every
/// time, which made drawing about three times slower. (Not inlined, the copy
/// goes through the stack and is as slow again.)
#[inline(always)]
fn paint(cell: &mut Cell, glyph: usize) {
    // Whatever is not the symbol or the colours stays: modifiers, underline
    // colour (both through the style), how the diff treats the cell.
    let kept = Style { fg: None, bg: None, ..cell.style() };
    let diff = cell.diff_option;
    #[allow(deprecated)]
    let skip = cell.skip;
    *cell = CELLS[glyph].clone();
    cell.set_style(kept).set_diff_option(diff);
    #[allow(deprecated)]
    cell.set_skip(skip);
}

/// Draws the code at the top-left of the area. The caller checks it fits:
/// a clipped code is never drawn.
pub struct QrWidget<'a>(pub &'a QrMatrix);

impl Widget for QrWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let m = self.0;
        // Where the code goes: all of it inside both the area and the buffer
        // (`Rect::new` shrinks a rectangle that would run past u16::MAX).
        let code = Rect::new(area.x, area.y, m.cols(), m.rows());
        let whole = (code.width, code.height) == (m.cols(), m.rows());
        if !whole || area.intersection(code) != code || buf.area.intersection(code) != code {
            return;
        }
        let cols = usize::from(m.cols());
        for row in 0..m.rows() {
            let start = buf.index_of(area.x, area.y + row);
            let cells = &mut buf.content[start..start + cols];
            for (cell, glyph) in cells.iter_mut().zip(m.glyph_ids(usize::from(row))) {
                paint(cell, glyph);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::QUIET_ZONE;

    #[test]
    fn the_widget_draws_the_text_lines_black_on_white() {
        let m = QrMatrix::encode("LIGHTNING:LNBC1").unwrap();
        let area = Rect::new(3, 2, m.cols() + 5, m.rows() + 4);
        let mut buf = Buffer::empty(Rect::new(0, 0, 80, 40));
        QrWidget(&m).render(area, &mut buf);
        for (row, line) in m.text_lines(false).iter().enumerate() {
            let y = area.y + u16::try_from(row).unwrap();
            let drawn: String = (area.x..area.x + m.cols()).map(|x| buf[(x, y)].symbol()).collect();
            assert_eq!(&drawn, line);
            for x in area.x..area.x + m.cols() {
                assert_eq!((buf[(x, y)].fg, buf[(x, y)].bg), (Color::Black, Color::White));
            }
            assert_eq!(buf[(area.x + m.cols(), y)].symbol(), " ", "nothing right of the code");
        }
        // An area that would clip the code draws nothing.
        let mut clipped = Buffer::empty(Rect::new(0, 0, 20, 10));
        QrWidget(&m).render(Rect::new(0, 0, 80, 40), &mut clipped);
        assert_eq!(clipped, Buffer::empty(Rect::new(0, 0, 20, 10)));
    }

    #[test]
    fn drawn_codes_scan_back_at_level_m() {
        let payloads = [
            format!("LIGHTNING:{}", "LNBC1".repeat(78)),
            "TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q".to_string(),
            "bitcoin:bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq?amount=0.00012345".to_string(),
        ];
        for payload in &payloads {
            let m = QrMatrix::encode(payload).unwrap();
            let area = Rect::new(0, 0, m.cols(), m.rows());
            let mut buf = Buffer::empty(area);
            QrWidget(&m).render(area, &mut buf);
            // Back from the half blocks to modules, four pixels a module.
            let dark =
                |x: usize, y: usize| match buf[(u16::try_from(x).unwrap(), u16::try_from(y / 2).unwrap())].symbol() {
                    "█" => true,
                    "▀" => y.is_multiple_of(2),
                    "▄" => !y.is_multiple_of(2),
                    _ => false,
                };
            let side = m.size() * 4;
            let mut img =
                rqrr::PreparedImage::prepare_from_greyscale(
                    side,
                    side,
                    |x, y| {
                        if dark(x / 4, y / 4) { 0 } else { 255 }
                    },
                );
            let grids = img.detect_grids();
            let (meta, text) = grids[0].decode().unwrap();
            assert_eq!(&text, payload);
            assert_eq!(meta.ecc_level, 0, "level M's format bits are 00");
            assert_eq!(meta.version.to_size(), m.size() - 2 * QUIET_ZONE);
        }
    }
}
