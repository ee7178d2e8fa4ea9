//! The payment QR as a module matrix, for any face: EC level M with a
//! 4-module quiet zone, read two module rows at a time as Unicode half
//! blocks (the TUI draws them into cells, `till charge` prints them). No
//! terminal types here. Encoding takes about a millisecond for a long
//! BOLT11, so a face encodes a code once per invoice and keeps it.

use qrcode::types::QrError;
use qrcode::{EcLevel, QrCode};

/// Modules of light margin on each side.
pub const QUIET_ZONE: usize = 4;

/// Half-block glyphs indexed by `2 × top dark + bottom dark`.
pub const GLYPHS: [&str; 4] = [" ", "▄", "▀", "█"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side, quiet zone included.
    size: usize,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes the payload (EC level M; the encoder picks the segments, so an
    /// upper-case BOLT11 becomes one alphanumeric segment).
    pub fn encode(payload: &str) -> Result<QrMatrix, QrError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)?;
        let width = code.width();
        let size = width + 2 * QUIET_ZONE;
        let mut dark = vec![false; size * size];
        for (y, line) in code.to_colors().chunks_exact(width).enumerate() {
            let start = (y + QUIET_ZONE) * size + QUIET_ZONE;
            for (d, c) in dark[start..start + width].iter_mut().zip(line) {
                *d = *c == qrcode::Color::Dark;
            }
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

    /// The half-block glyphs of cell row `row` (modules rows 2r and 2r+1; the
    /// row below the last module row is light), left to right, as indices
    /// into [`GLYPHS`].
    pub fn glyph_ids(&self, row: usize) -> impl Iterator<Item = usize> + '_ {
        let top = &self.dark[2 * row * self.size..][..self.size];
        let bottom = self.dark.get((2 * row + 1) * self.size..(2 * row + 2) * self.size);
        top.iter().enumerate().map(move |(x, &t)| {
            let b = bottom.is_some_and(|bottom| bottom[x]);
            usize::from(t) * 2 + usize::from(b)
        })
    }

    /// Plain text lines for `till charge`: `ansi` wraps each line in black on
    /// white so the code scans on a dark terminal too.
    pub fn text_lines(&self, ansi: bool) -> Vec<String> {
        (0..self.size.div_ceil(2))
            .map(|row| {
                let cells: String = self.glyph_ids(row).map(|g| GLYPHS[g]).collect();
                if ansi { format!("\x1b[30;47m{cells}\x1b[0m") } else { cells }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upper_case_bolt11_payload_gives_the_documented_size() {
        // xPay's 320-character sample: version 11 at EC level M, 61 modules,
        // 69 columns × 35 rows with the quiet zone (providers README § QR).
        let bolt11 = include_str!("../tests/fixtures/xpay/create_lightning.json")
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
