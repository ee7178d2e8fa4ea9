//! The payment QR as module matrices, for any face. A payload is encoded at
//! error-correction level M, and at L when that gives a smaller code; each
//! is kept with a quiet zone of 4, 3 and 2 modules ([`QrVariants`], in the
//! order a face should prefer them: a screen is not smudged paper, so a
//! thinner margin or level L is fine when it makes the code fit). The
//! matrix reads two module rows at a time as Unicode half blocks for
//! `till charge`. No terminal types here. Encoding takes about a
//! millisecond for a long BOLT11, so a face encodes a code once per invoice
//! and keeps it.

use qrcode::types::QrError;
use qrcode::{EcLevel, QrCode};

/// Modules of light margin on each side, by default (the standard's).
pub const QUIET_ZONE: usize = 4;

/// The thinnest quiet zone a face may draw.
pub const MIN_QUIET_ZONE: usize = 2;

/// Half-block glyphs indexed by `2 × top dark + bottom dark`.
pub const GLYPHS: [&str; 4] = [" ", "▄", "▀", "█"];

/// Error-correction level: M (15 % of the code may be lost), or L (7 %).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ec {
    M,
    L,
}

impl Ec {
    fn level(self) -> EcLevel {
        match self {
            Ec::M => EcLevel::M,
            Ec::L => EcLevel::L,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    /// Modules per side, quiet zone included.
    size: usize,
    quiet: usize,
    ec: Ec,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes the payload at EC level M with a 4-module quiet zone (the
    /// encoder picks the segments, so an upper-case BOLT11 becomes one
    /// alphanumeric segment).
    pub fn encode(payload: &str) -> Result<QrMatrix, QrError> {
        QrMatrix::encode_with(payload, Ec::M, QUIET_ZONE)
    }

    /// Encodes the payload at the given level, with `quiet` light modules
    /// on each side.
    pub fn encode_with(payload: &str, ec: Ec, quiet: usize) -> Result<QrMatrix, QrError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), ec.level())?;
        let width = code.width();
        let dark: Vec<bool> = code.to_colors().iter().map(|c| *c == qrcode::Color::Dark).collect();
        Ok(QrMatrix { size: width, quiet: 0, ec, dark }.with_quiet(quiet))
    }

    /// The same code with another quiet zone (no encoding).
    pub fn with_quiet(&self, quiet: usize) -> QrMatrix {
        let width = self.code_size();
        let size = width + 2 * quiet;
        let mut dark = vec![false; size * size];
        for y in 0..width {
            let from = (y + self.quiet) * self.size + self.quiet;
            let to = (y + quiet) * size + quiet;
            dark[to..to + width].copy_from_slice(&self.dark[from..from + width]);
        }
        QrMatrix { size, quiet, ec: self.ec, dark }
    }

    /// Modules per side, quiet zone included.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Modules per side of the code itself (its version's size).
    pub fn code_size(&self) -> usize {
        self.size - 2 * self.quiet
    }

    /// Light modules on each side.
    pub fn quiet(&self) -> usize {
        self.quiet
    }

    pub fn ec(&self) -> Ec {
        self.ec
    }

    /// Terminal columns needed in half blocks.
    pub fn cols(&self) -> u16 {
        u16::try_from(self.size).unwrap_or(u16::MAX)
    }

    /// Terminal rows needed in half blocks (two modules per row).
    pub fn rows(&self) -> u16 {
        u16::try_from(self.size.div_ceil(2)).unwrap_or(u16::MAX)
    }

    /// Whether the module is dark; outside the matrix is light.
    #[inline]
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.dark[y * self.size + x]
    }

    /// One row of modules, left to right (`None` below the matrix).
    #[inline]
    pub fn row(&self, y: usize) -> Option<&[bool]> {
        self.dark.get(y * self.size..(y + 1) * self.size)
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

/// The matrices a face may draw for one payload, most preferred first:
/// level M with a quiet zone of 4, 3 and 2 modules, then level L the same
/// way (only when L gives a smaller code). Encoded once per invoice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrVariants(Vec<QrMatrix>);

impl QrVariants {
    pub fn encode(payload: &str) -> Result<QrVariants, QrError> {
        let m = QrMatrix::encode_with(payload, Ec::M, QUIET_ZONE);
        let l = QrMatrix::encode_with(payload, Ec::L, QUIET_ZONE);
        let bases = match (m, l) {
            (Ok(m), Ok(l)) if l.code_size() < m.code_size() => vec![m, l],
            (Ok(m), _) => vec![m],
            // Too long for level M; L still holds a little more.
            (Err(_), Ok(l)) => vec![l],
            (Err(e), Err(_)) => return Err(e),
        };
        let quiet = (MIN_QUIET_ZONE..=QUIET_ZONE).rev();
        Ok(QrVariants(bases.iter().flat_map(|b| quiet.clone().map(|q| b.with_quiet(q))).collect()))
    }

    /// Most preferred first; never empty.
    pub fn all(&self) -> &[QrMatrix] {
        &self.0
    }

    /// The preferred one: level M (when the payload fits it) with a 4-module
    /// quiet zone.
    pub fn first(&self) -> &QrMatrix {
        &self.0[0]
    }

    /// Modules per side of each, in order: what the chooser needs.
    pub fn sizes(&self) -> Vec<usize> {
        self.0.iter().map(QrMatrix::size).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn lightning() -> String {
        let bolt11 = include_str!("../tests/fixtures/xpay/create_lightning.json")
            .split('"')
            .find(|s| s.starts_with("lnbc"))
            .unwrap()
            .to_ascii_uppercase();
        format!("LIGHTNING:{bolt11}")
    }

    #[test]
    fn an_upper_case_bolt11_payload_gives_the_documented_size() {
        // xPay's 320-character sample: version 11 at EC level M, 61 modules,
        // 69 columns × 35 rows with the quiet zone (providers README § QR).
        let m = QrMatrix::encode(&lightning()).unwrap();
        assert_eq!((m.cols(), m.rows()), (69, 35));
    }

    #[test]
    fn the_quiet_zone_is_light() {
        for quiet in [4, 3, 2] {
            let m = QrMatrix::encode_with("TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q", Ec::M, quiet).unwrap();
            assert_eq!(m.size(), m.code_size() + 2 * quiet);
            for i in 0..m.size() {
                for q in 0..quiet {
                    assert!(!m.is_dark(i, q) && !m.is_dark(q, i));
                    assert!(!m.is_dark(i, m.size() - 1 - q) && !m.is_dark(m.size() - 1 - q, i));
                }
            }
            assert!(m.is_dark(quiet, quiet), "finder pattern corner");
        }
    }

    #[test]
    fn variants_go_from_m_with_4_modules_of_margin_down_to_l_with_2() {
        let v = QrVariants::encode(&lightning()).unwrap();
        let got: Vec<(Ec, usize, usize)> = v.all().iter().map(|m| (m.ec(), m.quiet(), m.size())).collect();
        // Version 11 (61 modules) at M, version 9 (53) at L.
        assert_eq!(
            got,
            [(Ec::M, 4, 69), (Ec::M, 3, 67), (Ec::M, 2, 65), (Ec::L, 4, 61), (Ec::L, 3, 59), (Ec::L, 2, 57)]
        );
        // Re-padding keeps the code: the M matrix with 2 modules of margin is
        // the M one with 4, cut.
        let (m4, m2) = (&v.all()[0], &v.all()[2]);
        for y in 0..m2.size() {
            for x in 0..m2.size() {
                assert_eq!(m2.is_dark(x, y), m4.is_dark(x + 2, y + 2));
            }
        }
    }

    #[test]
    fn a_short_payload_has_no_l_variants_when_l_is_no_smaller() {
        // 34 characters: version 3 at both M and L.
        let v = QrVariants::encode("TDtSWK3dsSRJyZH4qNVzsoPsdrZz6k8B3Q").unwrap();
        assert!(v.all().iter().all(|m| m.ec() == Ec::M));
        assert_eq!(v.sizes(), [37, 35, 33]);
    }
}
