//! The payment QR: encoded once when the invoice arrives, drawn as black
//! modules on white with a 4-module quiet zone, two modules per cell row in
//! Unicode half blocks, whatever the theme.

use qrcode::{EcLevel, QrCode};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::widgets::Widget;

/// Modules of light margin on each side.
pub const QUIET_ZONE: usize = 4;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side, quiet zone included.
    size: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes the payload (EC level M; the encoder picks the segments, so an
    /// upper-case BOLT11 becomes one alphanumeric segment).
    pub fn encode(payload: &str) -> Result<QrMatrix, qrcode::types::QrError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)?;
        let width = code.width();
        let size = width + 2 * QUIET_ZONE;
        let mut dark = vec![false; size * size];
        for (i, color) in code.to_colors().into_iter().enumerate() {
            let (x, y) = (i % width, i / width);
            dark[(y + QUIET_ZONE) * size + x + QUIET_ZONE] = color == qrcode::Color::Dark;
        }
        Ok(QrMatrix { size, dark })
    }

    /// Modules per side, quiet zone included.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Terminal columns needed.
    pub fn cols(&self) -> u16 {
        u16::try_from(self.size).unwrap_or(u16::MAX)
    }

    /// Terminal rows needed (two modules per row).
    pub fn rows(&self) -> u16 {
        u16::try_from(self.size.div_ceil(2)).unwrap_or(u16::MAX)
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// The half-block character for the cell holding modules (x, 2r) and (x, 2r+1),
    /// to be drawn black on white.
    fn cell(&self, x: usize, row: usize) -> &'static str {
        match (self.is_dark(x, 2 * row), self.is_dark(x, 2 * row + 1)) {
            (true, true) => "█",
            (true, false) => "▀",
            (false, true) => "▄",
            (false, false) => " ",
        }
    }

    /// Plain text lines for `till charge`: `ansi` wraps each line in black on
    /// white so the code scans on a dark terminal too.
    pub fn text_lines(&self, ansi: bool) -> Vec<String> {
        (0..self.size.div_ceil(2))
            .map(|row| {
                let cells: String = (0..self.size).map(|x| self.cell(x, row)).collect();
                if ansi { format!("\x1b[30;47m{cells}\x1b[0m") } else { cells }
            })
            .collect()
    }
}

/// Draws the code at the top-left of the area. The caller checks it fits:
/// a clipped code is never drawn.
pub struct QrWidget<'a>(pub &'a QrMatrix);

impl Widget for QrWidget<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let m = self.0;
        if area.width < m.cols() || area.height < m.rows() {
            return;
        }
        for row in 0..m.rows() {
            for col in 0..m.cols() {
                if let Some(cell) = buf.cell_mut((area.x + col, area.y + row)) {
                    cell.set_symbol(m.cell(usize::from(col), usize::from(row)))
                        .set_fg(Color::Black)
                        .set_bg(Color::White);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upper_case_bolt11_payload_gives_the_documented_size() {
        // xPay's 320-character sample: version 11 at EC level M, 61 modules,
        // 69 columns × 35 rows with the quiet zone (providers README § QR).
        let bolt11 = include_str!("../../tests/fixtures/xpay/create_lightning.json")
            .split('"')
            .find(|s| s.starts_with("lnbc"))
            .unwrap()
            .to_ascii_uppercase();
        let m = QrMatrix::encode(&format!("LIGHTNING:{bolt11}")).unwrap();
        assert_eq!((m.cols(), m.rows()), (69, 35));
    }

    #[test]
    fn the_quiet_zone_is_light() {
        let m = QrMatrix::encode("TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q").unwrap();
        for i in 0..m.size() {
            for q in 0..QUIET_ZONE {
                assert!(!m.is_dark(i, q) && !m.is_dark(q, i));
                assert!(!m.is_dark(i, m.size() - 1 - q) && !m.is_dark(m.size() - 1 - q, i));
            }
        }
        assert!(m.is_dark(QUIET_ZONE, QUIET_ZONE), "finder pattern corner");
    }
}
