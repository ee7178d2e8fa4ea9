//! Draws a [`QrMatrix`] into ratatui cells as text glyphs: half blocks (1×2
//! modules a cell), sextants (2×3) or octants (2×4), each module `scale` ×
//! `scale` sub-cells; always black modules on white, whatever the theme.

use super::choose::Glyphs;
use crate::qr::QrMatrix;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::pixel::{OCTANTS, SEXTANTS};
use std::sync::LazyLock;

/// The code's colours. Nothing else on screen is black on white, so a
/// NO_COLOR pass keeps exactly these (`theme::strip_colors`).
pub const FG: Color = Color::Black;
pub const BG: Color = Color::White;

/// Half blocks by sub-cell bits, top = bit 0, bottom = bit 1.
const HALF: [char; 4] = [' ', '▀', '▄', '█'];

/// The glyph of each sub-cell pattern: bit `y × width + x` set for a dark
/// sub-cell (row-major, as ratatui's tables).
pub fn glyph_table(glyphs: Glyphs) -> &'static [char] {
    match glyphs {
        Glyphs::HalfBlocks => &HALF,
        Glyphs::Sextants => &SEXTANTS,
        Glyphs::Octants => &OCTANTS,
    }
}

/// The prepared black-on-white cells of each glyph set, by pattern.
static CELLS: LazyLock<[Vec<Cell>; 3]> =
    LazyLock::new(|| Glyphs::ALL.map(|g| glyph_table(g).iter().map(|c| cell(*c)).collect()));

fn cell(glyph: char) -> Cell {
    let mut cell = Cell::default();
    cell.set_char(glyph).set_fg(FG).set_bg(BG);
    cell
}

/// `cell.set_symbol(..).set_fg(Black).set_bg(White)`, by copying a prepared
/// cell: `set_symbol` builds a `CompactString` every time, which made
/// drawing about three times slower.
#[inline(always)]
fn paint(cell: &mut Cell, prepared: &Cell) {
    // Whatever is not the symbol or the colours stays: modifiers, underline
    // colour (both through the style), how the diff treats the cell.
    let kept = Style { fg: None, bg: None, ..cell.style() };
    let diff = cell.diff_option;
    #[allow(deprecated)]
    let skip = cell.skip;
    *cell = prepared.clone();
    cell.set_style(kept).set_diff_option(diff);
    #[allow(deprecated)]
    cell.set_skip(skip);
}

/// Draws the code at the top-left of `area`, `cols` × `rows` cells. Draws
/// nothing unless all of it is inside the area and the buffer: a clipped
/// code is never drawn.
pub fn draw(m: &QrMatrix, glyphs: Glyphs, scale: u16, (cols, rows): (u16, u16), area: Rect, buf: &mut Buffer) {
    let code = Rect::new(area.x, area.y, cols, rows);
    if (code.width, code.height) != (cols, rows)
        || area.intersection(code) != code
        || buf.area.intersection(code) != code
        || scale == 0
    {
        return;
    }
    let (gx, gy) = glyphs.grid();
    let scale = usize::from(scale);
    let prepared = &CELLS[glyphs as usize];
    // The module column of each sub-column, worked out once.
    let xs: Vec<usize> = (0..usize::from(cols) * gx).map(|sx| sx / scale).collect();
    for row in 0..rows {
        let start = buf.index_of(code.x, code.y + row);
        let line = &mut buf.content[start..start + usize::from(cols)];
        let top = usize::from(row) * gy;
        // The module rows of this cell row's sub-rows (empty below the code).
        let mut modules: [&[bool]; 4] = [&[]; 4];
        for (sy, r) in modules.iter_mut().enumerate().take(gy) {
            *r = m.row((top + sy) / scale).unwrap_or(&[]);
        }
        for (cell, xs) in line.iter_mut().zip(xs.chunks_exact(gx)) {
            let mut bits = 0usize;
            for (sy, r) in modules.iter().enumerate().take(gy) {
                for (sx, x) in xs.iter().enumerate() {
                    if r.get(*x).copied().unwrap_or(false) {
                        bits |= 1 << (sy * gx + sx);
                    }
                }
            }
            paint(cell, &prepared[bits]);
        }
    }
}

/// Reads drawn glyphs back: the sub-cells of `area` as dark (true) or
/// light, row by row, in `glyphs`' grid. `None` when a cell is not one of
/// the glyphs drawn black on white. For tests and pictures of the screen.
pub fn read_back(buf: &Buffer, area: Rect, glyphs: Glyphs) -> Option<Vec<Vec<bool>>> {
    let (gx, gy) = glyphs.grid();
    let table = glyph_table(glyphs);
    let mut out = vec![vec![false; usize::from(area.width) * gx]; usize::from(area.height) * gy];
    for row in 0..area.height {
        for col in 0..area.width {
            let cell = buf.cell((area.x + col, area.y + row))?;
            if (cell.fg, cell.bg) != (FG, BG) {
                return None;
            }
            let mut chars = cell.symbol().chars();
            let (Some(c), None) = (chars.next(), chars.next()) else { return None };
            let bits = table.iter().position(|g| *g == c)?;
            for sy in 0..gy {
                for sx in 0..gx {
                    out[usize::from(row) * gy + sy][usize::from(col) * gx + sx] = bits & (1 << (sy * gx + sx)) != 0;
                }
            }
        }
    }
    Some(out)
}

/// The cells drawn black on white: where a code is on a screen.
pub fn find(buf: &Buffer) -> Option<Rect> {
    let area = buf.area;
    let mut found: Option<(u16, u16, u16, u16)> = None;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &buf[(x, y)];
            if (cell.fg, cell.bg) == (FG, BG) {
                let (x0, y0, x1, y1) = found.unwrap_or((x, y, x, y));
                found = Some((x0.min(x), y0.min(y), x1.max(x), y1.max(y)));
            }
        }
    }
    found.map(|(x0, y0, x1, y1)| Rect::new(x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}
